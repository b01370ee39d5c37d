// labeldiff-cli segment: label one image by text prompt — every phrase (given, or the
// noun phrases of a caption) denoised into a mask at the original image size, with the
// soft mask, the ensemble's uncertainty, the trajectory and a COCO file on request.
#include "command.h"
#include "model_option.h"
#include "model_annotation.h"

#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/image.h"
#include "inference/io/model_card.h"
#include "inference/pipeline/model_provenance.h"
#include "inference/text/noun_phrases.h"
#include "inference/pipeline/sampler.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace ld::cli {
namespace {

namespace fs = std::filesystem;

struct SegmentOptions {
    std::string model;
    std::string image;
    std::vector<std::string> prompts;
    std::vector<std::string> captions;
    SamplerSettings settings;
    SamplerOptions sampler;
    double background = 0.5;
    std::string out, soft, uncertainty, semantic, trajectory, coco;
};

// "person's leg" -> "person-s-leg": safe in a file name on every system.
std::string slug(const std::string& phrase) {
    std::string s;
    for (unsigned char c : phrase) {
        if (std::isalnum(c)) s += char(std::tolower(c));
        else if (!s.empty() && s.back() != '-') s += '-';
    }
    while (!s.empty() && s.back() == '-') s.pop_back();
    return s.empty() ? "phrase" : s.substr(0, 40);
}

// One phrase: the path as given; several: "<stem>-<k>-<slug><ext>" beside it.
std::string phrasePath(const std::string& path, size_t k, size_t count, const std::string& phrase) {
    if (count == 1) return path;
    const fs::path p(path);
    return (p.parent_path() / (p.stem().string() + "-" + std::to_string(k + 1) + "-" + slug(phrase) +
                               p.extension().string()))
        .string();
}

cv::Mat to8bit(const SoftMask& m) {
    cv::Mat out;
    m.mat().convertTo(out, CV_8UC1, 255.0);
    return out;
}

cv::Mat to8bit(const BinaryMask& m) { return m.mat() * 255; }

nlohmann::json timingsJson(const SegmentTimings& t) {
    return {{"encode_ms", t.encodeMs}, {"step_ms", t.stepMs}, {"mean_step_ms", t.meanStepMs()},
            {"decode_ms", t.decodeMs}, {"total_ms", t.totalMs}};
}

void writeCoco(const SegmentOptions& o, const cv::Mat& rgb, const std::vector<PhraseSegmentation>& results) {
    Dataset d;
    ImageInfo info;
    info.id = 1;
    info.fileName = fs::path(o.image).filename().string();
    info.width = rgb.cols;
    info.height = rgb.rows;
    d.images.push_back(info);
    for (size_t k = 0; k < results.size(); ++k) {
        const auto& r = results[k];
        Category c;
        c.id = int64_t(k + 1);
        c.name = r.phrase;
        d.categories.push_back(c);
        if (auto a = modelAnnotation(1, c.id, r.mask, r.soft, r.settings, o.model)) {
            a->id = int64_t(d.annotations.size() + 1);
            d.annotations.push_back(std::move(*a));
        }
    }
    findDatasetFormat("coco")->write(d, o.coco, {});
}

int run(const SegmentOptions& o) {
    std::vector<std::string> phrases = o.prompts;
    for (const auto& c : o.captions)
        for (auto& p : nounPhrases(c)) phrases.push_back(std::move(p));
    if (phrases.empty()) throw Error("segment", "no phrase: give --prompt or a --caption with at least one noun phrase");

    const cv::Mat rgb = loadImageRgb(o.image);
    auto sampler = Sampler::open(o.model, o.sampler);

    std::vector<PhraseSegmentation> results;
    for (size_t k = 0; k < phrases.size(); ++k) {
        TrajectoryCallback onStep;
        std::string frames;
        if (!o.trajectory.empty()) {
            frames = (fs::path(o.trajectory) / (std::to_string(k + 1) + "-" + slug(phrases[k]))).string();
            fs::create_directories(frames);
            onStep = [&frames](const TrajectoryFrame& f) {
                char name[32];
                std::snprintf(name, sizeof name, "step_%03d.png", f.step);
                saveImage((fs::path(frames) / name).string(), to8bit(f.x0));
            };
        }
        results.push_back(sampler->segment(rgb, phrases[k], o.settings, onStep));
        const auto& r = results.back();
        nlohmann::json line{{"phrase", r.phrase},
                            {"present", r.present},
                            {"presence", r.presence},
                            {"area", area(r.mask)},
                            {"fraction", double(area(r.mask)) / double(rgb.total())},
                            {"settings", samplerSettingsJson(r.settings)},
                            {"model", o.model},
                            {"device", sampler->deviceName()},
                            {"timings", timingsJson(r.timings)}};
        std::cout << line.dump() << std::endl;

        const size_t n = phrases.size();
        if (!o.out.empty()) saveImage(phrasePath(o.out, k, n, r.phrase), to8bit(r.mask));
        if (!o.soft.empty()) saveImage(phrasePath(o.soft, k, n, r.phrase), to8bit(r.soft));
        if (!o.uncertainty.empty())
            saveImage(phrasePath(o.uncertainty, k, n, r.phrase), to8bit(r.uncertainty));
    }
    if (!o.semantic.empty()) {
        cv::Mat labels = semanticLabels(presentSoftMasks(results), o.background), out;
        if (labels.empty()) labels = cv::Mat::zeros(rgb.rows, rgb.cols, CV_32SC1);  // every phrase absent
        labels.convertTo(out, CV_8UC1);
        saveImage(o.semantic, out);
    }
    if (!o.coco.empty()) writeCoco(o, rgb, results);
    return 0;
}

const CommandRegistrar registrar{Command{
    "segment", "Segment an image by text prompt with a label-diffusion model; one JSON line per phrase",
    [](CLI::App& sub) -> std::function<int()> {
        auto o = std::make_shared<SegmentOptions>();
        addModelOption(sub, o->model);
        sub.add_option("--image", o->image, "Input image")->required();
        sub.add_option("--prompt", o->prompts, "A phrase to segment (repeatable)");
        sub.add_option("--caption", o->captions, "A caption whose noun phrases are segmented one by one (repeatable)");
        addSamplerOptions(sub, o->settings, o->sampler);
        sub.add_option("--background", o->background, "Background threshold of the semantic map")
            ->capture_default_str();
        sub.add_option("--out", o->out, "Binary mask PNG (several phrases: one file each, numbered)");
        sub.add_option("--soft", o->soft, "Soft mask PNG (probability x 255)");
        sub.add_option("--uncertainty", o->uncertainty, "Ensemble standard deviation PNG (x 255)");
        sub.add_option("--semantic", o->semantic, "Label map PNG: 0 background, k the k-th phrase");
        sub.add_option("--trajectory", o->trajectory, "Folder for one PNG per step (predicted x0 as a soft mask)");
        sub.add_option("--coco", o->coco, "COCO instances JSON with one category per phrase");
        return [o] {
            o->model = modelOrDefault(o->model);
            return run(*o);
        };
    }}};

}  // namespace
}  // namespace ld::cli
