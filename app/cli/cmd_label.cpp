// labeldiff-cli label: batch-label a folder (or a dataset) with a label-diffusion model —
// every image, every phrase (the model's classes unless --prompt is given) — and write a
// COCO file plus overlay images. The labelling itself is the GUI batch's
// (inference/pipeline/batch_labelling.h): the phrases share the pixels by DiGSeg's per-pixel argmax,
// and an existing annotation of an (image, category) pair is kept and that pair is not
// re-labelled. Hours of results are not lost to one bad image or a stopped run: failures
// are skipped, instances.json is written every few images, and --resume continues to the
// same result as an uninterrupted run. With --shard K/N (or a Slurm array / Kubernetes
// indexed job's variables) it labels only its share of the images (core/shard.h) into its
// own folder, and `labeldiff-cli merge` joins the shards' folders into the one an unsharded
// run would have written.
#include "command.h"
#include "model_option.h"
#include "model_annotation.h"

#include "core/atomic_file.h"
#include "core/dataset_summary.h"
#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/formats/folder_dataset.h"
#include "core/formats/format_util.h"
#include "core/json_read.h"
#include "core/image.h"
#include "core/overlay.h"
#include "core/shard.h"
#include "inference/pipeline/batch_labelling.h"
#include "inference/io/model_card.h"
#include "inference/pipeline/model_provenance.h"
#include "inference/pipeline/sampler.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace ld::cli {
namespace {

namespace fs = std::filesystem;

struct LabelOptions {
    std::string model, input, out = "labeldiff-output";
    std::vector<std::string> prompts;
    SamplerSettings settings;
    SamplerOptions sampler;
    int maxImages = 0;
    int saveEvery = 10;
    bool resume = false;
    ShardSpec shard;  // resolved from --shard or the environment before run()
};

std::vector<std::string> phrasesOf(const LabelOptions& o, const ModelCard& card) {
    if (!o.prompts.empty()) return o.prompts;
    std::vector<std::string> out;
    if (card.training.contains("classes") && card.training["classes"].is_array())
        for (const auto& c : card.training["classes"])
            if (c.is_string()) out.push_back(c.get<std::string>());
    if (out.empty())
        for (const auto& [name, tau] : card.classThresholds) out.push_back(name);
    if (out.empty()) throw Error(o.model, "the model card names no classes: give --prompt");
    return out;
}

// What a stopped run must share with the one that continues it.
nlohmann::json runIdentity(const LabelOptions& o, const std::vector<std::string>& phrases) {
    return {{"input", fs::absolute(o.input).lexically_normal().string()},
            {"model", fs::absolute(o.model).lexically_normal().string()},
            {"phrases", phrases},
            {"settings", samplerSettingsJson(o.settings)}};
}

int run(const LabelOptions& o) {
    const fs::path out(o.out), cocoPath = out / "instances.json", statePath = out / "label-state.json";
    auto sampler = Sampler::open(o.model, o.sampler);
    const auto phrases = phrasesOf(o, sampler->card());
    const std::string model = provenanceModel(sampler->card(), o.model);
    const nlohmann::json identity = runIdentity(o, phrases);

    // Images finished by the run this one continues (--resume): their results are in
    // OUT/instances.json, written together with OUT/label-state.json.
    std::set<int64_t> finished;
    Dataset d;
    int64_t firstNewId = 0;  // a shard's first annotation id: merge numbers the shards' annotations from it
    std::error_code ec;
    const bool resume = o.resume && fs::is_regular_file(statePath, ec);
    // Killed before its first save, a run left nothing to continue: start from the beginning.
    if (o.resume && !resume) std::cerr << "no stopped run in " << o.out << ": starting from the beginning\n";
    if (resume) {
        const nlohmann::json state = readJsonFile(statePath.string());
        if (state.value("run", nlohmann::json()) != identity)
            throw Error(statePath.string(), "the stopped run had other options (input, model, prompts or sampler settings); "
                                            "give the same ones, or run without --resume");
        ReadOptions ro;
        const nlohmann::json stoppedShard = state.value("shard", nlohmann::json());
        const ShardSpec stopped = stoppedShard.is_object()
                                      ? ShardSpec{stoppedShard.at("index").get<int>(), stoppedShard.at("count").get<int>()}
                                      : ShardSpec{};
        if (!(stopped == o.shard))
            throw Error(statePath.string(), "the stopped run labelled shard " + stopped.text() + ", not " +
                                                o.shard.text() + "; give the same --shard, or run without --resume");
        if (o.shard.sharded()) firstNewId = stoppedShard.at("first_new_annotation_id").get<int64_t>();
        ro.imagesDir = state.at("images_dir").get<std::string>();
        d = findDatasetFormat("coco")->read(cocoPath.string(), ro);
        for (const auto& id : state.at("finished")) finished.insert(id.get<int64_t>());
    } else {
        d = openDatasetOrFolder(o.input);
        // Among them: images past the size limits, left out of the run and its output.
        if (!d.warnings.empty())
            std::cerr << "labeldiff-cli label: " << d.warnings.total() << " warnings reading " << o.input << ":\n"
                      << warningsText(d.warnings);
    }
    for (const auto& p : phrases)
        if (!d.findCategory(p)) {
            Category c;
            c.id = d.categories.empty() ? 1 : d.categories.back().id + 1;
            for (const auto& e : d.categories) c.id = std::max(c.id, e.id + 1);
            c.name = p;
            d.categories.push_back(c);
        }
    std::vector<int64_t> categoryIds;
    for (const auto& p : phrases) categoryIds.push_back(d.findCategory(p)->id);
    std::map<int64_t, std::set<int64_t>> annotated;  // image -> categories already labelled
    int64_t nextId = 1;
    for (const auto& a : d.annotations) {
        annotated[a.imageId].insert(a.categoryId);
        nextId = std::max(nextId, a.id + 1);
    }
    if (firstNewId == 0) firstNewId = nextId;
    fs::create_directories(out / "overlays");
    // The image's stem, or stem-<id> where images share one (a.jpg and a.png, sub/a.jpg).
    const auto names = overlayFileNames(d);

    // instances.json first, then the state that names the images it holds: a run killed
    // between the two resumes from the older state and redoes a few images.
    bool complete = false;  // the loop reached the last image (not --max-images or a kill)
    auto save = [&] {
        WriteOptions w;
        w.imagesDir = d.imagesDir;
        findDatasetFormat("coco")->write(d, cocoPath.string(), w);
        nlohmann::json state{{"format", "labeldiff-label-state"}, {"version", 1},
                             {"run", identity},                  {"images_dir", d.imagesDir},
                             {"finished", finished}};
        // A shard lists every image (merge takes the list from it) but labels only its own.
        if (o.shard.sharded())
            state["shard"] = {{"index", o.shard.index},
                              {"count", o.shard.count},
                              {"first_new_annotation_id", firstNewId},
                              {"complete", complete}};
        writeFileAtomic(statePath.string(), state.dump(1) + "\n");
    };

    // An image's line is printed once its result is on disk.
    std::vector<std::string> lines;
    auto flushLines = [&] {
        for (const auto& l : lines) std::cout << l << "\n";
        std::cout.flush();
        lines.clear();
    };

    const auto t0 = std::chrono::steady_clock::now();
    size_t count = 0, added = 0, skipped = 0, sinceSave = 0;
    bool stoppedEarly = false;
    for (const auto& image : d.images) {
        if (!shardOwns(o.shard, image.fileName)) continue;
        if (o.maxImages > 0 && int(count) >= o.maxImages) {
            stoppedEarly = true;
            break;
        }
        if (finished.count(image.id)) {
            ++count;
            continue;
        }
        const std::string path = (fs::path(d.imagesDir) / image.fileName).string();
        // One bad image (unreadable, too large, out of memory) is reported and skipped; the
        // batch and its results so far go on.
        try {
            const cv::Mat rgb = loadImageRgb(path);
            BatchImageJob job;
            job.imageId = image.id;
            job.file = path;
            job.width = image.width;
            job.height = image.height;
            job.phrases = phrases;
            job.categoryIds = categoryIds;
            job.labelledCategories = annotated[image.id];
            job.settings = o.settings;
            job.model = model;
            BatchImageResult r = labelImage(*sampler, rgb, job);
            nlohmann::json line{{"image", image.fileName}, {"phrases", nlohmann::json::object()}};
            for (size_t i = 0; i < r.segmentation.phrases.size(); ++i) {
                if (job.labelledCategories.count(categoryIds[i])) continue;
                const PhraseSegmentation& s = r.segmentation.phrases[i];
                int64_t labelled = 0;
                for (const auto& a : r.annotations)
                    if (a.categoryId == categoryIds[i]) labelled = int64_t(a.area);
                line["phrases"][phrases[i]] = {{"area", labelled}, {"present", s.present}, {"ms", s.timings.totalMs}};
            }
            added += r.annotations.size();
            for (auto& a : r.annotations) {
                a.id = nextId++;
                d.annotations.push_back(std::move(a));
            }
            saveImage((out / "overlays" / names.at(image.id)).string(), renderOverlay(rgb, d, image.id));
            lines.push_back(line.dump());
        } catch (const Error& e) {
            std::cerr << "skipped: " << e.what() << "\n";
            ++skipped;
            continue;
        } catch (const std::bad_alloc&) {
            std::cerr << "skipped: " << path << ": out of memory\n";
            ++skipped;
            continue;
        }
        ++count;
        finished.insert(image.id);
        if (++sinceSave >= size_t(std::max(1, o.saveEvery))) {
            save();
            sinceSave = 0;
            flushLines();
        }
    }
    complete = !stoppedEarly;
    save();
    flushLines();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json summary{{"images", count},
                           {"skipped", skipped},
                           {"annotations_added", added},
                           {"seconds", secs},
                           {"coco", cocoPath.string()},
                           {"overlays", (out / "overlays").string()}};
    if (o.shard.sharded()) summary["shard"] = o.shard.text();
    std::cout << summary.dump() << std::endl;
    return 0;
}

const CommandRegistrar registrar{Command{
    "label", "Batch-label a folder or dataset with a model; write COCO and overlay images",
    [](CLI::App& sub) -> std::function<int()> {
        auto o = std::make_shared<LabelOptions>();
        addModelOption(sub, o->model);
        sub.add_option("--images", o->input, "Image folder, or a dataset file/folder to continue")->required();
        sub.add_option("--out", o->out, "Output folder (instances.json, overlays/)")->capture_default_str();
        sub.add_option("--prompt", o->prompts, "Phrases to label (default: the model's classes)");
        addSamplerOptions(sub, o->settings, o->sampler);
        sub.add_option("--max-images", o->maxImages, "Label only the first N images");
        sub.add_option("--save-every", o->saveEvery, "Write instances.json after every N images (and at the end)")
            ->capture_default_str();
        sub.add_flag("--resume", o->resume, "Continue the run stopped in --out (same options) where it stopped");
        auto shardText = std::make_shared<std::string>();
        auto completions = std::make_shared<int>(0);
        sub.add_option("--shard", *shardText,
                       "Label only shard K of N (K from 0: 0/4 … 3/4), each into its own --out; join them with "
                       "`labeldiff-cli merge`. Default: from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX");
        sub.add_option("--shard-count", *completions,
                       "The number of shards when JOB_COMPLETION_INDEX (Kubernetes indexed job) gives the index");
        return [o, shardText, completions] {
            o->shard = shardText->empty() ? shardSpecFromEnvironment(*completions, processEnvironment())
                                          : parseShardSpec(*shardText);
            o->model = modelOrDefault(o->model);
            return run(*o);
        };
    }}};

}  // namespace
}  // namespace ld::cli
