#pragma once
// Choosing the threshold τ that turns soft masks into binary ones: supervised (the τ with
// the best mean IoU against ground truth, globally or per category) or, with no ground
// truth, Otsu's method on one mask.
#include "core/mask.h"

#include <cstdint>
#include <map>
#include <vector>

namespace ld {

// 0.05, 0.06, …, 0.95 (each value i/100 rounded to float once, so that a τ read back
// from a project file compares equal).
const std::vector<float>& defaultThresholdGrid();

struct ThresholdChoice {
    float tau = 0.5f;
    double meanIou = 0;  // mean over samples of IoU(threshold(pred, tau), truth)
    int samples = 0;
};

struct ThresholdSample {
    const SoftMask* prediction = nullptr;
    const BinaryMask* truth = nullptr;
    int64_t categoryId = 0;
};

// The grid value maximising the mean per-sample IoU (binarisation as ld::threshold:
// value ≥ τ; an empty prediction of an empty truth counts as IoU 1). Ties are broken
// deterministically: among the grid values reaching the maximum, the middle one of the
// first contiguous run (a τ in the middle of a flat optimum is the least fragile).
// The grid must be non-empty and increasing; sizes of each pair must match (ld::Error).
// With no samples, returns {0.5, 0, 0}.
ThresholdChoice bestThreshold(const std::vector<ThresholdSample>& samples,
                              const std::vector<float>& grid = defaultThresholdGrid());
// The same per category (samples grouped by categoryId).
std::map<int64_t, ThresholdChoice> bestThresholdPerCategory(
    const std::vector<ThresholdSample>& samples, const std::vector<float>& grid = defaultThresholdGrid());

// For every grid value, the mean per-sample IoU (the curve bestThreshold maximises).
std::vector<double> meanIouCurve(const std::vector<ThresholdSample>& samples,
                                 const std::vector<float>& grid = defaultThresholdGrid());

// Otsu's threshold of one soft mask (256 bins over [0, 1]): maximises the between-class
// variance; ties are broken as above (middle of the first flat run). Returned as the τ
// for ld::threshold, i.e. bins ≤ k fall below it. A constant mask gives 0.5.
float otsuThreshold(const SoftMask& mask);

}  // namespace ld
