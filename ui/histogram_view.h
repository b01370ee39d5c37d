#pragma once
// The distribution of the soft mask's probabilities with τ marked: where the mass sits
// tells whether moving τ will change much. Log-scaled counts, since the background
// usually dwarfs the object.
#include "core/mask.h"

#include <QVector>
#include <QWidget>

namespace ld {

class HistogramView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kBins = 50;
    explicit HistogramView(QWidget* parent = nullptr);
    void setMask(const SoftMask& soft);
    void setThreshold(double tau);
    const QVector<qint64>& counts() const { return counts_; }
    double threshold() const { return tau_; }
    QSize sizeHint() const override { return {220, 70}; }

Q_SIGNALS:
    // Clicking or dragging in the plot picks τ there.
    void thresholdPicked(double tau);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    QVector<qint64> counts_;
    double tau_ = 0.5;
};

}  // namespace ld
