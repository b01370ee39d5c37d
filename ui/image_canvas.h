#pragma once
// The image with its layers: annotations (category colour, fill opacity, outline), the
// model's proposal, the soft mask and the uncertainty map, and the live x̂₀ of a running
// trajectory; plus the pointer tools (select/pan, brush, eraser, polygon), which only
// report what the user drew, in image pixel coordinates, for the editor to apply.
#include "core/mask.h"

#include <QColor>
#include <QGraphicsView>
#include <QImage>
#include <QPointF>
#include <QVector>

#include <cstdint>
#include <vector>

class QGraphicsPixmapItem;
class QGraphicsPathItem;
class QGraphicsEllipseItem;

namespace ld {

struct CanvasAnnotation {
    int64_t id = 0;
    BinaryMask mask;
    QColor color;
    QString label;
    bool unreviewed = false;  // made by the model and not yet looked at: drawn fainter
    double disagreement = -1;  // the proposal's UncertaintyScore::disagreement (< 0: none)
};

class ImageCanvas : public QGraphicsView {
    Q_OBJECT
public:
    enum class Tool { Select, Brush, Eraser, Polygon };
    Q_ENUM(Tool)

    explicit ImageCanvas(QWidget* parent = nullptr);
    void setImage(const QImage& image);
    void clearImage();
    bool hasImage() const;
    QImage image() const { return image_; }
    double zoom() const;
    // What the view shows at 1:1 (image and every visible layer), e.g. for tests.
    QImage renderedImage();

    void setAnnotations(std::vector<CanvasAnnotation> annotations);
    void setSelected(int64_t id);
    int64_t selected() const { return selected_; }
    int64_t hovered() const { return hovered_; }
    int64_t annotationAt(const QPointF& imagePos) const;
    // The model's unaccepted masks, drawn brighter than annotations, each in its colour.
    void setProposals(const std::vector<CanvasAnnotation>& proposals);
    void setSoftMask(const SoftMask& soft);
    void setUncertainty(const SoftMask& uncertainty);
    // A trajectory frame (any size: it is stretched over the image); null hides it.
    void setTrajectoryFrame(const QImage& x0);
    void clearModelLayers();

    void setFillOpacity(double opacity);  // 0..1
    double fillOpacity() const { return opacity_; }
    void setOutline(bool on);
    void setFill(bool on);
    void setAnnotationsVisible(bool on);
    void setSoftMaskVisible(bool on);
    void setUncertaintyVisible(bool on);
    // Rings the unreviewed proposals whose ensemble members dispute a large share of their
    // pixels (kUncertainHighlight), so a review starts where the model was unsure.
    void setHighlightUncertain(bool on);
    bool highlightsUncertain() const { return highlightUncertain_; }
    std::vector<int64_t> highlightedAnnotations() const;
    static constexpr double kUncertainHighlight = 0.1;
    bool isSoftMaskVisible() const { return softVisible_; }

    Tool tool() const { return tool_; }
    void setTool(Tool tool);
    double brushRadius() const { return brushRadius_; }
    void setBrushRadius(double radius);

    QPointF toImage(const QPoint& viewPos) const { return mapToScene(viewPos); }

public Q_SLOTS:
    void zoomToFit();
    void zoomActualSize();
    void zoomBy(double factor);
    void finishPolygon();
    void cancelPolygon();

Q_SIGNALS:
    void clicked(int64_t annotationId);  // select tool; 0 on the background
    void hoverChanged(int64_t annotationId);
    void strokeFinished(const QVector<QPointF>& points, double radius, bool erase);
    void polygonFinished(const QVector<QPointF>& points);
    void zoomChanged(double zoom);
    void brushRadiusChanged(double radius);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void rebuildAnnotationItems();
    void updateAnnotationItem(size_t index);
    void updateBrushCursor(const QPointF& scenePos);
    void updatePolygonPath(const QPointF* rubberBand = nullptr);
    QGraphicsPixmapItem* addLayer(double z);
    void setLayerImage(QGraphicsPixmapItem* item, const QImage& image);

    QGraphicsPixmapItem* item_ = nullptr;
    QGraphicsPixmapItem* proposalItem_ = nullptr;
    QGraphicsPixmapItem* softItem_ = nullptr;
    QGraphicsPixmapItem* uncertaintyItem_ = nullptr;
    QGraphicsPixmapItem* trajectoryItem_ = nullptr;
    QGraphicsPathItem* strokeItem_ = nullptr;
    QGraphicsPathItem* polygonItem_ = nullptr;
    QGraphicsEllipseItem* brushCursor_ = nullptr;
    std::vector<QGraphicsPixmapItem*> annotationItems_;
    std::vector<CanvasAnnotation> annotations_;
    QImage image_;
    bool fit_ = true;  // stay fitted on resize until the user zooms

    int64_t selected_ = 0, hovered_ = 0;
    double opacity_ = 0.45;
    bool outline_ = true, fill_ = true, annotationsVisible_ = true;
    bool softVisible_ = false, uncertaintyVisible_ = false;
    bool highlightUncertain_ = true;
    bool highlighted(const CanvasAnnotation& a) const;

    Tool tool_ = Tool::Select;
    double brushRadius_ = 8;
    bool stroking_ = false;
    QVector<QPointF> stroke_;
    QVector<QPointF> polygon_;
    QPoint pressPos_;
};

}  // namespace ld
