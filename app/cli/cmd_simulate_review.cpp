// labeldiff-cli simulate-review: the labelling loop of issue 18 played with the ground truth
// as the person. Each round proposes masks for the images not yet reviewed (the same
// labelImage as `label` and the GUI batch), "reviews" K of them — the K most uncertain, or K
// drawn at random — by replacing the proposals with the ground truth (the pixels that
// changed are the edit effort), fine-tunes the current model on every image reviewed so far,
// and scores the new model on a fixed held-out set. One JSON line per round on stdout.
#include "command.h"
#include "model_annotation.h"
#include "model_option.h"

#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/line_chart.h"
#include "core/review_queue.h"
#include "core/rle.h"
#include "core/uncertainty_score.h"
#include "inference/pipeline/batch_labelling.h"
#include "inference/runtime/device.h"
#include "inference/io/model_directory.h"
#include "inference/pipeline/model_provenance.h"
#include "inference/training/trainer.h"
#include "inference/training/training_eval.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>

namespace fs = std::filesystem;

namespace {

struct Options {
    std::string model, pool, test, trainConfig, out, json, plot, order = "both", title;
    int poolSkip = 0, poolMax = 0, testSkip = 0, testMax = 0;
    int rounds = 3, perRound = 4;
    int64_t steps = 0;
    double minutes = 0;
    uint64_t shuffleSeed = 1;
    ld::SamplerSettings settings;
    ld::SamplerOptions sampler;
};

struct Source {
    ld::DataSource source;
    ld::Dataset dataset;  // as read, for writing subsets of it
    ld::LabelledImages data;
    std::vector<size_t> use;  // items in play
};

Source readSource(const std::string& path, const std::vector<std::string>& classes, int skip, int max) {
    Source s;
    const ld::DatasetFormat* f = ld::detectDatasetFormat(path);
    if (!f) throw ld::Error(path, "cannot tell its dataset format");
    s.source.format = f->name();
    s.source.path = path;
    s.dataset = f->read(path, {});
    s.data = ld::loadLabelledImages({s.source}, classes.empty() ? ld::datasetClasses({s.source}) : classes, 0);
    for (size_t i = size_t(std::max(0, skip)); i < s.data.items.size(); ++i) {
        if (max > 0 && int(s.use.size()) >= max) break;
        s.use.push_back(i);
    }
    if (s.use.empty()) throw ld::Error(path, "no images left after --*-skip / --*-max");
    return s;
}

// The reviewed images with their ground truth as a COCO file the trainer reads, naming the
// files the pool's images were loaded from (their folder is returned: the trainer's
// "images"), whatever folder layout the pool's format has.
std::string writeReviewed(const Source& pool, const std::set<size_t>& reviewed, const std::string& path) {
    std::map<std::string, size_t> byFile;
    // Links resolved: a COCO reader skips names that lead out of the images folder through one.
    for (size_t i : reviewed) byFile[fs::weakly_canonical(pool.data.items[i].file).string()] = i;
    ld::Dataset d;
    d.categories = pool.dataset.categories;
    std::set<int64_t> ids;
    for (const ld::ImageInfo& im : pool.dataset.images) {
        const fs::path file = fs::weakly_canonical(fs::path(pool.dataset.imagesDir) / im.fileName);
        if (!byFile.count(file.string())) continue;
        if (d.imagesDir.empty()) d.imagesDir = file.parent_path().string();
        if (file.parent_path().string() != d.imagesDir)
            throw ld::Error(pool.source.path, "the reviewed images are in more than one folder");
        ld::ImageInfo out = im;
        out.fileName = file.filename().string();
        d.images.push_back(out);
        ids.insert(im.id);
    }
    for (const ld::Annotation& a : pool.dataset.annotations)
        if (ids.count(a.imageId)) d.annotations.push_back(a);
    if (d.images.size() != reviewed.size())
        throw ld::Error(pool.source.path, "found " + std::to_string(d.images.size()) + " of the " +
                                              std::to_string(reviewed.size()) + " reviewed images in the dataset");
    ld::WriteOptions wo;
    ld::findDatasetFormat("coco")->write(d, path, wo);
    return d.imagesDir;
}

struct Proposal {
    double uncertainty = 0;
    std::vector<ld::BinaryMask> masks;  // per class (empty mask: none)
};

Proposal propose(ld::Sampler& sampler, const ld::LabelledImage& item, const std::vector<std::string>& classes,
                 const ld::SamplerSettings& settings, const std::string& model) {
    ld::BatchImageJob job;
    job.file = item.file;
    job.phrases = classes;
    for (size_t c = 0; c < classes.size(); ++c) job.categoryIds.push_back(int64_t(c));
    job.settings = settings;
    job.model = model;
    const ld::BatchImageResult r = ld::labelImage(sampler, item.rgb, job);
    Proposal p;
    const int h = item.rgb.rows, w = item.rgb.cols;
    p.masks.assign(classes.size(), ld::BinaryMask(h, w));
    std::vector<const ld::UncertaintyScore*> scores;
    for (const ld::Annotation& a : r.annotations) {
        p.masks[size_t(a.categoryId)] = ld::toMask(a.segmentation, h, w);
        if (a.provenance && a.provenance->uncertainty) scores.push_back(&*a.provenance->uncertainty);
    }
    p.uncertainty = ld::imageUncertainty(scores, w, h);
    return p;
}

int64_t effortOn(const Proposal& p, const ld::LabelledImage& item) {
    int64_t total = 0;
    for (size_t c = 0; c < p.masks.size(); ++c) {
        const ld::BinaryMask truth = item.has(c) ? ld::BinaryMask::fromMat(item.masks[c]) : ld::BinaryMask(item.rgb.rows, item.rgb.cols);
        total += ld::editEffort(p.masks[c], truth);
    }
    return total;
}

double heldOutMiou(const std::string& modelDir, const Source& test, const Options& o) {
    const ld::ComputeTarget target = ld::selectCompute({o.sampler.device, "fp32", o.sampler.threads});
    ld::ModelDirectoryOptions mo;
    mo.device = target.device;
    auto model = ld::ModelDirectory::open(modelDir, mo);
    ld::EvalOptions eo;
    eo.settings = o.settings;
    eo.tuneThresholds = false;
    return ld::evaluateModel(model, test.data, test.use, eo).miou;
}

nlohmann::json runStrategy(const std::string& strategy, const Options& o, const Source& pool, const Source& test,
                           const nlohmann::json& recipe, double startMiou) {
    const std::vector<std::string>& classes = pool.data.classes;
    std::string model = o.model;
    std::set<size_t> reviewed;
    std::vector<size_t> randomOrder = pool.use;
    std::shuffle(randomOrder.begin(), randomOrder.end(), std::mt19937_64(o.shuffleSeed));
    nlohmann::json rounds = nlohmann::json::array();
    rounds.push_back({{"strategy", strategy}, {"round", 0}, {"reviewed", 0}, {"miou", startMiou}});
    std::cout << rounds.back().dump() << std::endl;
    const std::string dir = (fs::absolute(o.out) / strategy).string();
    fs::create_directories(dir);
    for (int round = 1; round <= o.rounds; ++round) {
        const auto t0 = std::chrono::steady_clock::now();
        auto sampler = ld::Sampler::open(model, o.sampler);
        const std::string provenance = ld::provenanceModel(sampler->card(), model);
        // Uncertainty-first needs every pending image's proposal to rank them; random review
        // only the chosen ones'.
        std::vector<size_t> chosen;
        std::map<size_t, Proposal> proposals;
        if (strategy == "uncertain") {
            std::vector<std::pair<double, size_t>> ranked;
            for (size_t i : pool.use) {
                if (reviewed.count(i)) continue;
                proposals[i] = propose(*sampler, pool.data.items[i], classes, o.settings, provenance);
                ranked.push_back({proposals[i].uncertainty, i});
            }
            std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first > b.first; });
            for (size_t k = 0; k < ranked.size() && int(chosen.size()) < o.perRound; ++k) chosen.push_back(ranked[k].second);
        } else {
            for (size_t i : randomOrder)
                if (!reviewed.count(i) && int(chosen.size()) < o.perRound) chosen.push_back(i);
            for (size_t i : chosen) proposals[i] = propose(*sampler, pool.data.items[i], classes, o.settings, provenance);
        }
        if (chosen.empty()) break;
        sampler.reset();
        int64_t effort = 0, pixels = 0;
        double chosenUncertainty = 0;
        for (size_t i : chosen) {
            effort += effortOn(proposals[i], pool.data.items[i]);
            pixels += int64_t(pool.data.items[i].rgb.total());
            chosenUncertainty += proposals[i].uncertainty / double(chosen.size());
            reviewed.insert(i);
        }
        // Every pending image's effort is known only to uncertainty-first (it proposed them all).
        nlohmann::json pendingEffort = nullptr;
        if (strategy == "uncertain") {
            int64_t e = 0, n = 0;
            for (auto& [i, p] : proposals) {
                e += effortOn(p, pool.data.items[i]);
                n += int64_t(pool.data.items[i].rgb.total());
            }
            pendingEffort = double(e) / double(std::max<int64_t>(1, n));
        }

        const std::string roundDir = (fs::path(dir) / ("round-" + std::to_string(round))).string();
        fs::create_directories(roundDir);
        const std::string reviewedFile = (fs::path(roundDir) / "reviewed.json").string();
        const std::string imagesDir = writeReviewed(pool, reviewed, reviewedFile);
        nlohmann::json cfg = recipe;
        cfg["base_model"] = fs::absolute(model).string();
        cfg["output"] = (fs::path(roundDir) / "model").string();
        cfg["checkpoint_dir"] = (fs::path(roundDir) / "checkpoints").string();
        cfg["data"]["train"] = nlohmann::json::array({{{"format", "coco"}, {"path", reviewedFile},
                                                       {"images", imagesDir}}});
        cfg["data"]["classes"] = classes;
        cfg["data"]["val_fraction"] = 0.0;
        cfg["data"].erase("val");
        cfg["final_validation"] = false;
        cfg["validate_every"] = 0;
        if (o.steps > 0) cfg["steps"] = o.steps;
        if (o.minutes > 0) cfg["time_limit_minutes"] = o.minutes;
        cfg["checkpoint_every"] = 1000000;
        cfg["keep_checkpoints"] = 1;
        if (o.sampler.threads > 0) cfg["threads"] = o.sampler.threads;
        const ld::TrainConfig tc =
            ld::TrainConfig::fromJson(cfg, fs::absolute(o.trainConfig).parent_path().string(), o.trainConfig);
        const ld::TrainResult tr = ld::Trainer(tc).run();
        if (tr.output.empty()) throw ld::Error(roundDir, "the fine-tune wrote no model");
        model = tr.output;
        const double miou = heldOutMiou(model, test, o);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rounds.push_back({{"strategy", strategy},
                          {"round", round},
                          {"reviewed", reviewed.size()},
                          {"miou", miou},
                          {"edit_effort_pixels", effort},
                          {"edit_effort_fraction", double(effort) / double(std::max<int64_t>(1, pixels))},
                          {"pending_effort_fraction", pendingEffort},
                          {"chosen_uncertainty", chosenUncertainty},
                          {"train_steps", tr.steps},
                          {"train_seconds", tr.wallSeconds},
                          {"seconds", seconds}});
        std::cout << rounds.back().dump() << std::endl;
    }
    return rounds;
}

void drawPlot(const nlohmann::json& result, const std::string& path, const std::string& title) {
    ld::LineChart chart;
    chart.title = title;
    chart.xLabel = "images reviewed";
    chart.yLabel = "held-out mIoU";
    const std::map<std::string, std::array<uint8_t, 3>> colours = {{"uncertain", {214, 39, 40}}, {"random", {31, 119, 180}}};
    for (auto it = result["strategies"].begin(); it != result["strategies"].end(); ++it) {
        ld::LineSeries s;
        s.name = it.key() == "uncertain" ? "uncertainty-first" : "random";
        s.color = colours.count(it.key()) ? colours.at(it.key()) : std::array<uint8_t, 3>{0, 0, 0};
        for (const auto& r : it.value()) s.points.push_back({r["reviewed"].get<double>(), r["miou"].get<double>()});
        chart.series.push_back(s);
    }
    ld::writeLineChartPng(chart, 640, 400, path);
}

}  // namespace

static ld::cli::CommandRegistrar reg{{"simulate-review",
    "Play the review loop with the ground truth as the person: propose, review K (most uncertain or random), "
    "fine-tune, score on held-out images",
    [](CLI::App& sub) {
        auto o = std::make_shared<Options>();
        ld::cli::addModelOption(sub, o->model);
        sub.add_option("--pool", o->pool, "Labelled dataset whose images are proposed and reviewed")->required();
        sub.add_option("--pool-skip", o->poolSkip, "Leave out its first N images");
        sub.add_option("--pool-max", o->poolMax, "Use at most N of its images (0: all)");
        sub.add_option("--test", o->test, "Held-out labelled dataset scored after every round")->required();
        sub.add_option("--test-skip", o->testSkip, "Leave out its first N images (the pool's when it is the same file)");
        sub.add_option("--test-max", o->testMax, "Use at most N of its images (0: all)");
        sub.add_option("--train-config", o->trainConfig,
                       "Fine-tuning recipe (a train config; its model, output and data are set per round)")->required();
        sub.add_option("--rounds", o->rounds, "Rounds of propose, review, fine-tune")->capture_default_str();
        sub.add_option("--per-round", o->perRound, "Images reviewed per round (K)")->capture_default_str();
        sub.add_option("--train-steps", o->steps, "Fine-tuning steps per round (default: the recipe's)");
        sub.add_option("--train-minutes", o->minutes, "Fine-tuning time limit per round in minutes (default: the recipe's)");
        sub.add_option("--order", o->order, "uncertain, random or both")
            ->check(CLI::IsMember({"uncertain", "random", "both"}))->capture_default_str();
        sub.add_option("--shuffle-seed", o->shuffleSeed, "Seed of the random review order")->capture_default_str();
        sub.add_option("--out", o->out, "Work folder (reviewed sets and the model of every round)")->required();
        sub.add_option("--json", o->json, "Write every round's figures to this file");
        sub.add_option("--plot", o->plot, "Draw held-out mIoU against images reviewed into this PNG");
        sub.add_option("--title", o->title, "The plot's title");
        ld::cli::addSamplerOptions(sub, o->settings, o->sampler);
        return [o]() {
            o->model = ld::cli::modelOrDefault(o->model);
            if (o->rounds < 1 || o->perRound < 1) throw ld::Error("simulate-review", "--rounds and --per-round must be at least 1");
            const nlohmann::json recipe = nlohmann::json::parse(std::ifstream(o->trainConfig), nullptr, false);
            if (recipe.is_discarded() || !recipe.is_object()) throw ld::Error(o->trainConfig, "not a JSON object");
            fs::create_directories(o->out);
            const Source pool = readSource(o->pool, {}, o->poolSkip, o->poolMax);
            const Source test = readSource(o->test, pool.data.classes, o->testSkip, o->testMax);
            std::cerr << "pool: " << pool.use.size() << " images, test: " << test.use.size() << " images, classes: "
                      << pool.data.classes.size() << "\n";
            const double startMiou = heldOutMiou(o->model, test, *o);
            nlohmann::json result = {{"model", o->model},        {"pool", o->pool},         {"test", o->test},
                                     {"pool_images", pool.use.size()}, {"test_images", test.use.size()},
                                     {"per_round", o->perRound}, {"rounds", o->rounds},     {"steps", o->steps},
                                     {"minutes", o->minutes},    {"train_config", o->trainConfig},
                                     {"strategies", nlohmann::json::object()}};
            const std::vector<std::string> strategies =
                o->order == "both" ? std::vector<std::string>{"uncertain", "random"} : std::vector<std::string>{o->order};
            for (const std::string& s : strategies) {
                result["strategies"][s] = runStrategy(s, *o, pool, test, recipe, startMiou);
                if (!o->json.empty()) std::ofstream(o->json) << result.dump(2) << "\n";
                if (!o->plot.empty()) drawPlot(result, o->plot, o->title.empty() ? o->pool : o->title);
            }
            return 0;
        };
    }}};
