#pragma once
// What a person did with a model's proposal, kept so that the model can later learn from
// the corrections and so that one can measure how much the proposals were worth.
#include "core/uncertainty_score.h"

#include <cstdint>
#include <optional>
#include <string>

namespace ld {

enum class ReviewAction { Accepted, Edited, Rejected };

const char* toString(ReviewAction a);  // "accepted", "edited", "rejected"
std::optional<ReviewAction> reviewActionFrom(const std::string& s);

// On a kept annotation: accepted as proposed (IoU 1) or edited, with the IoU between the
// proposal and what the person made of it.
struct ReviewOutcome {
    ReviewAction action = ReviewAction::Accepted;
    double iou = 1.0;
    bool operator==(const ReviewOutcome& o) const { return action == o.action && iou == o.iou; }
};

// A rejected proposal leaves no annotation; the image keeps this record of it instead.
struct RejectedProposal {
    int64_t categoryId = 0;
    std::string model;
    std::optional<UncertaintyScore> uncertainty;
    bool operator==(const RejectedProposal& o) const {
        return categoryId == o.categoryId && model == o.model && uncertainty == o.uncertainty;
    }
};

}  // namespace ld
