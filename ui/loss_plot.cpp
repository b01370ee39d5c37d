#include "ui/loss_plot.h"

#include <QLineSeries>
#include <QPen>
#include <QTimer>
#include <QValueAxis>

#include <cmath>

namespace ld {

LossPlot::LossPlot(const QString& title, const QString& yTitle, QWidget* parent)
    : QChartView(parent), x_(new QValueAxis), y_(new QValueAxis), redrawTimer_(new QTimer(this)) {
    redrawTimer_->setSingleShot(true);
    redrawTimer_->setInterval(kRedrawMs);
    connect(redrawTimer_, &QTimer::timeout, this, &LossPlot::redraw);
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
        if (!fixedX_) xMin_ = xMax_ = x;
        yMin_ = yMax_ = y;
        empty_ = false;
        rangeChanged_ = true;
    }
    xMin_ = std::min(xMin_, x);
    xMax_ = std::max(xMax_, x);
    yMin_ = std::min(yMin_, y);
    yMax_ = std::max(yMax_, y);
    // Only data outside the shown range changes an axis: re-laying out the axes (tick labels,
    // every series' geometry) is the expensive part of a redraw, so the range is widened
    // with room to spare rather than per point.
    if (xMin_ < shown_.left() || xMax_ > shown_.right() || (!fixedY_ && (yMin_ < shown_.top() || yMax_ > shown_.bottom())))
        rangeChanged_ = true;
}

void LossPlot::append(const QString& name, double x, double y, double smoothing) {
    add(name, false, {x, y});
    grow(x, y);
    if (smoothing > 0) {
        const QString sn = smoothedName(name);
        const bool first = !ema_.contains(sn);
        const double v = first ? y : smoothing * ema_.value(sn) + (1 - smoothing) * y;
        ema_.insert(sn, v);
        add(sn, true, {x, v});
    }
    if (!redrawTimer_->isActive()) redrawTimer_->start();
}

void LossPlot::add(const QString& name, bool wide, QPointF p) {
    seriesFor(name, wide);
    points_[name].append(p);
    pending_.insert(name);
}

// One replace() per series: QLineSeries::append() re-computes the series' geometry per point.
void LossPlot::redraw() {
    for (const QString& name : std::as_const(pending_))
        if (QLineSeries* s = series_.value(name)) s->replace(points_.value(name));
    pending_.clear();
    if (!rangeChanged_) return;
    rangeChanged_ = false;
    const double dx = std::max(1.0, xMax_ - xMin_), dy = std::max(1e-6, yMax_ - yMin_);
    double x0 = std::min(shown_.left(), xMin_), x1 = std::max(shown_.right(), xMax_);
    if (xMax_ > shown_.right()) x1 = xMax_ + 0.25 * dx;  // also a resumed run outgrowing its extent
    double y0 = shown_.top(), y1 = shown_.bottom();
    if (!fixedY_) {
        const bool unset = y0 >= y1;
        if (unset || yMin_ < y0) y0 = yMin_ - 0.1 * dy;
        if (unset || yMax_ > y1) y1 = yMax_ + 0.1 * dy;
    }
    shown_ = QRectF(QPointF(x0, y0), QPointF(x1, y1));
    x_->setRange(x0, std::max(x1, x0 + 1));
    if (!fixedY_) y_->setRange(y0, y1);
}

void LossPlot::clear() {
    redrawTimer_->stop();
    chart()->removeAllSeries();
    series_.clear();
    points_.clear();
    pending_.clear();
    ema_.clear();
    empty_ = true;
    fixedX_ = false;
    shown_ = QRectF();
}

void LossPlot::setXExtent(double lo, double hi) {
    fixedX_ = true;
    shown_.setLeft(lo);
    shown_.setRight(std::max(hi, lo + 1));
    if (empty_) xMin_ = xMax_ = lo;
    x_->setRange(shown_.left(), shown_.right());
}

void LossPlot::setYRange(double lo, double hi) {
    fixedY_ = true;
    y_->setRange(lo, hi);
}

int LossPlot::pointCount(const QString& name) const { return int(points_.value(name).size()); }

double LossPlot::lastValue(const QString& name) const {
    const QList<QPointF> p = points_.value(name);
    return p.isEmpty() ? std::nan("") : p.back().y();
}

}  // namespace ld
