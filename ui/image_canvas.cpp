#include "ui/image_canvas.h"

#include <QGraphicsPixmapItem>
#include <QWheelEvent>
#include <QtMath>

namespace ld {

ImageCanvas::ImageCanvas(QWidget* parent) : QGraphicsView(parent) {
    setScene(new QGraphicsScene(this));
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setRenderHint(QPainter::SmoothPixmapTransform);
    setBackgroundBrush(QColor(48, 48, 48));
}

void ImageCanvas::setImage(const QImage& image) {
    image_ = image;
    scene()->clear();
    item_ = scene()->addPixmap(QPixmap::fromImage(image));
    scene()->setSceneRect(item_->boundingRect());
    if (fit_) zoomToFit();
}

bool ImageCanvas::hasImage() const { return item_ != nullptr && !image_.isNull(); }

double ImageCanvas::zoom() const { return transform().m11(); }

void ImageCanvas::zoomToFit() {
    fit_ = true;
    if (item_) fitInView(item_, Qt::KeepAspectRatio);
}

void ImageCanvas::zoomActualSize() {
    fit_ = false;
    resetTransform();
}

void ImageCanvas::zoomBy(double factor) {
    fit_ = false;
    const double z = zoom() * factor;
    if (z < 0.02 || z > 64) return;  // beyond this the view is useless, and transforms overflow
    scale(factor, factor);
}

void ImageCanvas::wheelEvent(QWheelEvent* event) {
    zoomBy(qPow(1.0015, event->angleDelta().y()));
    event->accept();
}

void ImageCanvas::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    if (fit_) zoomToFit();
}

}  // namespace ld
