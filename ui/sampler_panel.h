#pragma once
// The sampler's knobs: model directory and device, steps, spacing, guidance, ensemble
// size, seed (with "new seed"), and the threshold τ with the soft mask's histogram.
// Moving τ only re-thresholds the current soft mask; nothing is sampled again.
#include "inference/pipeline/sampler.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSpinBox;
class QCheckBox;

namespace ld {

class HistogramView;
class SoftMask;

class SamplerPanel : public QWidget {
    Q_OBJECT
public:
    explicit SamplerPanel(QWidget* parent = nullptr);

    SamplerSettings settings() const;
    QString modelDir() const;
    void setModelDir(const QString& dir);
    QString device() const;
    double threshold() const;
    void setThreshold(double tau);  // emits thresholdChanged when it moves
    uint64_t seed() const;
    void setSeed(uint64_t seed);
    bool autoNewSeed() const;
    void setSoftMask(const SoftMask& soft);
    void setModelStatus(const QString& text);
    HistogramView* histogram() const { return histogram_; }
    QSlider* thresholdSlider() const { return tau_; }

    void loadSettings();
    void saveSettings() const;

public Q_SLOTS:
    void newSeed();

Q_SIGNALS:
    void loadModelRequested(const QString& dir, const QString& device);
    void thresholdChanged(double tau);

private:
    void updateTauLabel();

    QLineEdit* model_;
    QComboBox* device_;
    QLabel* modelStatus_;
    QSpinBox* steps_;
    QComboBox* spacing_;
    QDoubleSpinBox* guidance_;
    QSpinBox* ensemble_;
    QSpinBox* seed_;
    QCheckBox* autoSeed_;
    QSlider* tau_;
    QLabel* tauLabel_;
    HistogramView* histogram_;
};

}  // namespace ld
