#pragma once
// The status-bar view of the running TaskProgress: title, bar, ETA and a Cancel button
// that behaves the same for every kind of task.
#include <QPointer>
#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace ld {

class TaskProgress;

class ProgressIndicator : public QWidget {
    Q_OBJECT
public:
    explicit ProgressIndicator(QWidget* parent = nullptr);
    // Shows `task` until it finishes (then hides); a newer task replaces an older one.
    void track(TaskProgress* task);
    TaskProgress* task() const { return task_; }
    QToolButton* cancelButton() const { return cancel_; }

private:
    void refresh();

    QPointer<TaskProgress> task_;
    QLabel* label_;
    QProgressBar* bar_;
    QToolButton* cancel_;
};

}  // namespace ld
