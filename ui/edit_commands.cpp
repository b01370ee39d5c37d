#include "ui/edit_commands.h"

#include "ui/label_document.h"

namespace ld {

ImageEditCommand::ImageEditCommand(LabelDocument* doc, int64_t imageId, std::vector<ProjectAnnotation> after,
                                   ImageStatus status, const QString& text)
    : QUndoCommand(text), doc_(doc), imageId_(imageId), before_(doc->annotationsOf(imageId)), after_(std::move(after)),
      statusBefore_(doc->image(imageId) ? doc->image(imageId)->status : ImageStatus::Unlabelled), statusAfter_(status) {}

ImageStatus ImageEditCommand::statusFor(ImageStatus current, const std::vector<ProjectAnnotation>& after) {
    if (after.empty()) return ImageStatus::Unlabelled;
    return current == ImageStatus::Reviewed ? ImageStatus::Reviewed : ImageStatus::Labelled;
}

ImageEditCommand::ImageEditCommand(const ImageEditCommand& other, QUndoCommand* parent)
    : QUndoCommand(other.text(), parent), doc_(other.doc_), imageId_(other.imageId_), before_(other.before_),
      after_(other.after_), statusBefore_(other.statusBefore_), statusAfter_(other.statusAfter_) {}

ImageEditCommand* ImageEditCommand::clone(QUndoCommand* parent) const { return new ImageEditCommand(*this, parent); }

std::set<int64_t> ImageEditCommand::categoriesAfter() const {
    std::set<int64_t> out;
    for (const auto& a : after_) out.insert(a.categoryId);
    return out;
}

void ImageEditCommand::undo() { doc_->setImageAnnotations(imageId_, before_, statusBefore_); }
void ImageEditCommand::redo() { doc_->setImageAnnotations(imageId_, after_, statusAfter_); }

CategoryEditCommand::CategoryEditCommand(LabelDocument* doc, std::vector<ProjectCategory> after, const QString& text)
    : QUndoCommand(text), doc_(doc), before_(doc->project().categories), after_(std::move(after)) {}

CategoryEditCommand::CategoryEditCommand(const CategoryEditCommand& other, QUndoCommand* parent)
    : QUndoCommand(other.text(), parent), doc_(other.doc_), before_(other.before_), after_(other.after_) {}

CategoryEditCommand* CategoryEditCommand::clone(QUndoCommand* parent) const {
    return new CategoryEditCommand(*this, parent);
}

std::set<int64_t> CategoryEditCommand::removedCategories() const {
    std::set<int64_t> out;
    for (const auto& c : before_) out.insert(c.id);
    for (const auto& c : after_) out.erase(c.id);
    return out;
}

void CategoryEditCommand::undo() { doc_->setCategories(before_); }
void CategoryEditCommand::redo() { doc_->setCategories(after_); }

}  // namespace ld
