#include "ui/histogram_view.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace ld {

HistogramView::HistogramView(QWidget* parent) : QWidget(parent), counts_(kBins, 0) {
    setMinimumHeight(50);
    setToolTip(tr("Histogram of the soft mask; the line is the threshold τ. Click to set τ."));
}

void HistogramView::setMask(const SoftMask& soft) {
    counts_.fill(0, kBins);
    for (int y = 0; y < soft.height(); ++y) {
        const float* row = soft.mat().ptr<float>(y);
        for (int x = 0; x < soft.width(); ++x) ++counts_[std::clamp(int(row[x] * kBins), 0, kBins - 1)];
    }
    update();
}

void HistogramView::setThreshold(double tau) {
    tau_ = tau;
    update();
}

void HistogramView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QRectF r = rect().adjusted(1, 1, -1, -1);
    p.fillRect(r, palette().base());
    const qint64 maxCount = *std::max_element(counts_.begin(), counts_.end());
    if (maxCount > 0) {
        const double top = std::log1p(double(maxCount));
        const double w = r.width() / kBins;
        for (int i = 0; i < kBins; ++i) {
            const double h = r.height() * std::log1p(double(counts_[i])) / top;
            const bool above = (i + 0.5) / kBins >= tau_;
            p.fillRect(QRectF(r.left() + i * w, r.bottom() - h, std::max(1.0, w - 1), h),
                       above ? QColor(255, 170, 0) : palette().mid().color());
        }
    }
    p.setPen(QPen(Qt::red, 2));
    const double x = r.left() + tau_ * r.width();
    p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
    p.setPen(palette().text().color());
    p.drawText(r.adjusted(4, 2, -4, -2), Qt::AlignTop | Qt::AlignRight, QStringLiteral("τ = %1").arg(tau_, 0, 'f', 2));
}

void HistogramView::mousePressEvent(QMouseEvent* event) {
    Q_EMIT thresholdPicked(std::clamp(event->position().x() / std::max(1, width()), 0.0, 1.0));
}

void HistogramView::mouseMoveEvent(QMouseEvent* event) {
    if (event->buttons() & Qt::LeftButton) mousePressEvent(event);
}

}  // namespace ld
