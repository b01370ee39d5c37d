#include "ui/undo_history.h"

#include "ui/edit_commands.h"

#include <typeinfo>
#include <vector>

namespace ld {

namespace {

// Whether `entry` (a redo entry, with its macro children) could not be redone on top of
// the new change as it was recorded: it edits the same image (its swap would drop the
// change), removes a category the change uses (orphans), or is of a kind not known here.
bool conflicts(const QUndoCommand* entry, int64_t imageId, const std::set<int64_t>& categories) {
    if (const auto* e = dynamic_cast<const ImageEditCommand*>(entry)) {
        if (e->imageId() == imageId) return true;
    } else if (const auto* c = dynamic_cast<const CategoryEditCommand*>(entry)) {
        for (int64_t id : c->removedCategories())
            if (categories.count(id)) return true;
    } else if (typeid(*entry) != typeid(QUndoCommand)) {
        return true;  // plain QUndoCommand: a macro, whose children decide
    }
    for (int i = 0; i < entry->childCount(); ++i)
        if (conflicts(entry->child(i), imageId, categories)) return true;
    return false;
}

QUndoCommand* cloneEntry(const QUndoCommand* entry, QUndoCommand* parent) {
    QUndoCommand* copy;
    if (const auto* e = dynamic_cast<const ImageEditCommand*>(entry)) copy = e->clone(parent);
    else if (const auto* c = dynamic_cast<const CategoryEditCommand*>(entry)) copy = c->clone(parent);
    else copy = new QUndoCommand(entry->text(), parent);
    for (int i = 0; i < entry->childCount(); ++i) cloneEntry(entry->child(i), copy);
    return copy;
}

}  // namespace

HistoryPlacement pushKeepingRedo(QUndoStack* stack, ImageEditCommand* command) {
    const int index = stack->index();
    const int count = stack->count();
    if (index == count) {
        stack->push(command);
        return HistoryPlacement::Pushed;
    }
    const std::set<int64_t> categories = command->categoriesAfter();
    for (int i = index; i < count; ++i) {
        if (conflicts(stack->command(i), command->imageId(), categories)) {
            delete command;
            return HistoryPlacement::Refused;
        }
    }
    // QUndoStack cannot insert: copy the redo entries, push (which deletes them), push the
    // copies (each applied again, on top of the change, which they commute with) and undo
    // back to just above the change. A clean state among them is lost, rightly: with the
    // change beneath it, no state up there is what the file holds.
    std::vector<QUndoCommand*> redo;
    for (int i = index; i < count; ++i) redo.push_back(cloneEntry(stack->command(i), nullptr));
    stack->push(command);
    for (QUndoCommand* entry : redo) stack->push(entry);
    stack->setIndex(index + 1);
    return HistoryPlacement::BeneathRedo;
}

}  // namespace ld
