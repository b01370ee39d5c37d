#pragma once
#include <QGraphicsView>
#include <QImage>

class QGraphicsPixmapItem;

namespace ld {

// Shows one (already rendered) image; wheel zooms around the cursor, drag pans.
class ImageCanvas : public QGraphicsView {
    Q_OBJECT
public:
    explicit ImageCanvas(QWidget* parent = nullptr);
    void setImage(const QImage& image);
    bool hasImage() const;
    QImage image() const { return image_; }
    double zoom() const;

public slots:
    void zoomToFit();
    void zoomActualSize();
    void zoomBy(double factor);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    QGraphicsPixmapItem* item_ = nullptr;
    QImage image_;
    bool fit_ = true;  // stay fitted on resize until the user zooms
};

}  // namespace ld
