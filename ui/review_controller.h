#pragma once
// The review queue's keys: "next uncertain" opens the pending image whose proposals the
// ensemble disputes most (core/review_queue.h), "accept and next" records what the person
// did with each of the current image's proposals — accepted as proposed, edited (with the
// IoU between proposal and result) or rejected (deleted) — marks the image reviewed in one
// undoable step and moves on. What the proposals were is remembered when an image is
// shown, because an edit replaces them.
#include "core/project.h"

#include <QObject>

#include <cstdint>
#include <map>

namespace ld {

class LabelDocument;

class ReviewController : public QObject {
    Q_OBJECT
public:
    explicit ReviewController(LabelDocument* doc, QObject* parent = nullptr);

    // The image now on the canvas (0: none); its unreviewed proposals are remembered.
    void setCurrentImage(int64_t imageId);
    int64_t currentImage() const { return current_; }
    // The pending image to show next, most uncertain first, never the current one; 0 when
    // the queue is empty.
    int64_t nextUncertain() const;
    // Records the review of the current image (undoable); false when it had nothing to
    // review and was already reviewed.
    bool acceptCurrent();

Q_SIGNALS:
    // Ask the window to show this image (nextUncertain after acceptCurrent).
    void showImage(int64_t imageId);
    void queueEmpty();

public Q_SLOTS:
    void goToNextUncertain();
    void acceptAndNext();

private:
    LabelDocument* doc_;
    int64_t current_ = 0;
    std::map<int64_t, ProjectAnnotation> proposals_;  // of the current image, by annotation id
};

}  // namespace ld
