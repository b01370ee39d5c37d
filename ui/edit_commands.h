#pragma once
// The two undo commands every edit is made of. An image edit swaps one image's whole
// annotation list and status (brush, polygon, accept, delete, fill holes, batch results:
// RLE-compressed lists are small, and a swap cannot drift out of sync the way a chain of
// incremental commands can). A category edit swaps the category table.
#include "core/project.h"

#include <QUndoCommand>

#include <set>
#include <vector>

namespace ld {

class LabelDocument;

class ImageEditCommand : public QUndoCommand {
public:
    ImageEditCommand(LabelDocument* doc, int64_t imageId, std::vector<ProjectAnnotation> after, ImageStatus status,
                     const QString& text);
    // The status that follows from the annotations, keeping an explicit review.
    static ImageStatus statusFor(ImageStatus current, const std::vector<ProjectAnnotation>& after);
    void undo() override;
    void redo() override;

    int64_t imageId() const { return imageId_; }
    std::set<int64_t> categoriesAfter() const;
    // The same swap, as a child of `parent` (or top-level): undo_history re-adds redo entries.
    ImageEditCommand* clone(QUndoCommand* parent) const;

private:
    ImageEditCommand(const ImageEditCommand& other, QUndoCommand* parent);
    LabelDocument* doc_;
    int64_t imageId_;
    std::vector<ProjectAnnotation> before_, after_;
    ImageStatus statusBefore_, statusAfter_;
};

class CategoryEditCommand : public QUndoCommand {
public:
    CategoryEditCommand(LabelDocument* doc, std::vector<ProjectCategory> after, const QString& text);
    void undo() override;
    void redo() override;

    std::set<int64_t> removedCategories() const;
    CategoryEditCommand* clone(QUndoCommand* parent) const;

private:
    CategoryEditCommand(const CategoryEditCommand& other, QUndoCommand* parent);
    LabelDocument* doc_;
    std::vector<ProjectCategory> before_, after_;
};

}  // namespace ld
