#include "ui/review_controller.h"

#include "core/review_queue.h"
#include "core/rle.h"
#include "ui/label_document.h"

#include <QUndoCommand>

#include <algorithm>

namespace ld {

namespace {

bool pendingProposal(const ProjectAnnotation& a) {
    return a.provenance.source == Provenance::Source::Model && !a.provenance.reviewed;
}

// One undoable step: the image's annotations with their review outcomes, its status and
// its rejected proposals (ImageEditCommand knows only the first two).
class ReviewImageCommand : public QUndoCommand {
public:
    ReviewImageCommand(LabelDocument* doc, int64_t imageId, std::vector<ProjectAnnotation> after,
                       std::vector<RejectedProposal> rejected, const QString& text)
        : QUndoCommand(text), doc_(doc), imageId_(imageId), after_(std::move(after)), rejectedAfter_(std::move(rejected)) {
        before_ = doc->annotationsOf(imageId);
        if (const ProjectImage* im = doc->image(imageId)) {
            statusBefore_ = im->status;
            rejectedBefore_ = im->rejected;
        }
    }
    void undo() override {
        doc_->setImageRejected(imageId_, rejectedBefore_);
        doc_->setImageAnnotations(imageId_, before_, statusBefore_);
    }
    void redo() override {
        doc_->setImageRejected(imageId_, rejectedAfter_);
        doc_->setImageAnnotations(imageId_, after_, ImageStatus::Reviewed);
    }

private:
    LabelDocument* doc_;
    int64_t imageId_;
    std::vector<ProjectAnnotation> before_, after_;
    std::vector<RejectedProposal> rejectedBefore_, rejectedAfter_;
    ImageStatus statusBefore_ = ImageStatus::Labelled;
};

}  // namespace

ReviewController::ReviewController(LabelDocument* doc, QObject* parent) : QObject(parent), doc_(doc) {
    connect(doc_, &LabelDocument::documentReset, this, [this] { setCurrentImage(0); });
}

void ReviewController::setCurrentImage(int64_t imageId) {
    current_ = imageId;
    proposals_.clear();
    if (!imageId) return;
    for (const ProjectAnnotation& a : doc_->annotationsOf(imageId))
        if (pendingProposal(a)) proposals_[a.id] = a;
}

int64_t ReviewController::nextUncertain() const {
    for (int64_t id : reviewQueue(doc_->project()))
        if (id != current_) return id;
    return 0;
}

bool ReviewController::acceptCurrent() {
    const ProjectImage* img = doc_->image(current_);
    if (!img) return false;
    std::vector<ProjectAnnotation> list = doc_->annotationsOf(current_);
    // Proposals that arrived after the image was shown (a batch still running) are taken
    // as they are now.
    for (const ProjectAnnotation& a : list)
        if (pendingProposal(a) && !proposals_.count(a.id)) proposals_[a.id] = a;
    if (proposals_.empty() && img->status == ImageStatus::Reviewed) return false;
    std::vector<RejectedProposal> rejected = img->rejected;
    for (const auto& [id, proposal] : proposals_) {
        auto it = std::find_if(list.begin(), list.end(), [id = id](const ProjectAnnotation& a) { return a.id == id; });
        if (it == list.end()) {
            RejectedProposal r;
            r.categoryId = proposal.categoryId;
            r.model = proposal.provenance.model;
            r.uncertainty = proposal.provenance.uncertainty;
            rejected.push_back(r);
            continue;
        }
        const BinaryMask before = toMask(proposal.segmentation, img->height, img->width);
        const BinaryMask after = toMask(it->segmentation, img->height, img->width);
        it->provenance.review = reviewOutcome(before, after);
        if (it->categoryId != proposal.categoryId) it->provenance.review = ReviewOutcome{ReviewAction::Edited, 0.0};
    }
    for (ProjectAnnotation& a : list) a.provenance.reviewed = true;
    doc_->undoStack()->push(new ReviewImageCommand(doc_, current_, std::move(list), std::move(rejected), tr("Review image")));
    proposals_.clear();
    return true;
}

void ReviewController::goToNextUncertain() {
    const int64_t next = nextUncertain();
    if (next) Q_EMIT showImage(next);
    else Q_EMIT queueEmpty();
}

void ReviewController::acceptAndNext() {
    acceptCurrent();
    goToNextUncertain();
}

}  // namespace ld
