#include "ui/image_canvas.h"

#include "core/uncertainty_score.h"
#include "ui/mask_image.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsPathItem>
#include <QGraphicsPixmapItem>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>
#include <QtMath>

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace ld {

namespace {
constexpr double kZAnnotations = 1, kZProposal = 2, kZSoft = 3, kZUncertainty = 4, kZTrajectory = 5, kZTools = 10;
// Further than this (view pixels) between press and release is a pan, not a click.
constexpr int kClickSlop = 4;
}  // namespace

ImageCanvas::ImageCanvas(QWidget* parent) : QGraphicsView(parent) {
    setScene(new QGraphicsScene(this));
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setRenderHint(QPainter::SmoothPixmapTransform);
    setBackgroundBrush(QColor(48, 48, 48));
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
}

QGraphicsPixmapItem* ImageCanvas::addLayer(double z) {
    auto* item = scene()->addPixmap(QPixmap());
    item->setZValue(z);
    // Mask layers are exact pixels: smoothing would blur their edges at high zoom.
    item->setTransformationMode(Qt::FastTransformation);
    return item;
}

void ImageCanvas::setImage(const QImage& image) {
    image_ = image;
    scene()->clear();
    annotationItems_.clear();
    annotations_.clear();
    selected_ = hovered_ = 0;
    polygon_.clear();
    item_ = scene()->addPixmap(QPixmap::fromImage(image));
    proposalItem_ = addLayer(kZProposal);
    softItem_ = addLayer(kZSoft);
    uncertaintyItem_ = addLayer(kZUncertainty);
    trajectoryItem_ = addLayer(kZTrajectory);
    trajectoryItem_->setTransformationMode(Qt::SmoothTransformation);
    strokeItem_ = scene()->addPath(QPainterPath(), QPen(Qt::NoPen), QColor(255, 255, 255, 110));
    strokeItem_->setZValue(kZTools);
    polygonItem_ = scene()->addPath(QPainterPath(), QPen(QColor(255, 255, 0), 0), QColor(255, 255, 0, 50));
    polygonItem_->setZValue(kZTools);
    brushCursor_ = scene()->addEllipse(QRectF(), QPen(Qt::white, 0, Qt::DashLine));
    brushCursor_->setZValue(kZTools);
    brushCursor_->setVisible(false);
    scene()->setSceneRect(item_->boundingRect());
    if (fit_) zoomToFit();
}

void ImageCanvas::clearImage() {
    image_ = QImage();
    scene()->clear();
    item_ = proposalItem_ = softItem_ = uncertaintyItem_ = trajectoryItem_ = nullptr;
    strokeItem_ = polygonItem_ = nullptr;
    brushCursor_ = nullptr;
    annotationItems_.clear();
    annotations_.clear();
}

bool ImageCanvas::hasImage() const { return item_ != nullptr && !image_.isNull(); }

double ImageCanvas::zoom() const { return transform().m11(); }

QImage ImageCanvas::renderedImage() {
    QImage out(image_.size(), QImage::Format_ARGB32_Premultiplied);
    out.fill(Qt::black);
    QPainter p(&out);
    const QRectF r(QPointF(0, 0), QSizeF(image_.size()));
    scene()->render(&p, r, r);
    return out;
}

void ImageCanvas::setLayerImage(QGraphicsPixmapItem* item, const QImage& image) {
    if (!item) return;
    item->setPixmap(QPixmap::fromImage(image));
    // Layers at another resolution (the model's) are stretched over the image.
    if (!image.isNull() && !image_.isNull() && image.size() != image_.size())
        item->setTransform(QTransform::fromScale(double(image_.width()) / image.width(),
                                                 double(image_.height()) / image.height()));
    else
        item->setTransform(QTransform());
}

void ImageCanvas::setAnnotations(std::vector<CanvasAnnotation> annotations) {
    annotations_ = std::move(annotations);
    if (selected_) {
        bool found = false;
        for (const auto& a : annotations_) found |= a.id == selected_;
        if (!found) selected_ = 0;
    }
    rebuildAnnotationItems();
}

void ImageCanvas::rebuildAnnotationItems() {
    for (auto* item : annotationItems_) delete item;
    annotationItems_.clear();
    if (!item_) return;
    for (size_t i = 0; i < annotations_.size(); ++i) {
        annotationItems_.push_back(addLayer(kZAnnotations + 0.001 * double(i)));
        updateAnnotationItem(i);
    }
}

void ImageCanvas::updateAnnotationItem(size_t i) {
    const CanvasAnnotation& a = annotations_[i];
    const bool emphasised = a.id == selected_ || a.id == hovered_;
    int alpha = fill_ ? int(opacity_ * 255) : 0;
    if (a.unreviewed) alpha /= 2;
    if (emphasised) alpha = std::min(255, alpha + 60);
    QColor color = a.color;
    if (a.id == selected_) color = color.lighter(130);
    QImage drawn = maskImage(a.mask, color, alpha, outline_ || emphasised);
    if (highlighted(a)) {
        // A ring just outside the mask: where the members disagree is mostly its boundary.
        const int band = std::max(2, uncertaintyBand(a.mask.width(), a.mask.height()));
        cv::Mat grown;
        cv::dilate(a.mask.mat(), grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * band + 1, 2 * band + 1)));
        QPainter p(&drawn);
        p.drawImage(0, 0, maskImage(BinaryMask::fromMat(grown - a.mask.mat()), QColor(255, 0, 255), 170, false));
    }
    annotationItems_[i]->setPixmap(QPixmap::fromImage(drawn));
    annotationItems_[i]->setVisible(annotationsVisible_);
    annotationItems_[i]->setToolTip(a.label);
}

bool ImageCanvas::highlighted(const CanvasAnnotation& a) const {
    return highlightUncertain_ && a.unreviewed && a.disagreement >= kUncertainHighlight && !a.mask.empty();
}

std::vector<int64_t> ImageCanvas::highlightedAnnotations() const {
    std::vector<int64_t> out;
    for (const auto& a : annotations_)
        if (highlighted(a)) out.push_back(a.id);
    return out;
}

void ImageCanvas::setHighlightUncertain(bool on) {
    if (highlightUncertain_ == on) return;
    highlightUncertain_ = on;
    for (size_t i = 0; i < annotations_.size(); ++i) updateAnnotationItem(i);
}

void ImageCanvas::setSelected(int64_t id) {
    if (selected_ == id) return;
    selected_ = id;
    for (size_t i = 0; i < annotations_.size(); ++i) updateAnnotationItem(i);
}

int64_t ImageCanvas::annotationAt(const QPointF& p) const {
    const int x = int(std::floor(p.x())), y = int(std::floor(p.y()));
    // Topmost (last drawn) first.
    for (auto it = annotations_.rbegin(); it != annotations_.rend(); ++it) {
        const BinaryMask& m = it->mask;
        if (x >= 0 && y >= 0 && x < m.width() && y < m.height() && m.at(y, x)) return it->id;
    }
    return 0;
}

void ImageCanvas::setProposals(const std::vector<CanvasAnnotation>& proposals) {
    if (proposals.empty()) {
        setLayerImage(proposalItem_, QImage());
        return;
    }
    if (proposals.size() == 1) {
        setLayerImage(proposalItem_, maskImage(proposals[0].mask, proposals[0].color, 140, true));
        return;
    }
    QImage all(proposals[0].mask.width(), proposals[0].mask.height(), QImage::Format_ARGB32_Premultiplied);
    all.fill(Qt::transparent);
    QPainter p(&all);
    for (const CanvasAnnotation& a : proposals)
        if (!a.mask.empty()) p.drawImage(0, 0, maskImage(a.mask, a.color, 140, true));
    p.end();
    setLayerImage(proposalItem_, all);
}

void ImageCanvas::setSoftMask(const SoftMask& soft) {
    setLayerImage(softItem_, soft.empty() ? QImage() : heatImage(soft, QColor(255, 200, 0), 0.8));
    if (softItem_) softItem_->setVisible(softVisible_);
}

void ImageCanvas::setUncertainty(const SoftMask& u) {
    // A std of 0.5 is total disagreement between members; scale so it reads as opaque.
    setLayerImage(uncertaintyItem_, u.empty() ? QImage() : heatImage(u, QColor(255, 0, 255), 2.0));
    if (uncertaintyItem_) uncertaintyItem_->setVisible(uncertaintyVisible_);
}

void ImageCanvas::setTrajectoryFrame(const QImage& x0) {
    if (!trajectoryItem_) return;
    if (x0.isNull()) {
        trajectoryItem_->setPixmap(QPixmap());
        return;
    }
    setLayerImage(trajectoryItem_, heatImage(softMaskFromGray(x0), QColor(0, 220, 255), 0.75));
}

void ImageCanvas::clearModelLayers() {
    setProposals({});
    setSoftMask({});
    setUncertainty({});
    setTrajectoryFrame({});
}

void ImageCanvas::setFillOpacity(double opacity) {
    opacity_ = std::clamp(opacity, 0.0, 1.0);
    for (size_t i = 0; i < annotations_.size(); ++i) updateAnnotationItem(i);
}

void ImageCanvas::setOutline(bool on) {
    outline_ = on;
    for (size_t i = 0; i < annotations_.size(); ++i) updateAnnotationItem(i);
}

void ImageCanvas::setFill(bool on) {
    fill_ = on;
    for (size_t i = 0; i < annotations_.size(); ++i) updateAnnotationItem(i);
}

void ImageCanvas::setAnnotationsVisible(bool on) {
    annotationsVisible_ = on;
    for (auto* item : annotationItems_) item->setVisible(on);
}

void ImageCanvas::setSoftMaskVisible(bool on) {
    softVisible_ = on;
    if (softItem_) softItem_->setVisible(on);
}

void ImageCanvas::setUncertaintyVisible(bool on) {
    uncertaintyVisible_ = on;
    if (uncertaintyItem_) uncertaintyItem_->setVisible(on);
}

void ImageCanvas::setTool(Tool tool) {
    tool_ = tool;
    cancelPolygon();
    setDragMode(tool == Tool::Select ? QGraphicsView::ScrollHandDrag : QGraphicsView::NoDrag);
    viewport()->setCursor(tool == Tool::Select ? Qt::OpenHandCursor : Qt::CrossCursor);
    if (brushCursor_) brushCursor_->setVisible(false);
}

void ImageCanvas::setBrushRadius(double radius) {
    brushRadius_ = std::clamp(radius, 0.5, 500.0);
    Q_EMIT brushRadiusChanged(brushRadius_);
}

void ImageCanvas::zoomToFit() {
    fit_ = true;
    if (item_) fitInView(item_, Qt::KeepAspectRatio);
    Q_EMIT zoomChanged(zoom());
}

void ImageCanvas::zoomActualSize() {
    fit_ = false;
    resetTransform();
    Q_EMIT zoomChanged(zoom());
}

void ImageCanvas::zoomBy(double factor) {
    fit_ = false;
    const double z = zoom() * factor;
    if (z < 0.02 || z > 64) return;  // beyond this the view is useless, and transforms overflow
    scale(factor, factor);
    Q_EMIT zoomChanged(zoom());
}

void ImageCanvas::wheelEvent(QWheelEvent* event) {
    // Ctrl+wheel resizes the brush, as in most paint programs.
    if ((event->modifiers() & Qt::ControlModifier) && (tool_ == Tool::Brush || tool_ == Tool::Eraser)) {
        setBrushRadius(brushRadius_ * qPow(1.001, event->angleDelta().y()));
        updateBrushCursor(mapToScene(event->position().toPoint()));
    } else {
        zoomBy(qPow(1.0015, event->angleDelta().y()));
    }
    event->accept();
}

void ImageCanvas::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    if (fit_) zoomToFit();
}

void ImageCanvas::updateBrushCursor(const QPointF& p) {
    if (!brushCursor_) return;
    const bool brush = tool_ == Tool::Brush || tool_ == Tool::Eraser;
    brushCursor_->setVisible(brush);
    brushCursor_->setRect(QRectF(p.x() - brushRadius_, p.y() - brushRadius_, 2 * brushRadius_, 2 * brushRadius_));
    brushCursor_->setPen(QPen(tool_ == Tool::Eraser ? Qt::red : Qt::white, 0, Qt::DashLine));
}

void ImageCanvas::updatePolygonPath(const QPointF* rubberBand) {
    if (!polygonItem_) return;
    QPainterPath path;
    if (!polygon_.isEmpty()) {
        path.moveTo(polygon_.front());
        for (int i = 1; i < polygon_.size(); ++i) path.lineTo(polygon_[i]);
        if (rubberBand) path.lineTo(*rubberBand);
    }
    polygonItem_->setPath(path);
}

void ImageCanvas::mousePressEvent(QMouseEvent* event) {
    pressPos_ = event->pos();
    if (!hasImage() || event->button() != Qt::LeftButton || tool_ == Tool::Select) {
        QGraphicsView::mousePressEvent(event);
        return;
    }
    const QPointF p = mapToScene(event->pos());
    if (tool_ == Tool::Polygon) {
        polygon_.push_back(p);
        updatePolygonPath();
    } else {
        stroking_ = true;
        stroke_ = {p};
        QPainterPath path;
        path.addEllipse(p, brushRadius_, brushRadius_);
        strokeItem_->setPath(path);
        strokeItem_->setBrush(tool_ == Tool::Eraser ? QColor(255, 60, 60, 110) : QColor(255, 255, 255, 110));
    }
    event->accept();
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* event) {
    const QPointF p = mapToScene(event->pos());
    updateBrushCursor(p);
    if (stroking_) {
        stroke_.push_back(p);
        QPainterPath path = strokeItem_->path();
        path.addEllipse(p, brushRadius_, brushRadius_);
        path.setFillRule(Qt::WindingFill);
        strokeItem_->setPath(path);
        event->accept();
        return;
    }
    if (tool_ == Tool::Polygon && !polygon_.isEmpty()) updatePolygonPath(&p);
    if (tool_ == Tool::Select && !(event->buttons() & Qt::LeftButton)) {
        const int64_t h = annotationAt(p);
        if (h != hovered_) {
            hovered_ = h;
            for (size_t i = 0; i < annotations_.size(); ++i) updateAnnotationItem(i);
            Q_EMIT hoverChanged(h);
        }
    }
    QGraphicsView::mouseMoveEvent(event);
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (stroking_ && event->button() == Qt::LeftButton) {
        stroking_ = false;
        stroke_.push_back(mapToScene(event->pos()));
        strokeItem_->setPath(QPainterPath());
        Q_EMIT strokeFinished(stroke_, brushRadius_, tool_ == Tool::Eraser);
        stroke_.clear();
        event->accept();
        return;
    }
    if (tool_ == Tool::Select && event->button() == Qt::LeftButton && hasImage() &&
        (event->pos() - pressPos_).manhattanLength() <= kClickSlop) {
        const int64_t id = annotationAt(mapToScene(event->pos()));
        setSelected(id);
        Q_EMIT clicked(id);
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void ImageCanvas::mouseDoubleClickEvent(QMouseEvent* event) {
    if (tool_ == Tool::Polygon) {
        finishPolygon();
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void ImageCanvas::keyPressEvent(QKeyEvent* event) {
    if (tool_ == Tool::Polygon && !polygon_.isEmpty()) {
        if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
            finishPolygon();
            return;
        }
        if (event->key() == Qt::Key_Backspace) {
            polygon_.pop_back();
            updatePolygonPath();
            return;
        }
        if (event->key() == Qt::Key_Escape) {
            cancelPolygon();
            return;
        }
    }
    QGraphicsView::keyPressEvent(event);
}

void ImageCanvas::finishPolygon() {
    // A double click adds its position twice (press, then double-click press).
    QVector<QPointF> pts;
    for (const QPointF& p : polygon_)
        if (pts.isEmpty() || QLineF(pts.back(), p).length() > 0.5) pts.push_back(p);
    polygon_.clear();
    updatePolygonPath();
    if (pts.size() >= 3) Q_EMIT polygonFinished(pts);
}

void ImageCanvas::cancelPolygon() {
    polygon_.clear();
    updatePolygonPath();
}

}  // namespace ld
