#pragma once
// The project's images as thumbnails with their status (unlabelled / labelled /
// reviewed), filtered by status or to the review queue (images with proposals not yet
// reviewed), in project order or most uncertain first (core/review_queue.h). Thumbnails are decoded on a background pool, one at a
// time, so that a large folder neither blocks nor floods the machine.
#include "core/project.h"
#include "ui/task.h"

#include <QPointer>
#include <QHash>
#include <QImage>
#include <QWidget>

#include <optional>
#include <vector>

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
    QComboBox* sortBox() const { return sort_; }
    // Index into project().images of the current row, or -1.
    int currentIndex() const;
    void setCurrentIndex(int imageIndex);
    // Next/previous visible (not filtered out) image.
    void step(int delta);
    // Show only images with this status (nullopt: all).
    void setFilter(std::optional<ImageStatus> status);
    // Only the images with unreviewed model proposals.
    void setReviewQueueFilter();
    // Most uncertain first (true) or project order.
    void setSortByUncertainty(bool on);
    bool sortsByUncertainty() const { return byUncertainty_; }
    int visibleCount() const;
    // Image ids of the visible rows, top to bottom.
    std::vector<int64_t> visibleOrder() const;

public Q_SLOTS:
    void rebuild();
    // Puts the rows in the sort order again (the order is kept while a person reviews, so
    // that the list does not jump under them).
    void resort();
    void refreshImage(int64_t imageId);

Q_SIGNALS:
    void currentChanged(int imageIndex);

private:
    void requestThumbnails();
    void applyFilter();
    bool filteredOut(const ProjectImage& img) const;
    int rowOf(int64_t imageId) const;
    int imageIndexOfRow(int row) const;
    QString itemText(const ProjectImage& img) const;

    LabelDocument* doc_;
    QListWidget* list_;
    QComboBox* filter_;
    QComboBox* sort_;
    QThreadPool* pool_;
    QPointer<Task> thumbTask_;
    QHash<int64_t, QImage> thumbs_;
    int generation_ = 0;
    std::optional<ImageStatus> status_;
    bool reviewQueue_ = false;
    bool byUncertainty_ = false;
};

}  // namespace ld
