#pragma once
// Whether a class is in the image at all. Thresholding a soft mask at the τ that gives the
// best IoU answers "where", but for a class that is absent the model leaves a faint haze
// that such a τ keeps. The presence gate asks a second question first: is the model
// confident somewhere? Its score is the probability reached by the most confident 0.5 %
// of the pixels; below the class's gate τ_p the proposal is empty, above it the mask is
// soft ≥ τ as usual. Both are tuned per class on held-out images (bestGatedThreshold).
#include "core/mask.h"
#include "core/threshold.h"

#include <cstdint>
#include <vector>

namespace ld {

// A class covering less than this share of an image counts as absent (also the area the
// presence score looks at).
constexpr double kPresenceAreaFraction = 0.005;

// The largest value v such that at least areaFraction of the pixels are ≥ v (at least one
// pixel). 0 for an empty mask.
float presenceScore(const SoftMask& m, double areaFraction = kPresenceAreaFraction);

// One prediction against its truth at every grid value, for pooled scores (ΣI / ΣU over
// images, absent images included, as `labeldiff-cli eval` scores).
struct GridCounts {
    std::vector<int64_t> intersection, predicted;  // per grid value
    int64_t truth = 0, pixels = 0;
    float presence = 0;  // the prediction's presenceScore (at the model's resolution)
};
// Sizes must match (ld::Error).
GridCounts gridCounts(const SoftMask& prediction, const BinaryMask& truth, float presence,
                      const std::vector<float>& grid = defaultThresholdGrid());

struct GatedThreshold {
    float tau = 0.5f;
    float presence = 0;  // τ_p; 0 = no gate
    double iou = 0;      // pooled IoU at (τ, τ_p)
    double absentAccuracy = 1;  // share of images without the class answered "not here"
};

// The (τ, τ_p) with the best pooled IoU among those that answer "not here" (area below
// absentAreaFraction, or gate closed) on at least minAbsentAccuracy of the images without
// the class; τ_p runs over 0 (no gate) and the grid, and ties keep the weaker gate. When
// no pair reaches the floor, the floor drops to the best absent accuracy reachable.
GatedThreshold bestGatedThreshold(const std::vector<GridCounts>& samples, double minAbsentAccuracy,
                                  double absentAreaFraction = kPresenceAreaFraction,
                                  const std::vector<float>& grid = defaultThresholdGrid());

// The same for several classes at once, with the floor on the absent-class accuracy pooled
// over them (answered / absent images, all classes together — what `labeldiff-cli eval`
// reports), so that a class with two absent images is not bent out of shape to reach 0.9
// on its own. Maximises the sum of the classes' IoU: for a price λ per answered image each
// class picks its best (τ, τ_p), and λ rises until the pooled floor holds (Lagrangian
// relaxation; when the floor is out of reach, the most answered). One entry per class.
std::vector<GatedThreshold> bestGatedThresholds(const std::vector<std::vector<GridCounts>>& perClass,
                                                double minAbsentAccuracy,
                                                double absentAreaFraction = kPresenceAreaFraction,
                                                const std::vector<float>& grid = defaultThresholdGrid());

}  // namespace ld
