// labeldiff-cli eval: score a model on a labelled dataset. Every image is prompted with
// every category name; prints per-class IoU (ΣI/ΣU over the images, false positives on
// images without the class included), the absent-class accuracy, throughput, a warning for
// each pair of phrases the text encoder makes alike, and, last, the line miou=<value>.
#include "command.h"
#include "model_option.h"

#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "inference/runtime/device.h"
#include "inference/io/model_directory.h"
#include "inference/text/phrase_similarity.h"
#include "inference/training/trainer.h"
#include "inference/training/training_eval.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace {

// A value in [0, 1], or "tuned" (-1: the card's per-class values).
double tunedOrNumber(const char* option, const std::string& v) {
    if (v == "tuned") return -1;
    double x = 0;
    try {
        x = std::stod(v);
    } catch (const std::exception&) {
        throw ld::Error(option, "expected a number in [0, 1] or 'tuned', got '" + v + "'");
    }
    if (!(x >= 0 && x <= 1)) throw ld::Error(option, "must be in [0, 1]");
    return x;
}

ld::cli::CommandRegistrar reg{{"eval", "Score a model on a labelled dataset: per-class IoU, mIoU, absent-class accuracy",
                               [](CLI::App& sub) {
    struct Args {
        std::string model, data, images, format, threshold = "tuned", presence = "tuned", device = "auto", json;
        std::string trainConfig, start;
        bool writeCard = false;
        int steps = 0, ensemble = 0, maxImages = 0, threads = 0;
        double guidance = -1, minAbsent = 0;
        uint64_t seed = 0;
    };
    auto a = std::make_shared<Args>();
    ld::cli::addModelOption(sub, a->model);
    auto* data = sub.add_option("--data", a->data, "Labelled dataset (file or folder)");
    auto* heldOut = sub.add_option("--validation-of", a->trainConfig,
                                   "Score the held-out images of this training config (as the trainer split them)");
    data->excludes(heldOut);
    sub.add_flag("--write-card", a->writeCard,
                 "Write the per-class tau and gates chosen here into the model card (tune on held-out data only)");
    sub.add_option("--images", a->images, "Image folder (default: the format's own)");
    sub.add_option("--format", a->format, "Dataset format (default: detected from the path)");
    sub.add_option("--steps", a->steps, "Denoising steps (default: the model card's)");
    sub.add_option("--ensemble", a->ensemble, "Ensemble size (default: the model card's)");
    sub.add_option("--guidance", a->guidance, "Guidance scale (default: the model card's)");
    sub.add_option("--seed", a->seed, "Base seed");
    sub.add_option("--start", a->start, "Start each trajectory from noise (default) or zero (one deterministic member)")
        ->check(CLI::IsMember({"noise", "zero"}));
    sub.add_option("--threshold", a->threshold, "A threshold in [0,1], or 'tuned' (the card's per-class thresholds)");
    sub.add_option("--presence", a->presence,
                   "Presence gate in [0,1] for every class (0: none), or 'tuned' (the card's per-class gates)");
    sub.add_option("--max-images", a->maxImages, "Score only the first N images");
    sub.add_option("--min-absent-accuracy", a->minAbsent,
                   "Best thresholds and gates: only those keeping this absent-class accuracy (pooled over classes; 0: IoU alone)");
    sub.add_option("--device", a->device, "auto, cpu, cuda or cuda:N");
    sub.add_option("--threads", a->threads, "CPU threads (default: automatic, the cores other programs leave free)");
    sub.add_option("--json", a->json, "Also write the figures as JSON to this file");
    return [a]() {
        a->model = ld::cli::modelOrDefault(a->model);
        const ld::ComputeTarget target = ld::selectCompute({a->device, "fp32", a->threads});
        ld::ModelDirectoryOptions mo;
        mo.device = target.device;
        auto model = ld::ModelDirectory::open(a->model, mo);
        ld::LabelledImages data;
        std::vector<size_t> idx;
        if (!a->trainConfig.empty()) {
            const ld::TrainConfig cfg = ld::TrainConfig::fromFile(a->trainConfig);
            ld::validationSplit(cfg.data, cfg.seed, data, idx);
            if (idx.empty()) throw ld::Error(a->trainConfig, "the config holds no images out (val_fraction 0, no val)");
        } else {
            if (a->data.empty()) throw ld::Error("eval", "give --data, or --validation-of with a training config");
            ld::DataSource src;
            const ld::DatasetFormat* f = a->format.empty() ? ld::detectDatasetFormat(a->data) : ld::findDatasetFormat(a->format);
            if (!f) throw ld::Error(a->format.empty() ? a->data : a->format,
                                    a->format.empty() ? "cannot tell its dataset format; pass --format" : "unknown dataset format");
            src.format = f->name();
            src.path = a->data;
            src.images = a->images;
            data = ld::loadLabelledImages({src}, ld::datasetClasses({src}), 0);
            for (size_t i = 0; i < data.items.size(); ++i) idx.push_back(i);
        }
        if (a->maxImages > 0 && int(idx.size()) > a->maxImages) idx.resize(size_t(a->maxImages));
        const std::vector<std::string>& classes = data.classes;
        ld::EvalOptions eo;
        eo.settings.steps = a->steps;
        eo.settings.ensemble = a->ensemble;
        eo.settings.guidance = a->guidance;
        eo.settings.seed = a->seed;
        eo.settings.start = a->start;
        eo.minAbsentAccuracy = a->minAbsent;
        eo.threshold = tunedOrNumber("--threshold", a->threshold);
        eo.presence = tunedOrNumber("--presence", a->presence);
        const ld::EvalResult r = ld::evaluateModel(model, data, idx, eo, nullptr, [](int done, int total) {
            std::cerr << "\r" << done << "/" << total << " images" << std::flush;
        });
        std::cerr << "\n";
        std::printf("%-30s %8s %6s %6s %8s %8s %8s | %8s %6s %6s %8s\n", "class", "IoU", "tau", "gate", "present",
                    "absent", "abs_acc", "best_IoU", "tau", "gate", "abs_acc");
        for (const auto& c : r.classes)
            std::printf("%-30s %8.4f %6.2f %6.2f %8d %8d %8.3f | %8.4f %6.2f %6.2f %8.3f\n", c.name.c_str(), c.iou(),
                        c.threshold, c.presence, c.present, c.absent, c.absent ? double(c.absentCorrect) / c.absent : 1.0,
                        c.tunedIou, c.tunedThreshold, c.tunedPresence, c.tunedAbsentAccuracy);
        std::printf("absent_accuracy=%.4f\n", r.absentAccuracy);
        std::printf("best_thresholds_miou=%.4f (per-class tau and gate chosen on this set)\n", r.tunedMiou);
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
        if (a->writeCard) {
            ld::ModelCard card = model->card();
            card.classThresholds = r.tunedThresholds();
            card.classPresence = r.tunedPresence();
            const std::string path = a->model + "/" + ld::kModelCardFileName;
            ld::writeModelCard(path, card);
            std::printf("wrote the per-class tau and gates to %s\n", path.c_str());
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
