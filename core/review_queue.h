#pragma once
// The order in which a person reviews a batch's proposals: the images whose proposals the
// ensemble disputes most come first, because that is where a correction changes the most
// pixels (and, for a model that learns from corrections, where it learns the most).
#include "core/mask.h"
#include "core/project.h"
#include "core/review_record.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace ld {

// imageUncertainty over the image's unreviewed model proposals that carry a score; none
// such: nullopt (nothing to review, or proposals made before scores existed).
std::optional<double> reviewPriority(const Project& project, int64_t imageId);

// Images with an unreviewed model proposal, most uncertain first; unscored ones after the
// scored, then by position in the project (stable).
std::vector<int64_t> reviewQueue(const Project& project);

// Pixels a person changes to turn `proposal` into `result` (both the same size).
int64_t editEffort(const BinaryMask& proposal, const BinaryMask& result);

// Accepted when the pixels are the same, else edited with their IoU.
ReviewOutcome reviewOutcome(const BinaryMask& proposal, const BinaryMask& result);

}  // namespace ld
