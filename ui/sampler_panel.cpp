#include "ui/sampler_panel.h"

#include "ui/histogram_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>

namespace ld {

SamplerPanel::SamplerPanel(QWidget* parent)
    : QWidget(parent), model_(new QLineEdit), device_(new QComboBox), modelStatus_(new QLabel), steps_(new QSpinBox),
      spacing_(new QComboBox), guidance_(new QDoubleSpinBox), ensemble_(new QSpinBox), seed_(new QSpinBox),
      autoSeed_(new QCheckBox), tau_(new QSlider(Qt::Horizontal)), tauLabel_(new QLabel), histogram_(new HistogramView) {
    auto* form = new QFormLayout(this);

    auto* modelRow = new QHBoxLayout;
    model_->setPlaceholderText(tr("Model directory"));
    auto* browse = new QToolButton;
    browse->setText(tr("…"));
    browse->setToolTip(tr("Choose a model directory"));
    auto* load = new QPushButton(tr("Load"));
    modelRow->addWidget(model_, 1);
    modelRow->addWidget(browse);
    modelRow->addWidget(load);
    form->addRow(tr("Model"), modelRow);
    modelStatus_->setWordWrap(true);
    modelStatus_->setText(tr("No model loaded"));
    form->addRow(QString(), modelStatus_);

    device_->addItem(tr("Automatic"), QStringLiteral("auto"));
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    device_->addItem(tr("CUDA"), QStringLiteral("cuda"));
    form->addRow(tr("Device"), device_);

    // 0 means "the model card's value", shown as such.
    steps_->setRange(0, 1000);
    steps_->setSpecialValueText(tr("model default"));
    form->addRow(tr("Steps"), steps_);
    spacing_->addItem(tr("model default"), QString());
    spacing_->addItem(tr("trailing"), QStringLiteral("trailing"));
    spacing_->addItem(tr("leading"), QStringLiteral("leading"));
    spacing_->addItem(tr("linspace"), QStringLiteral("linspace"));
    form->addRow(tr("Spacing"), spacing_);
    guidance_->setRange(-0.5, 30);
    guidance_->setSingleStep(0.5);
    guidance_->setValue(-0.5);
    guidance_->setSpecialValueText(tr("model default"));
    form->addRow(tr("Guidance"), guidance_);
    ensemble_->setRange(0, 32);
    ensemble_->setSpecialValueText(tr("model default"));
    form->addRow(tr("Ensemble"), ensemble_);

    auto* seedRow = new QHBoxLayout;
    seed_->setRange(0, std::numeric_limits<int>::max());
    auto* newSeedButton = new QToolButton;
    newSeedButton->setText(tr("New seed"));
    autoSeed_->setText(tr("new each run"));
    seedRow->addWidget(seed_, 1);
    seedRow->addWidget(newSeedButton);
    seedRow->addWidget(autoSeed_);
    form->addRow(tr("Seed"), seedRow);

    auto* tauRow = new QHBoxLayout;
    tau_->setRange(0, 100);
    tau_->setValue(50);
    tau_->setToolTip(tr("Threshold τ on the mask probability; moving it re-thresholds without sampling again"));
    tauRow->addWidget(tau_, 1);
    tauRow->addWidget(tauLabel_);
    form->addRow(tr("Threshold τ"), tauRow);
    form->addRow(histogram_);
    updateTauLabel();

    connect(browse, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a model directory"), model_->text());
        if (!dir.isEmpty()) {
            model_->setText(dir);
            Q_EMIT loadModelRequested(modelDir(), device());
        }
    });
    connect(load, &QPushButton::clicked, this, [this] { Q_EMIT loadModelRequested(modelDir(), device()); });
    connect(model_, &QLineEdit::returnPressed, this, [this] { Q_EMIT loadModelRequested(modelDir(), device()); });
    connect(newSeedButton, &QToolButton::clicked, this, &SamplerPanel::newSeed);
    connect(tau_, &QSlider::valueChanged, this, [this] {
        updateTauLabel();
        histogram_->setThreshold(threshold());
        Q_EMIT thresholdChanged(threshold());
    });
    connect(histogram_, &HistogramView::thresholdPicked, this, &SamplerPanel::setThreshold);
}

SamplerSettings SamplerPanel::settings() const {
    SamplerSettings s;
    s.steps = steps_->value();
    s.spacing = spacing_->currentData().toString().toStdString();
    s.guidance = guidance_->value() < 0 ? -1 : guidance_->value();
    s.ensemble = ensemble_->value();
    s.seed = seed();
    s.threshold = threshold();
    // The UI shows each member's disagreement, so keep them when there are several.
    s.keepMembers = true;
    return s;
}

QString SamplerPanel::modelDir() const { return model_->text().trimmed(); }
void SamplerPanel::setModelDir(const QString& dir) { model_->setText(dir); }
QString SamplerPanel::device() const { return device_->currentData().toString(); }
double SamplerPanel::threshold() const { return tau_->value() / 100.0; }
void SamplerPanel::setThreshold(double tau) { tau_->setValue(int(std::lround(tau * 100))); }
uint64_t SamplerPanel::seed() const { return uint64_t(seed_->value()); }
void SamplerPanel::setSeed(uint64_t seed) { seed_->setValue(int(seed % uint64_t(std::numeric_limits<int>::max()))); }
bool SamplerPanel::autoNewSeed() const { return autoSeed_->isChecked(); }
void SamplerPanel::newSeed() { setSeed(QRandomGenerator::global()->bounded(std::numeric_limits<int>::max())); }
void SamplerPanel::setSoftMask(const SoftMask& soft) { histogram_->setMask(soft); }
void SamplerPanel::setModelStatus(const QString& text) { modelStatus_->setText(text); }

void SamplerPanel::updateTauLabel() { tauLabel_->setText(QString::number(threshold(), 'f', 2)); }

void SamplerPanel::loadSettings() {
    QSettings s;
    s.beginGroup(QStringLiteral("sampler"));
    model_->setText(s.value(QStringLiteral("model"), model_->text()).toString());
    device_->setCurrentIndex(std::max(0, device_->findData(s.value(QStringLiteral("device"), QStringLiteral("auto")))));
    steps_->setValue(s.value(QStringLiteral("steps"), 0).toInt());
    spacing_->setCurrentIndex(std::max(0, spacing_->findData(s.value(QStringLiteral("spacing"), QString()))));
    guidance_->setValue(s.value(QStringLiteral("guidance"), -0.5).toDouble());
    ensemble_->setValue(s.value(QStringLiteral("ensemble"), 0).toInt());
    seed_->setValue(s.value(QStringLiteral("seed"), 0).toInt());
    autoSeed_->setChecked(s.value(QStringLiteral("autoSeed"), false).toBool());
    setThreshold(s.value(QStringLiteral("threshold"), 0.5).toDouble());
}

void SamplerPanel::saveSettings() const {
    QSettings s;
    s.beginGroup(QStringLiteral("sampler"));
    s.setValue(QStringLiteral("model"), modelDir());
    s.setValue(QStringLiteral("device"), device());
    s.setValue(QStringLiteral("steps"), steps_->value());
    s.setValue(QStringLiteral("spacing"), spacing_->currentData());
    s.setValue(QStringLiteral("guidance"), guidance_->value());
    s.setValue(QStringLiteral("ensemble"), ensemble_->value());
    s.setValue(QStringLiteral("seed"), seed_->value());
    s.setValue(QStringLiteral("autoSeed"), autoSeed_->isChecked());
    s.setValue(QStringLiteral("threshold"), threshold());
}

}  // namespace ld
