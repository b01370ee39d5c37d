// labeldiff-cli label: batch-label a folder (or a dataset) with a label-diffusion model —
// every image, every phrase (the model's classes unless --prompt is given) — and write a
// COCO file plus overlay images. Non-destructive: an existing annotation of an
// (image, category) pair is kept and that pair is not re-labelled.
#include "command.h"
#include "model_option.h"
#include "model_annotation.h"

#include "core/dataset_format.h"
#include "core/error.h"
#include "core/folder_dataset.h"
#include "core/image.h"
#include "core/overlay.h"
#include "inference/model_card.h"
#include "inference/sampler.h"

#include <chrono>
#include <filesystem>
#include <iostream>
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

int run(const LabelOptions& o) {
    Dataset d = openDatasetOrFolder(o.input);
    auto sampler = Sampler::open(o.model, o.sampler);
    const auto phrases = phrasesOf(o, sampler->card());
    for (const auto& p : phrases)
        if (!d.findCategory(p)) {
            Category c;
            c.id = d.categories.empty() ? 1 : d.categories.back().id + 1;
            for (const auto& e : d.categories) c.id = std::max(c.id, e.id + 1);
            c.name = p;
            d.categories.push_back(c);
        }
    std::set<std::pair<int64_t, int64_t>> done;  // (image, category) a person already labelled
    int64_t nextId = 1;
    for (const auto& a : d.annotations) {
        done.insert({a.imageId, a.categoryId});
        nextId = std::max(nextId, a.id + 1);
    }
    fs::create_directories(fs::path(o.out) / "overlays");
    const auto t0 = std::chrono::steady_clock::now();
    size_t count = 0, added = 0;
    for (const auto& image : d.images) {
        if (o.maxImages > 0 && int(count) >= o.maxImages) break;
        const std::string path = (fs::path(d.imagesDir) / image.fileName).string();
        cv::Mat rgb;
        try {
            rgb = loadImageRgb(path);
        } catch (const Error& e) {
            std::cerr << "skipped: " << e.what() << "\n";  // one bad file does not stop the batch
            continue;
        }
        ++count;
        nlohmann::json line{{"image", image.fileName}, {"phrases", nlohmann::json::object()}};
        for (const auto& p : phrases) {
            const int64_t category = d.findCategory(p)->id;
            if (done.count({image.id, category})) continue;
            const auto r = sampler->segment(rgb, p, o.settings);
            line["phrases"][p] = {{"area", area(r.mask)}, {"ms", r.timings.totalMs}};
            if (auto a = modelAnnotation(r, nextId, image.id, category, o.model)) {
                d.annotations.push_back(std::move(*a));
                ++nextId;
                ++added;
            }
        }
        saveImage((fs::path(o.out) / "overlays" / (fs::path(image.fileName).stem().string() + ".png")).string(),
                  renderOverlay(rgb, d, image.id));
        std::cout << line.dump() << std::endl;
    }
    WriteOptions w;
    w.imagesDir = d.imagesDir;
    const std::string coco = (fs::path(o.out) / "instances.json").string();
    findDatasetFormat("coco")->write(d, coco, w);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << nlohmann::json{{"images", count},      {"annotations_added", added}, {"seconds", secs},
                                {"coco", coco},         {"overlays", (fs::path(o.out) / "overlays").string()}}
                     .dump()
              << std::endl;
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
        return [o] {
            o->model = modelOrDefault(o->model);
            return run(*o);
        };
    }}};

}  // namespace
}  // namespace ld::cli
