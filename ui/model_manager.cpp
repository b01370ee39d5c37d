#include "ui/model_manager.h"

#include "ui/task.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

namespace ld {

ModelManager::ModelManager(ModelRegistry* registry, QWidget* parent)
    : QWidget(parent), registry_(registry), list_(new QListWidget), details_(new QPlainTextEdit) {
    details_->setReadOnly(true);
    auto* add = new QPushButton(tr("Add…"));
    add->setToolTip(tr("Add a model directory from disk."));
    auto* remove = new QPushButton(tr("Remove"));
    remove->setToolTip(tr("Forget the model (nothing is deleted from disk)."));
    auto* makeDefault = new QPushButton(tr("Set Default"));
    makeDefault->setToolTip(tr("The model the training panel fine-tunes by default and the app loads first."));
    auto* activate = new QPushButton(tr("Make Active"));
    activate->setToolTip(tr("Label with this model from now on."));
    check_ = new QPushButton(tr("Check Integrity"));
    check_->setToolTip(tr("Open the model completely: every tensor loads and every shape matches; all problems are listed."));
    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : {add, remove, makeDefault, activate, check_}) buttons->addWidget(b);
    auto* split = new QSplitter;
    split->addWidget(list_);
    split->addWidget(details_);
    split->setStretchFactor(1, 2);
    auto* top = new QVBoxLayout(this);
    top->addWidget(split, 1);
    top->addLayout(buttons);

    connect(add, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Model directory"));
        if (!d.isEmpty()) addModel(d);
    });
    connect(remove, &QPushButton::clicked, this, &ModelManager::removeCurrent);
    connect(makeDefault, &QPushButton::clicked, this, &ModelManager::setCurrentDefault);
    connect(activate, &QPushButton::clicked, this, &ModelManager::makeCurrentActive);
    connect(check_, &QPushButton::clicked, this, [this] { checkCurrent(); });
    connect(list_, &QListWidget::currentRowChanged, this, &ModelManager::showDetails);
    connect(registry_, &ModelRegistry::changed, this, &ModelManager::refresh);
    refresh();
}

// A running check is a child: destroying it cancels it and drops its report.
ModelManager::~ModelManager() = default;

void ModelManager::refresh() {
    const QString keep = currentModel();
    list_->blockSignals(true);
    list_->clear();
    for (const QString& d : registry_->models()) {
        auto* item = new QListWidgetItem(d == registry_->defaultModel() ? tr("%1 (default)").arg(d) : d);
        item->setData(Qt::UserRole, d);
        list_->addItem(item);
    }
    list_->blockSignals(false);
    if (!keep.isEmpty()) select(keep);
    if (list_->currentRow() < 0 && list_->count()) list_->setCurrentRow(0);
    showDetails();
}

QString ModelManager::currentModel() const {
    const QListWidgetItem* i = list_->currentItem();
    return i ? i->data(Qt::UserRole).toString() : QString();
}

void ModelManager::select(const QString& dir) {
    const QString d = ModelRegistry::normalize(dir);
    for (int i = 0; i < list_->count(); ++i)
        if (list_->item(i)->data(Qt::UserRole).toString() == d) list_->setCurrentRow(i);
}

QString ModelManager::details() const { return details_->toPlainText(); }

void ModelManager::showDetails() {
    const QString d = currentModel();
    if (d.isEmpty()) return details_->setPlainText(tr("No models yet: add a model directory."));
    QString text = ModelRegistry::describe(ModelRegistry::cardInfo(d));
    if (!report_.isEmpty() && !checkTask_ && reportDir_ == d)
        text += QStringLiteral("\n\n") + report_;
    details_->setPlainText(text);
}

bool ModelManager::addModel(const QString& dir) {
    if (!registry_->add(dir)) return false;
    select(dir);
    return true;
}

void ModelManager::removeCurrent() {
    const QString d = currentModel();
    if (!d.isEmpty()) registry_->remove(d);
}

void ModelManager::setCurrentDefault() {
    const QString d = currentModel();
    if (!d.isEmpty()) registry_->setDefault(d);
}

void ModelManager::makeCurrentActive() {
    const QString d = currentModel();
    if (!d.isEmpty()) Q_EMIT activateRequested(d);
}

bool ModelManager::checkCurrent() {
    const QString d = currentModel();
    if (d.isEmpty() || checkTask_) return false;
    check_->setEnabled(false);
    report_.clear();
    details_->appendPlainText(tr("\nChecking…"));
    checkTask_ = new Task(tr("Checking %1").arg(d), this);
    runTask<ModelIntegrity>(checkTask_, [d](TaskContext&) { return ModelRegistry::checkIntegrity(d); },
                            [this](const ModelIntegrity& r) {
                                checkTask_ = nullptr;
                                report_ = (r.ok ? tr("Integrity check passed.") : tr("Integrity check FAILED.")) +
                                          QLatin1Char('\n') + r.report;
                                reportDir_ = r.dir;
                                check_->setEnabled(true);
                                if (currentModel() == r.dir) showDetails();
                                Q_EMIT integrityChecked(r.dir, r.ok, r.report);
                            });
    return true;
}

}  // namespace ld
