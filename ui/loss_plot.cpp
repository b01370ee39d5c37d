#include "ui/loss_plot.h"

#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

#include <cmath>

namespace ld {

LossPlot::LossPlot(const QString& title, const QString& yTitle, QWidget* parent)
    : QChartView(parent), x_(new QValueAxis), y_(new QValueAxis) {
    auto* c = new QChart;
    c->setTitle(title);
    c->legend()->setAlignment(Qt::AlignBottom);
    c->setMargins(QMargins(2, 2, 2, 2));
    x_->setTitleText(tr("step"));
    x_->setLabelFormat(QStringLiteral("%d"));
    y_->setTitleText(yTitle);
    c->addAxis(x_, Qt::AlignBottom);
    c->addAxis(y_, Qt::AlignLeft);
    setChart(c);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(220, 160);
}

QString LossPlot::smoothedName(const QString& series) { return tr("%1 (smoothed)").arg(series); }

void LossPlot::setLegendAlignment(Qt::Alignment alignment) { chart()->legend()->setAlignment(alignment); }

QLineSeries* LossPlot::seriesFor(const QString& name, bool wide) {
    if (QLineSeries* s = series_.value(name)) return s;
    auto* s = new QLineSeries;
    s->setName(name);
    chart()->addSeries(s);
    s->attachAxis(x_);
    s->attachAxis(y_);
    if (wide || name == emphasised_) {
        QPen pen = s->pen();
        pen.setWidthF(2.5);
        s->setPen(pen);
    }
    series_.insert(name, s);
    return s;
}

void LossPlot::grow(double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    if (empty_) {
        xMin_ = xMax_ = x;
        yMin_ = yMax_ = y;
        empty_ = false;
    }
    xMin_ = std::min(xMin_, x);
    xMax_ = std::max(xMax_, x);
    yMin_ = std::min(yMin_, y);
    yMax_ = std::max(yMax_, y);
    x_->setRange(xMin_, std::max(xMax_, xMin_ + 1));
    if (!fixedY_) {
        const double pad = std::max(1e-6, 0.05 * (yMax_ - yMin_));
        y_->setRange(yMin_ - pad, yMax_ + pad);
    }
}

void LossPlot::append(const QString& name, double x, double y, double smoothing) {
    QLineSeries* raw = seriesFor(name, false);
    raw->append(x, y);
    grow(x, y);
    if (smoothing > 0) {
        const QString sn = smoothedName(name);
        const bool first = !ema_.contains(sn);
        const double v = first ? y : smoothing * ema_.value(sn) + (1 - smoothing) * y;
        ema_.insert(sn, v);
        seriesFor(sn, true)->append(x, v);
    }
}

void LossPlot::clear() {
    chart()->removeAllSeries();
    series_.clear();
    ema_.clear();
    empty_ = true;
}

void LossPlot::setYRange(double lo, double hi) {
    fixedY_ = true;
    y_->setRange(lo, hi);
}

int LossPlot::pointCount(const QString& name) const {
    const QLineSeries* s = series_.value(name);
    return s ? int(s->count()) : 0;
}

double LossPlot::lastValue(const QString& name) const {
    const QLineSeries* s = series_.value(name);
    return s && s->count() ? s->at(s->count() - 1).y() : std::nan("");
}

}  // namespace ld
