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

void ImageEditCommand::undo() { doc_->setImageAnnotations(imageId_, before_, statusBefore_); }
void ImageEditCommand::redo() { doc_->setImageAnnotations(imageId_, after_, statusAfter_); }

CategoryEditCommand::CategoryEditCommand(LabelDocument* doc, std::vector<ProjectCategory> after, const QString& text)
    : QUndoCommand(text), doc_(doc), before_(doc->project().categories), after_(std::move(after)) {}

void CategoryEditCommand::undo() { doc_->setCategories(before_); }
void CategoryEditCommand::redo() { doc_->setCategories(after_); }

}  // namespace ld
