#pragma once
// Segmentation metrics as the referring-segmentation and Panoptic Narrative Grounding
// papers report them, so that numbers computed here compare with published ones.
#include "core/mask.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <map>
#include <vector>

namespace ld {

struct IouCounts {
    double intersection = 0;
    double unionArea = 0;
    // An empty prediction of an empty truth is a perfect answer: 1 (as ld::iou).
    double iou() const { return unionArea > 0 ? intersection / unionArea : 1.0; }
};

// Sizes must match (ld::Error otherwise).
IouCounts iouCounts(const BinaryMask& prediction, const BinaryMask& truth);
// Soft IoU as PNG's evaluation computes it: Σ p·t / Σ (p + t − p·t). For a binary truth
// this equals Σ min / Σ max.
IouCounts softIouCounts(const SoftMask& prediction, const SoftMask& truth);
IouCounts softIouCounts(const SoftMask& prediction, const BinaryMask& truth);

// The precision@X thresholds of referring segmentation.
const std::vector<double>& precisionThresholds();  // 0.5, 0.6, 0.7, 0.8, 0.9

// Accumulates samples (one prediction against one truth each).
class SegmentationMetrics {
public:
    void add(const BinaryMask& prediction, const BinaryMask& truth, int64_t categoryId = 0);
    void add(const IouCounts& counts, int64_t categoryId = 0);
    // A semantic map pair (CV_8U/16U/32S class indices, same size); pixels whose truth is
    // `ignoreIndex` are skipped. Adds to the per-class sums only (mIoU), not the samples.
    void addLabelMaps(const cv::Mat& prediction, const cv::Mat& truth, int ignoreIndex = 255);

    int sampleCount() const { return int(sampleIous_.size()); }
    // cIoU (= oIoU): Σ intersections / Σ unions over all samples.
    double cIoU() const;
    double oIoU() const { return cIoU(); }
    // gIoU: mean of the per-sample IoUs (0 when there are no samples).
    double gIoU() const;
    // Fraction of samples with IoU ≥ threshold.
    double precisionAt(double threshold) const;
    // Per class Σ I / Σ U (classes never seen in prediction or truth are absent).
    std::map<int64_t, double> perClassIoU() const;
    // Mean of perClassIoU() over the classes present (0 when none).
    double mIoU() const;
    const std::vector<double>& sampleIous() const { return sampleIous_; }

private:
    double sumIntersection_ = 0, sumUnion_ = 0;
    std::vector<double> sampleIous_;
    std::map<int64_t, IouCounts> perClass_;
};

// Panoptic Narrative Grounding's Average Recall. Recall at threshold t is the fraction
// of noun phrases whose IoU is ≥ t; AR is the area under that curve over [0, 1]. The
// curve is sampled as PNG's evaluation samples it (thresholds i·step for i = 0 … ⌈1/step⌉−1,
// left Riemann sum), so that step = 1e-5 reproduces published numbers; as step → 0, AR
// tends to the mean IoU.
struct NounPhraseResult {
    double iou = 0;
    bool isThing = true;
    bool plural = false;
};

struct AverageRecall {
    double value = 0;  // NaN when count == 0 (as PNG's code gives)
    int count = 0;
};

struct PngAverageRecall {
    AverageRecall all, things, stuff, singulars, plurals;
};

constexpr double kPngRecallStep = 1e-5;

double averageRecall(const std::vector<double>& ious, double step = kPngRecallStep);
// Recall (fraction of ious ≥ t) at each threshold.
std::vector<double> recallCurve(const std::vector<double>& ious, const std::vector<double>& thresholds);
PngAverageRecall pngAverageRecall(const std::vector<NounPhraseResult>& phrases,
                                  double step = kPngRecallStep);

}  // namespace ld
