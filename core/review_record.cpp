#include "core/review_record.h"

namespace ld {

const char* toString(ReviewAction a) {
    switch (a) {
        case ReviewAction::Edited: return "edited";
        case ReviewAction::Rejected: return "rejected";
        default: return "accepted";
    }
}

std::optional<ReviewAction> reviewActionFrom(const std::string& s) {
    if (s == "accepted") return ReviewAction::Accepted;
    if (s == "edited") return ReviewAction::Edited;
    if (s == "rejected") return ReviewAction::Rejected;
    return std::nullopt;
}

}  // namespace ld
