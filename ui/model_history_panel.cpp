#include "ui/model_history_panel.h"

#include "core/model_history.h"
#include "core/review_finetune.h"
#include "ui/label_document.h"
#include "ui/model_improver.h"

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ld {

namespace {
QString absoluteDir(const QString& dir) { return dir.isEmpty() ? dir : QDir::cleanPath(QFileInfo(dir).absoluteFilePath()); }
}  // namespace

ModelHistoryPanel::ModelHistoryPanel(LabelDocument* doc, ModelImprover* improver, QWidget* parent)
    : QWidget(parent), doc_(doc), improver_(improver) {
    reviewed_ = new QLabel;
    reviewed_->setWordWrap(true);
    steps_ = new QSpinBox;
    steps_->setRange(1, 100000);
    steps_->setValue(improver_->steps());
    steps_->setSuffix(tr(" steps"));
    steps_->setToolTip(tr("Fine-tuning steps of a run. It runs in the background at a low priority on one core; "
                          "Pause writes a checkpoint and frees the core, Resume goes on from it."));
    connect(steps_, &QSpinBox::valueChanged, this, [this](int v) { improver_->setSteps(v); });
    improve_ = new QPushButton(tr("Improve the model from my reviews"));
    improve_->setToolTip(tr("Fine-tune the model in use on the reviewed images, holding some of them out to "
                            "score the new model against it; you are offered the new one if it does better."));
    pause_ = new QPushButton(tr("Pause"));
    pause_->setToolTip(tr("Stop the run with a checkpoint; Resume continues from it."));
    resume_ = new QPushButton(tr("Resume"));
    resume_->setToolTip(tr("Continue the paused run from its checkpoint."));
    progress_ = new QProgressBar;
    status_ = new QLabel;
    status_->setWordWrap(true);
    switch_ = new QPushButton(tr("Switch to the new model"));
    switch_->setToolTip(tr("Use the improved model and propose again for the images not reviewed yet."));
    table_ = new QTableWidget(0, 4);
    table_->setHorizontalHeaderLabels({tr("Model"), tr("Added (UTC)"), tr("Held-out mIoU"), tr("Reviewed / held out")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table_->setMinimumHeight(110);  // a few models without scrolling
    table_->verticalHeader()->hide();
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setToolTip(tr("The models this project was labelled with. Each score is on the reviewed images its "
                          "run held out (the starting model on those of the first run). Double-click to use one."));
    use_ = new QPushButton(tr("Use this model"));
    use_->setToolTip(tr("Go back (or forward) to the selected model and propose again for the images not reviewed yet."));

    auto* runRow = new QHBoxLayout;
    runRow->addWidget(steps_);
    runRow->addWidget(improve_, 1);
    runRow->addWidget(pause_);
    runRow->addWidget(resume_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(reviewed_);
    layout->addLayout(runRow);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(switch_);
    layout->addWidget(new QLabel(tr("Model history")));
    layout->addWidget(table_, 1);
    layout->addWidget(use_);

    connect(improve_, &QPushButton::clicked, this, &ModelHistoryPanel::improveRequested);
    connect(pause_, &QPushButton::clicked, improver_, &ModelImprover::pause);
    connect(resume_, &QPushButton::clicked, improver_, &ModelImprover::resume);
    connect(switch_, &QPushButton::clicked, this, [this] { Q_EMIT useModelRequested(improver_->candidate()); });
    connect(use_, &QPushButton::clicked, this, &ModelHistoryPanel::useSelected);
    connect(table_, &QTableWidget::cellDoubleClicked, this, &ModelHistoryPanel::useSelected);
    connect(table_, &QTableWidget::itemSelectionChanged, this, &ModelHistoryPanel::refresh);
    connect(improver_, &ModelImprover::stateChanged, this, &ModelHistoryPanel::refresh);
    connect(improver_, &ModelImprover::taskStarted, this, [this](TaskProgress*) { refresh(); });
    connect(doc_, &LabelDocument::documentReset, this, &ModelHistoryPanel::refreshHistory);
    connect(doc_, &LabelDocument::modelHistoryChanged, this, &ModelHistoryPanel::refreshHistory);
    connect(doc_, &LabelDocument::annotationsChanged, this, &ModelHistoryPanel::refresh);
    refreshHistory();
}

void ModelHistoryPanel::setModelInUse(const QString& dir) {
    inUse_ = absoluteDir(dir);
    refreshHistory();
}

QString ModelHistoryPanel::statusText() const { return status_->text(); }

void ModelHistoryPanel::refresh() {
    const int reviewed = improver_->reviewedImages();
    reviewed_->setText(tr("%n image(s) reviewed.", nullptr, reviewed) + QLatin1Char(' ') +
                       (reviewed < kMinReviewedImages ? tr("Review at least %1 to improve the model from them.").arg(kMinReviewedImages)
                                                      : tr("A run holds about a quarter of them out to score the new model.")));
    const ModelImprover::State s = improver_->state();
    improve_->setEnabled(!improver_->isBusy() && s != ModelImprover::State::Paused && reviewed >= kMinReviewedImages &&
                         !improver_->activeModel().isEmpty());
    pause_->setEnabled(s == ModelImprover::State::Training);
    resume_->setEnabled(s == ModelImprover::State::Paused);
    steps_->setEnabled(!improver_->isBusy() && s != ModelImprover::State::Paused);
    progress_->setRange(0, int(std::max<qint64>(1, improver_->totalSteps())));
    progress_->setValue(int(improver_->step()));
    status_->setText(improver_->statusText());
    switch_->setEnabled(s == ModelImprover::State::Ready && improver_->candidateBeatsBase() &&
                        absoluteDir(improver_->candidate()) != inUse_);
    const int row = table_->currentRow();
    const auto& entries = doc_->project().modelHistory.entries;
    use_->setEnabled(row >= 0 && size_t(row) < entries.size() && QString::fromStdString(entries[size_t(row)].model) != inUse_);
}

void ModelHistoryPanel::refreshHistory() {
    const auto& entries = doc_->project().modelHistory.entries;
    const int selected = table_->currentRow();
    table_->setRowCount(int(entries.size()));
    for (size_t i = 0; i < entries.size(); ++i) {
        const ModelHistoryEntry& e = entries[i];
        const bool inUse = QString::fromStdString(e.model) == inUse_;
        const QString name = QString::fromStdString(e.name.empty() ? e.model : e.name);
        auto* model = new QTableWidgetItem(inUse ? tr("%1 (in use)").arg(name) : name);
        model->setToolTip(QString::fromStdString(e.model) +
                          (e.base.empty() ? QString() : QLatin1Char('\n') + tr("fine-tuned from %1").arg(QString::fromStdString(e.base))));
        QFont f = model->font();
        f.setBold(inUse);
        model->setFont(f);
        table_->setItem(int(i), 0, model);
        table_->setItem(int(i), 1, new QTableWidgetItem(QString::fromStdString(e.added).replace(QLatin1Char('T'), QLatin1Char(' '))));
        table_->setItem(int(i), 2, new QTableWidgetItem(e.heldOutMiou ? QString::number(*e.heldOutMiou, 'f', 3) : tr("–")));
        table_->setItem(int(i), 3, new QTableWidgetItem(QStringLiteral("%1 / %2").arg(e.reviewedImages).arg(e.heldOutImages)));
    }
    if (selected >= 0 && selected < table_->rowCount()) table_->selectRow(selected);
    refresh();
}

void ModelHistoryPanel::useSelected() {
    const int row = table_->currentRow();
    const auto& entries = doc_->project().modelHistory.entries;
    if (row < 0 || size_t(row) >= entries.size()) return;
    const QString dir = QString::fromStdString(entries[size_t(row)].model);
    if (dir != inUse_) Q_EMIT useModelRequested(dir);
}

}  // namespace ld
