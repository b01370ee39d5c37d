#pragma once
// Asks what "Label all images" should touch: every image or only unannotated ones, and
// whether earlier model annotations stay. People's annotations are never changed.
#include <QDialog>

class QCheckBox;

namespace ld {

class TaskProgress;

class BatchDialog : public QDialog {
    Q_OBJECT
public:
    explicit BatchDialog(QWidget* parent = nullptr);
    bool unannotatedOnly() const;
    bool keepExisting() const;

    // A window that follows `task` (progress, ETA, Cancel) and closes when it ends.
    static void follow(TaskProgress* task, QWidget* parent);

private:
    QCheckBox* unannotated_;
    QCheckBox* keep_;
};

}  // namespace ld
