#include "ui/progress_indicator.h"

#include "ui/task_progress.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

namespace ld {

ProgressIndicator::ProgressIndicator(QWidget* parent)
    : QWidget(parent), label_(new QLabel), bar_(new QProgressBar), cancel_(new QToolButton) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    bar_->setMaximumWidth(160);
    bar_->setTextVisible(false);
    cancel_->setText(tr("Cancel"));
    cancel_->setToolTip(tr("Stop the running task (Esc)"));
    layout->addWidget(label_);
    layout->addWidget(bar_);
    layout->addWidget(cancel_);
    connect(cancel_, &QToolButton::clicked, this, [this] {
        if (task_) task_->requestCancel();
    });
    hide();
}

void ProgressIndicator::track(TaskProgress* task) {
    if (task_) disconnect(task_, nullptr, this, nullptr);
    task_ = task;
    if (!task) {
        hide();
        return;
    }
    connect(task, &TaskProgress::changed, this, &ProgressIndicator::refresh);
    connect(task, &TaskProgress::finished, this, [this, task] {
        if (task_ == task) hide();
    });
    show();
    refresh();
}

void ProgressIndicator::refresh() {
    if (!task_) return;
    bar_->setRange(0, std::max(task_->total(), 0));
    bar_->setValue(task_->done());
    QString text = task_->title();
    if (!task_->message().isEmpty()) text += QStringLiteral(": ") + task_->message();
    const QString eta = TaskProgress::formatDuration(task_->etaSeconds());
    if (!eta.isEmpty()) text += QStringLiteral("  ") + tr("%1 left").arg(eta);
    if (task_->isCancelRequested()) text += QStringLiteral("  ") + tr("(cancelling…)");
    label_->setText(text);
    cancel_->setEnabled(!task_->isCancelRequested() && !task_->isFinished());
}

}  // namespace ld
