#pragma once
// The editing operations on the current image, each one undoable command on the
// document's stack: accepting a proposal, brush and eraser strokes, polygons, fill holes,
// remove specks, add/subtract another mask, change category, delete, mark reviewed. The
// pixel work itself is core's (core/mask.h, core/polygon.h, core/brush_stroke.h).
#include "core/brush_stroke.h"
#include "core/project.h"

#include <QObject>

#include <vector>

namespace ld {

class LabelDocument;
struct Proposal;

class AnnotationEditor : public QObject {
    Q_OBJECT
public:
    explicit AnnotationEditor(LabelDocument* doc, QObject* parent = nullptr);

    void setImage(int64_t imageId);
    int64_t imageId() const { return imageId_; }
    // The annotation edits apply to (0: none; strokes then start a new annotation).
    int64_t selected() const { return selected_; }
    void select(int64_t annotationId);

    // Each returns false (and changes nothing) when there is nothing to apply to.
    bool accept(const Proposal& proposal, int64_t categoryId);
    bool stroke(const std::vector<StrokePoint>& points, double radius, bool erase, int64_t categoryId);
    bool polygon(const std::vector<StrokePoint>& points, int64_t categoryId);
    bool fillHoles();
    bool removeSpecks(int minArea);
    bool combineWith(int64_t otherId, bool subtractOther);
    bool changeCategory(int64_t categoryId);
    bool remove();
    bool markReviewed();

Q_SIGNALS:
    void selectionChanged(int64_t annotationId);

private:
    BinaryMask maskOf(const ProjectAnnotation& a) const;
    // Replaces (or with id 0 adds) one annotation's pixels; an empty mask deletes it.
    bool applyMask(int64_t annotationId, const BinaryMask& mask, int64_t categoryId, const QString& text,
                   const Provenance* provenance = nullptr);

    LabelDocument* doc_;
    int64_t imageId_ = 0;
    int64_t selected_ = 0;
};

}  // namespace ld
