// labeldiff-cli eval: score a model on a labelled dataset. Every image is prompted with
// every category name; prints per-class IoU (ΣI/ΣU over the images, false positives on
// images without the class included), the absent-class accuracy, throughput, a warning for
// each pair of phrases the text encoder makes alike, and, last, the line miou=<value>.
#include "command.h"
#include "model_option.h"

#include "core/error.h"
#include "inference/device.h"
#include "inference/model_directory.h"
#include "inference/phrase_similarity.h"
#include "inference/training_eval.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace {

ld::cli::CommandRegistrar reg{{"eval", "Score a model on a labelled dataset: per-class IoU, mIoU, absent-class accuracy",
                               [](CLI::App& sub) {
    struct Args {
        std::string model, data, images, format = "coco", threshold = "tuned", device = "auto", json;
        int steps = 0, ensemble = 0, maxImages = 0, threads = 0;
        double guidance = -1, minAbsent = 0;
        uint64_t seed = 0;
    };
    auto a = std::make_shared<Args>();
    ld::cli::addModelOption(sub, a->model);
    sub.add_option("--data", a->data, "Labelled dataset (file or folder)")->required();
    sub.add_option("--images", a->images, "Image folder (default: the format's own)");
    sub.add_option("--format", a->format, "Dataset format (default coco)");
    sub.add_option("--steps", a->steps, "Denoising steps (default: the model card's)");
    sub.add_option("--ensemble", a->ensemble, "Ensemble size (default: the model card's)");
    sub.add_option("--guidance", a->guidance, "Guidance scale (default: the model card's)");
    sub.add_option("--seed", a->seed, "Base seed");
    sub.add_option("--threshold", a->threshold, "A threshold in [0,1], or 'tuned' (the card's per-class thresholds)");
    sub.add_option("--max-images", a->maxImages, "Score only the first N images");
    sub.add_option("--min-absent-accuracy", a->minAbsent,
                   "Best thresholds: only those keeping this absent-class accuracy per class (0: IoU alone)");
    sub.add_option("--device", a->device, "auto, cpu, cuda or cuda:N");
    sub.add_option("--threads", a->threads, "CPU threads (default: all cores)");
    sub.add_option("--json", a->json, "Also write the figures as JSON to this file");
    return [a]() {
        a->model = ld::cli::modelOrDefault(a->model);
        const ld::ComputeTarget target = ld::selectCompute({a->device, "fp32", a->threads});
        ld::ModelDirectoryOptions mo;
        mo.device = target.device;
        auto model = ld::ModelDirectory::open(a->model, mo);
        ld::DataSource src;
        src.format = a->format;
        src.path = a->data;
        src.images = a->images;
        std::vector<std::string> classes = ld::datasetClasses({src});
        ld::LabelledImages data = ld::loadLabelledImages({src}, classes, 0);
        std::vector<size_t> idx;
        for (size_t i = 0; i < data.items.size() && (a->maxImages <= 0 || int(i) < a->maxImages); ++i) idx.push_back(i);
        ld::EvalOptions eo;
        eo.settings.steps = a->steps;
        eo.settings.ensemble = a->ensemble;
        eo.settings.guidance = a->guidance;
        eo.settings.seed = a->seed;
        eo.minAbsentAccuracy = a->minAbsent;
        if (a->threshold == "tuned") {
            eo.threshold = -1;
        } else {
            try {
                eo.threshold = std::stod(a->threshold);
            } catch (const std::exception&) {
                throw ld::Error("--threshold", "expected a number in [0, 1] or 'tuned', got '" + a->threshold + "'");
            }
            if (eo.threshold < 0 || eo.threshold > 1) throw ld::Error("--threshold", "must be in [0, 1]");
        }
        const ld::EvalResult r = ld::evaluateModel(model, data, idx, eo, nullptr, [](int done, int total) {
            std::cerr << "\r" << done << "/" << total << " images" << std::flush;
        });
        std::cerr << "\n";
        std::printf("%-30s %8s %8s %8s %8s\n", "class", "IoU", "tau", "present", "absent");
        for (const auto& c : r.classes)
            std::printf("%-30s %8.4f %8.2f %8d %8d\n", c.name.c_str(), c.iou(), c.threshold, c.present, c.absent);
        std::printf("absent_accuracy=%.4f\n", r.absentAccuracy);
        std::printf("best_thresholds_miou=%.4f (per-class thresholds chosen on this set)\n", r.tunedMiou);
        std::printf("images=%d pairs=%d seconds=%.2f pairs_per_second=%.2f device=%s\n", r.images, r.pairs, r.seconds,
                    r.pairsPerSecond(), target.device.str().c_str());
        nlohmann::json figures = r.toJson();
        if (model->textEncoder) {
            const ld::PhraseSimilarity similarity = ld::measurePhraseSimilarity(*model, classes);
            std::printf("phrase_similarity_max=%.4f\n", similarity.maxOffDiagonal());
            for (const auto& p : similarity.above())
                std::printf("warning: phrases '%s' and '%s' are encoded %.3f alike: the model cannot tell them apart\n",
                            p.a.c_str(), p.b.c_str(), p.cosine);
            figures["phrase_similarity"] = similarity.toJson();
        }
        if (!a->json.empty()) {
            std::ofstream out(a->json);
            out << figures.dump(2) << "\n";
        }
        std::printf("miou=%.4f\n", r.miou);
        return 0;
    };
}}};

}  // namespace
