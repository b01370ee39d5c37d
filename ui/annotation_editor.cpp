#include "ui/annotation_editor.h"

#include "core/polygon.h"
#include "ui/edit_commands.h"
#include "ui/label_document.h"
#include "ui/proposal.h"

#include <algorithm>

namespace ld {

AnnotationEditor::AnnotationEditor(LabelDocument* doc, QObject* parent) : QObject(parent), doc_(doc) {
    // Undo may remove the selected annotation under us.
    connect(doc_, &LabelDocument::annotationsChanged, this, [this](int64_t imageId) {
        if (imageId == imageId_ && selected_ && !doc_->annotation(selected_)) select(0);
    });
    connect(doc_, &LabelDocument::documentReset, this, [this] {
        imageId_ = 0;
        select(0);
    });
}

void AnnotationEditor::setImage(int64_t imageId) {
    imageId_ = imageId;
    select(0);
}

void AnnotationEditor::select(int64_t annotationId) {
    if (selected_ == annotationId) return;
    selected_ = annotationId;
    Q_EMIT selectionChanged(annotationId);
}

BinaryMask AnnotationEditor::maskOf(const ProjectAnnotation& a) const {
    const ProjectImage* img = doc_->image(a.imageId);
    return toMask(a.segmentation, img->height, img->width);
}

bool AnnotationEditor::applyMask(int64_t annotationId, const BinaryMask& mask, int64_t categoryId, const QString& text,
                                 const Provenance* provenance) {
    const ProjectImage* img = doc_->image(imageId_);
    if (!img) return false;
    std::vector<ProjectAnnotation> list = doc_->annotationsOf(imageId_);
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& a) { return a.id == annotationId; });
    const bool emptyMask = area(mask) == 0;
    int64_t newSelection = annotationId;
    if (it == list.end()) {
        if (emptyMask) return false;
        ProjectAnnotation a;
        a.id = doc_->newAnnotationId();
        a.imageId = imageId_;
        a.categoryId = categoryId;
        a.segmentation = Segmentation::fromMask(mask);
        if (provenance) a.provenance = *provenance;
        newSelection = a.id;
        list.push_back(std::move(a));
    } else if (emptyMask) {
        list.erase(it);
        newSelection = 0;
    } else {
        it->segmentation = Segmentation::fromMask(mask);
        // A person touched it: the model's proposal is now reviewed work.
        if (it->provenance.source == Provenance::Source::Model) it->provenance.reviewed = true;
    }
    const ImageStatus status = ImageEditCommand::statusFor(img->status, list);
    doc_->undoStack()->push(new ImageEditCommand(doc_, imageId_, std::move(list), status, text));
    select(newSelection);
    return true;
}

bool AnnotationEditor::accept(const Proposal& proposal, int64_t categoryId) {
    if (proposal.empty() || proposal.imageId != imageId_ || categoryId <= 0) return false;
    Provenance p = proposal.provenance;
    p.source = Provenance::Source::Model;
    p.reviewed = true;  // a person looked at it and accepted it
    return applyMask(0, proposal.mask, categoryId, tr("Accept proposal"), &p);
}

bool AnnotationEditor::stroke(const std::vector<StrokePoint>& points, double radius, bool erase, int64_t categoryId) {
    const ProjectImage* img = doc_->image(imageId_);
    if (!img || points.empty()) return false;
    const BinaryMask painted = rasterizeStroke(points, radius, img->height, img->width);
    const ProjectAnnotation* target = selected_ ? doc_->annotation(selected_) : nullptr;
    if (!target) {
        if (erase || categoryId <= 0) return false;
        return applyMask(0, painted, categoryId, tr("Brush"));
    }
    const BinaryMask before = maskOf(*target);
    const BinaryMask after = erase ? subtract(before, painted) : unite(before, painted);
    if (after == before) return false;
    return applyMask(target->id, after, target->categoryId, erase ? tr("Erase") : tr("Brush"));
}

bool AnnotationEditor::polygon(const std::vector<StrokePoint>& points, int64_t categoryId) {
    const ProjectImage* img = doc_->image(imageId_);
    if (!img || points.size() < 3) return false;
    Polygon poly;
    for (const auto& p : points) {
        poly.push_back(p.x);
        poly.push_back(p.y);
    }
    const BinaryMask shape = rasterizePolygons({poly}, img->height, img->width);
    const ProjectAnnotation* target = selected_ ? doc_->annotation(selected_) : nullptr;
    if (!target) return categoryId > 0 && applyMask(0, shape, categoryId, tr("Polygon"));
    return applyMask(target->id, unite(maskOf(*target), shape), target->categoryId, tr("Polygon"));
}

bool AnnotationEditor::fillHoles() {
    const ProjectAnnotation* target = selected_ ? doc_->annotation(selected_) : nullptr;
    if (!target) return false;
    const BinaryMask before = maskOf(*target);
    const BinaryMask after = ld::fillHoles(before);
    return after != before && applyMask(target->id, after, target->categoryId, tr("Fill holes"));
}

bool AnnotationEditor::removeSpecks(int minArea) {
    const ProjectAnnotation* target = selected_ ? doc_->annotation(selected_) : nullptr;
    if (!target) return false;
    const BinaryMask before = maskOf(*target);
    const BinaryMask after = ld::removeSpecks(before, minArea);
    return after != before && applyMask(target->id, after, target->categoryId, tr("Remove specks"));
}

bool AnnotationEditor::combineWith(int64_t otherId, bool subtractOther) {
    const ProjectAnnotation* target = selected_ ? doc_->annotation(selected_) : nullptr;
    const ProjectAnnotation* other = doc_->annotation(otherId);
    if (!target || !other || other->id == target->id || other->imageId != imageId_) return false;
    const BinaryMask a = maskOf(*target), b = maskOf(*other);
    return applyMask(target->id, subtractOther ? subtract(a, b) : unite(a, b), target->categoryId,
                     subtractOther ? tr("Subtract mask") : tr("Add mask"));
}

bool AnnotationEditor::changeCategory(int64_t categoryId) {
    const ProjectImage* img = doc_->image(imageId_);
    if (!img || !selected_ || !doc_->category(categoryId)) return false;
    std::vector<ProjectAnnotation> list = doc_->annotationsOf(imageId_);
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& a) { return a.id == selected_; });
    if (it == list.end() || it->categoryId == categoryId) return false;
    it->categoryId = categoryId;
    // A person's correction: a later batch (keep-existing off) must not replace it.
    if (it->provenance.source == Provenance::Source::Model) it->provenance.reviewed = true;
    doc_->undoStack()->push(new ImageEditCommand(doc_, imageId_, std::move(list), img->status, tr("Change category")));
    return true;
}

bool AnnotationEditor::remove() {
    const ProjectImage* img = doc_->image(imageId_);
    if (!img || !selected_) return false;
    std::vector<ProjectAnnotation> list = doc_->annotationsOf(imageId_);
    const auto n = list.size();
    list.erase(std::remove_if(list.begin(), list.end(), [&](const auto& a) { return a.id == selected_; }), list.end());
    if (list.size() == n) return false;
    const ImageStatus status = ImageEditCommand::statusFor(img->status, list);
    doc_->undoStack()->push(new ImageEditCommand(doc_, imageId_, std::move(list), status, tr("Delete annotation")));
    select(0);
    return true;
}

bool AnnotationEditor::markReviewed() {
    const ProjectImage* img = doc_->image(imageId_);
    if (!img || img->status == ImageStatus::Reviewed) return false;
    std::vector<ProjectAnnotation> list = doc_->annotationsOf(imageId_);
    for (auto& a : list) a.provenance.reviewed = true;
    doc_->undoStack()->push(new ImageEditCommand(doc_, imageId_, std::move(list), ImageStatus::Reviewed, tr("Mark reviewed")));
    return true;
}

}  // namespace ld
