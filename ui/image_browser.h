#pragma once
// The project's images as thumbnails with their status (unlabelled / labelled /
// reviewed), filtered by status. Thumbnails are decoded on a background pool, one at a
// time, so that a large folder neither blocks nor floods the machine.
#include "core/project.h"

#include <QFutureWatcher>
#include <QHash>
#include <QImage>
#include <QWidget>

#include <optional>

class QComboBox;
class QListWidget;
class QListWidgetItem;
class QThreadPool;

namespace ld {

class LabelDocument;

class ImageBrowser : public QWidget {
    Q_OBJECT
public:
    explicit ImageBrowser(LabelDocument* doc, QWidget* parent = nullptr);
    ~ImageBrowser() override;

    QListWidget* list() const { return list_; }
    QComboBox* filterBox() const { return filter_; }
    // Index into project().images of the current row, or -1.
    int currentIndex() const;
    void setCurrentIndex(int imageIndex);
    // Next/previous visible (not filtered out) image.
    void step(int delta);
    // Show only images with this status (nullopt: all).
    void setFilter(std::optional<ImageStatus> status);
    int visibleCount() const;

public slots:
    void rebuild();
    void refreshImage(int64_t imageId);

signals:
    void currentChanged(int imageIndex);

private:
    void requestThumbnails();
    void applyFilter();
    QString itemText(const ProjectImage& img) const;

    LabelDocument* doc_;
    QListWidget* list_;
    QComboBox* filter_;
    QThreadPool* pool_;
    QHash<int64_t, QImage> thumbs_;
    int generation_ = 0;
    std::optional<ImageStatus> status_;
};

}  // namespace ld
