#pragma once
// Scoring a model on labelled images, shared by the trainer's validation and
// `labeldiff-cli eval`: every image is prompted with every class name; per class
// IoU = ΣI/ΣU over the images (false positives on images without the class included),
// mIoU over the classes, absent-class accuracy (predicted area < 0.5 % of the image when
// the class is absent), per-class thresholds that maximise that IoU while keeping the
// absent-class accuracy (EvalOptions::minAbsentAccuracy), and throughput.
#include "inference/sampler.h"
#include "inference/training_data.h"

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
    bool tuneThresholds = true;    // also choose each class's best τ on these images
    int tuneSide = 128;            // predictions are kept at this side for tuning
    double absentAreaFraction = 0.005;
    // A tuned τ must also answer "not here" (area < absentAreaFraction) on at least this share
    // of the images without the class; the IoU-best τ alone tends to be so low that absent
    // classes leave a haze. When no τ reaches it, the one with the best absent accuracy.
    double minAbsentAccuracy = 0.0;
};

struct ClassScore {
    std::string name;
    double intersection = 0, uni = 0;
    double iou() const { return uni > 0 ? intersection / uni : 1.0; }
    int present = 0, absent = 0, absentCorrect = 0;
    double threshold = 0.5;      // the one used
    double tunedThreshold = 0.5; // the best on these images
    double tunedIou = 0;
};

struct EvalResult {
    std::vector<ClassScore> classes;
    double miou = 0, tunedMiou = 0;
    double absentAccuracy = 1;
    int pairs = 0, images = 0;
    double seconds = 0;
    double pairsPerSecond() const { return seconds > 0 ? pairs / seconds : 0; }
    std::map<std::string, double> tunedThresholds() const;
    nlohmann::json toJson() const;
};

// Whether the model is the discriminative baseline (the card's training objective).
bool isDiscriminativeModel(const ModelDirectory& model);
// The baseline's single pass: image + phrase -> probabilities at the image's size.
SoftMask discriminativeSegment(const ModelDirectory& model, const cv::Mat& rgb, const std::string& phrase);

// `data` at original size (loadLabelledImages with side 0); `indices` the images to use
// (empty: all). progress(done, total) after each image.
EvalResult evaluateModel(std::shared_ptr<ModelDirectory> model, const LabelledImages& data,
                         const std::vector<size_t>& indices, const EvalOptions& options,
                         const CancelToken* cancel = nullptr, const std::function<void(int, int)>& progress = {});

}  // namespace ld
