#pragma once
// How unsure the model was about one proposed annotation, as numbers a review queue can
// sort by. The ensemble's members are independent samples of the mask, so the pixels on
// which they do not all fall on the same side of τ are the pixels a person is most likely
// to have to change; the mean per-pixel std over the mask and a band along its boundary
// is the finer measure that is nonzero even where every member agrees on the side.
#include "core/mask.h"

#include <cstdint>
#include <vector>

namespace ld {

struct UncertaintyScore {
    double meanStd = 0;       // mean ensemble std over the mask and its boundary band
    double disagreement = 0;  // disputed pixels / (mask ∪ band ∪ disputed pixels)
    int64_t disputed = 0;     // pixels where some member is >= τ and some below
    bool operator==(const UncertaintyScore& o) const {
        return meanStd == o.meanStd && disagreement == o.disagreement && disputed == o.disputed;
    }
};

// The boundary band's width at an image size: about 1/64 of the shorter side (8 px at 512),
// the footprint of one cell of the sampler's 1/8 latent at its 256 px working size, which
// is where members disagree about the boundary.
int uncertaintyBand(int width, int height);

// mask: the proposal; stddev: the per-pixel ensemble std; members: each member's soft mask
// (all at the mask's size; none for an ensemble of one, which gives disputed = 0).
// Sizes that differ are an ld::Error.
UncertaintyScore uncertaintyScore(const BinaryMask& mask, const SoftMask& stddev, const std::vector<SoftMask>& members,
                                  float tau);

// An image's place in the review queue: the share of its pixels disputed by the members
// of its proposals (summed over them), i.e. the expected part of the image a person edits.
double imageUncertainty(const std::vector<const UncertaintyScore*>& proposals, int width, int height);

}  // namespace ld
