#pragma once
// Changes that arrive from outside the person's own sequence of edits (a batch result
// computed on the worker while they undo and redo) join the undo history without wiping
// their redo entries. QUndoStack::push discards everything above the current index: one
// batch image landing while someone had undone an edit on another image would take away
// the Redo of that edit. Such a change is slid in beneath the redo entries instead, when it
// commutes with them; when it does not (a redo entry edits the same image, or removes a
// category the change uses), it is not applied, and the caller reports the image as left
// alone — the person's own history wins over a proposal they can ask for again.
#include <QUndoStack>

#include <cstdint>
#include <set>

namespace ld {

class ImageEditCommand;

enum class HistoryPlacement {
    Pushed,       // no redo entries: an ordinary push
    BeneathRedo,  // applied beneath the redo entries, which stay redoable
    Refused,      // would have conflicted with a redo entry: not applied, command deleted
};

// Takes ownership of `command`. Not to be called while a macro is open on `stack`.
HistoryPlacement pushKeepingRedo(QUndoStack* stack, ImageEditCommand* command);

}  // namespace ld
