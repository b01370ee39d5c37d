#pragma once
// Scoring a model on labelled images, shared by the trainer's validation and
// `labeldiff-cli eval`: every image is prompted with every class name; per class
// IoU = ΣI/ΣU over the images (false positives on images without the class included),
// mIoU over the classes, absent-class accuracy (predicted area < 0.5 % of the image when
// the class is absent), per-class thresholds and presence gates (core/presence_gate.h)
// that maximise that IoU while keeping the absent-class accuracy
// (EvalOptions::minAbsentAccuracy), and throughput.
#include "core/metrics.h"
#include "core/presence_gate.h"
#include "inference/pipeline/sampler.h"
#include "inference/training/training_data.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ld {

class ModelDirectory;

struct EvalOptions {
    SamplerSettings settings;      // steps, guidance, ensemble ... (0/-1: the card's)
    // Threshold: >= 0 a fixed τ for every class; < 0 the card's per-class τ (or default).
    double threshold = -1;
    // Presence gate: >= 0 a fixed τ_p for every class (0: none); < 0 the card's per class.
    double presence = -1;
    bool tuneThresholds = true;    // also choose each class's best (τ, τ_p) on these images
    int tuneSide = 128;            // predictions are kept at this side for tuning
    double absentAreaFraction = kPresenceAreaFraction;
    // The tuned (τ, τ_p) must together answer "not here" (area < absentAreaFraction) on at
    // least this share of the (image, absent class) pairs, pooled over the classes as
    // absentAccuracy is; the IoU-best τ alone tends to be so low that absent classes leave
    // a haze. When none reaches it, the best reachable share.
    double minAbsentAccuracy = 0.0;
};

struct ClassScore {
    std::string name;
    IouCounts counts;  // summed over the images (cIoU)
    double iou() const { return counts.iou(); }
    int present = 0, absent = 0, absentCorrect = 0;
    double threshold = 0.5;      // the one used
    double presence = 0;         // the gate used
    double tunedThreshold = 0.5; // the best on these images
    double tunedPresence = 0;
    double tunedIou = 0;
    double tunedAbsentAccuracy = 1;
};

struct EvalResult {
    std::vector<ClassScore> classes;
    double miou = 0, tunedMiou = 0;
    double absentAccuracy = 1;
    int pairs = 0, images = 0;
    double seconds = 0;
    double pairsPerSecond() const { return seconds > 0 ? pairs / seconds : 0; }
    std::map<std::string, double> tunedThresholds() const;
    std::map<std::string, double> tunedPresence() const;  // only the classes with a gate
    nlohmann::json toJson() const;
};

// `data` at original size (loadLabelledImages with side 0); `indices` the images to use
// (empty: all). progress(done, total) after each image.
EvalResult evaluateModel(std::shared_ptr<ModelDirectory> model, const LabelledImages& data,
                         const std::vector<size_t>& indices, const EvalOptions& options,
                         const CancelToken* cancel = nullptr, const std::function<void(int, int)>& progress = {});
// The same, on the model directory at `modelDir` (loaded on the CPU in fp32).
EvalResult evaluateModel(const std::string& modelDir, const LabelledImages& data, const std::vector<size_t>& indices,
                         const EvalOptions& options, const CancelToken* cancel = nullptr,
                         const std::function<void(int, int)>& progress = {});

}  // namespace ld
