#pragma once
// A live line chart for the training panel (QtCharts): named series appended point by
// point, axes that follow the data, and optionally a smoothed companion series (an
// exponential moving average, as TensorBoard draws it) next to the raw one.
#include <QChartView>
#include <QHash>
#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSet>

class QLineSeries;
class QTimer;
class QValueAxis;

namespace ld {

class LossPlot : public QChartView {
    Q_OBJECT
public:
    explicit LossPlot(const QString& title, const QString& yTitle, QWidget* parent = nullptr);

    // Appends to `series` (created on first use). With smoothing > 0, also appends the
    // EMA (weight `smoothing` on the past) to "<series> (smoothed)".
    // The chart shows new points at most every kRedrawMs: a training run reports a step every
    // few hundred ms, and redrawing the chart (series geometry, axes, legend) per point
    // stalled the UI thread 16–30 ms each time (bench_gui --train-masks).
    void append(const QString& series, double x, double y, double smoothing = 0);
    void clear();
    void setYRange(double lo, double hi);  // fixed (e.g. IoU in [0, 1]); otherwise follows the data
    // The x range the run will cover (first step, last step), so that a new step does not
    // re-lay out the axis; points beyond it widen it.
    void setXExtent(double lo, double hi);
    static constexpr int kRedrawMs = 250;
    // Many per-class series do not fit a legend under the chart: a right-hand legend lists
    // them one a line. The emphasised series (a summary such as mIoU) is drawn wide.
    void setLegendAlignment(Qt::Alignment alignment);
    void setEmphasised(const QString& series) { emphasised_ = series; }

    int seriesCount() const { return int(series_.size()); }
    int pointCount(const QString& series) const;
    double lastValue(const QString& series) const;
    static QString smoothedName(const QString& series);

private:
    void add(const QString& name, bool wide, QPointF p);
    QLineSeries* seriesFor(const QString& name, bool wide);
    void grow(double x, double y);
    void redraw();

    QValueAxis* x_;
    QValueAxis* y_;
    QHash<QString, QLineSeries*> series_;
    QHash<QString, QList<QPointF>> points_;  // every point, shown or pending
    QSet<QString> pending_;                  // series with points the chart does not show yet
    QTimer* redrawTimer_;
    QHash<QString, double> ema_;
    QString emphasised_;
    bool fixedY_ = false;
    bool fixedX_ = false;
    bool empty_ = true;
    bool rangeChanged_ = false;
    double xMin_ = 0, xMax_ = 1, yMin_ = 0, yMax_ = 1;  // the data's extent
    QRectF shown_;  // the axes' ranges (top = lowest y); widened only when data leaves it
};

}  // namespace ld
