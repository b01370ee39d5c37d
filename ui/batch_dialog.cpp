#include "ui/batch_dialog.h"

#include "ui/progress_indicator.h"
#include "ui/task_progress.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QVBoxLayout>

namespace ld {

BatchDialog::BatchDialog(QWidget* parent)
    : QDialog(parent),
      unannotated_(new QCheckBox(tr("Only images without annotations"))),
      keep_(new QCheckBox(tr("Keep existing model annotations"))) {
    setWindowTitle(tr("Label all images"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Segment every category's prompt on each image with the current sampler settings.\n"
                                    "Annotations made by people are never changed.")));
    unannotated_->setChecked(true);
    keep_->setChecked(true);
    layout->addWidget(unannotated_);
    layout->addWidget(keep_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

bool BatchDialog::unannotatedOnly() const { return unannotated_->isChecked(); }
bool BatchDialog::keepExisting() const { return keep_->isChecked(); }

void BatchDialog::follow(TaskProgress* task, QWidget* parent) {
    auto* dialog = new QDialog(parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(task->title());
    auto* layout = new QVBoxLayout(dialog);
    auto* indicator = new ProgressIndicator;
    layout->addWidget(indicator);
    indicator->track(task);
    connect(task, &TaskProgress::finished, dialog, &QDialog::close);
    dialog->resize(480, 80);
    dialog->show();
}

}  // namespace ld
