#include "core/review_queue.h"

#include "core/error.h"

#include <algorithm>
#include <map>

namespace ld {

namespace {

bool unreviewedProposal(const ProjectAnnotation& a) {
    return a.provenance.source == Provenance::Source::Model && !a.provenance.reviewed;
}

}  // namespace

std::optional<double> reviewPriority(const Project& project, int64_t imageId) {
    const ProjectImage* im = project.findImage(imageId);
    if (!im) return std::nullopt;
    std::vector<const UncertaintyScore*> scores;
    for (const ProjectAnnotation& a : project.annotations)
        if (a.imageId == imageId && unreviewedProposal(a) && a.provenance.uncertainty)
            scores.push_back(&*a.provenance.uncertainty);
    if (scores.empty()) return std::nullopt;
    return imageUncertainty(scores, im->width, im->height);
}

std::vector<int64_t> reviewQueue(const Project& project) {
    std::map<int64_t, std::vector<const UncertaintyScore*>> scored;
    std::map<int64_t, bool> pending;
    for (const ProjectAnnotation& a : project.annotations) {
        if (!unreviewedProposal(a)) continue;
        pending[a.imageId] = true;
        if (a.provenance.uncertainty) scored[a.imageId].push_back(&a.provenance.uncertainty.value());
    }
    struct Entry {
        int64_t id;
        size_t position;
        std::optional<double> priority;
    };
    std::vector<Entry> entries;
    for (size_t i = 0; i < project.images.size(); ++i) {
        const ProjectImage& im = project.images[i];
        if (!pending.count(im.id)) continue;
        auto it = scored.find(im.id);
        std::optional<double> p;
        if (it != scored.end()) p = imageUncertainty(it->second, im.width, im.height);
        entries.push_back({im.id, i, p});
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        if (bool(a.priority) != bool(b.priority)) return bool(a.priority);
        if (a.priority && *a.priority != *b.priority) return *a.priority > *b.priority;
        return a.position < b.position;
    });
    std::vector<int64_t> out;
    for (const Entry& e : entries) out.push_back(e.id);
    return out;
}

int64_t editEffort(const BinaryMask& proposal, const BinaryMask& result) {
    if (proposal.mat().size() != result.mat().size()) throw Error("edit effort", "the masks differ in size");
    cv::Mat x;
    cv::bitwise_xor(proposal.mat(), result.mat(), x);
    return cv::countNonZero(x);
}

ReviewOutcome reviewOutcome(const BinaryMask& proposal, const BinaryMask& result) {
    if (editEffort(proposal, result) == 0) return {ReviewAction::Accepted, 1.0};
    return {ReviewAction::Edited, iou(proposal, result)};
}

}  // namespace ld
