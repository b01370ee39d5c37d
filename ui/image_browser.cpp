#include "ui/image_browser.h"

#include "core/image.h"
#include "core/review_queue.h"
#include "ui/label_document.h"
#include "ui/task.h"

#include <QApplication>
#include <QComboBox>
#include <QListWidget>
#include <QPainter>
#include <QPointer>
#include <QSettings>
#include <QStyle>
#include <QThreadPool>
#include <QVBoxLayout>

#include <opencv2/imgproc.hpp>

#include <map>
#include <set>

namespace ld {

namespace {
constexpr int kThumb = 96;

QColor statusColor(ImageStatus s) {
    switch (s) {
    case ImageStatus::Unlabelled: return QColor(150, 150, 150);
    case ImageStatus::Labelled: return QColor(230, 160, 20);
    case ImageStatus::Reviewed: return QColor(40, 170, 60);
    }
    return {};
}

// The thumbnail with a status dot in its corner, so the state reads at a glance.
QIcon badged(const QImage& thumb, ImageStatus s) {
    QPixmap pm(kThumb, kThumb);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    if (!thumb.isNull()) {
        const QImage t = thumb.scaled(kThumb, kThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        p.drawImage(QPoint((kThumb - t.width()) / 2, (kThumb - t.height()) / 2), t);
    } else {
        p.fillRect(pm.rect(), QColor(70, 70, 70));
    }
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(Qt::white, 1.5));
    p.setBrush(statusColor(s));
    p.drawEllipse(QRectF(kThumb - 20, kThumb - 20, 16, 16));
    return QIcon(pm);
}

QString statusName(ImageStatus s) {
    switch (s) {
    case ImageStatus::Unlabelled: return ImageBrowser::tr("unlabelled");
    case ImageStatus::Labelled: return ImageBrowser::tr("labelled");
    case ImageStatus::Reviewed: return ImageBrowser::tr("reviewed");
    }
    return {};
}

constexpr int kReviewQueueFilter = -1;
}  // namespace

ImageBrowser::ImageBrowser(LabelDocument* doc, QWidget* parent)
    : QWidget(parent), doc_(doc), list_(new QListWidget), filter_(new QComboBox), sort_(new QComboBox),
      pool_(new QThreadPool(this)) {
    pool_->setMaxThreadCount(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    filter_->addItem(tr("All images"));
    filter_->addItem(tr("Unlabelled"), int(ImageStatus::Unlabelled));
    filter_->addItem(tr("Labelled"), int(ImageStatus::Labelled));
    filter_->addItem(tr("Reviewed"), int(ImageStatus::Reviewed));
    filter_->addItem(tr("To review (model proposals)"), kReviewQueueFilter);
    filter_->setToolTip(tr("Show only images with this status, or those with model proposals not yet reviewed"));
    layout->addWidget(filter_);
    sort_->addItem(tr("Project order"));
    sort_->addItem(tr("Most uncertain first"));
    sort_->setToolTip(tr("Most uncertain first: the images whose proposals the model's ensemble disputed most "
                         "(N opens the next one, Space accepts and moves on)"));
    layout->addWidget(sort_);
    list_->setIconSize(QSize(kThumb, kThumb));
    list_->setUniformItemSizes(true);
    list_->setMinimumWidth(240);
    list_->setWordWrap(true);
    list_->setTextElideMode(Qt::ElideMiddle);
    layout->addWidget(list_, 1);

    connect(filter_, &QComboBox::currentIndexChanged, this, [this](int i) {
        const QVariant v = filter_->itemData(i);
        reviewQueue_ = v.isValid() && v.toInt() == kReviewQueueFilter;
        status_ = v.isValid() && !reviewQueue_ ? std::optional<ImageStatus>(ImageStatus(v.toInt())) : std::nullopt;
        applyFilter();
    });
    connect(sort_, &QComboBox::currentIndexChanged, this, [this](int i) {
        byUncertainty_ = i == 1;
        QSettings().setValue(QStringLiteral("browser/sortByUncertainty"), byUncertainty_);
        resort();
    });
    // A person in the middle of reviewing keeps the order across sessions.
    sort_->setCurrentIndex(QSettings().value(QStringLiteral("browser/sortByUncertainty"), false).toBool() ? 1 : 0);
    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) { Q_EMIT currentChanged(imageIndexOfRow(row)); });
    connect(doc_, &LabelDocument::documentReset, this, &ImageBrowser::rebuild);
    connect(doc_, &LabelDocument::annotationsChanged, this, &ImageBrowser::refreshImage);
}

ImageBrowser::~ImageBrowser() {
    if (thumbTask_) thumbTask_->cancel();
    pool_->waitForDone();
}

QString ImageBrowser::itemText(const ProjectImage& img) const {
    int n = 0;
    for (const auto& a : doc_->project().annotations) n += a.imageId == img.id;
    QString text = tr("%1\n%2 · %n annotation(s)", nullptr, n).arg(QString::fromStdString(img.fileName), statusName(img.status));
    if (const auto u = reviewPriority(doc_->project(), img.id))
        text += tr(" · %1 % disputed").arg(100.0 * *u, 0, 'f', 1);
    return text;
}

void ImageBrowser::rebuild() {
    thumbs_.clear();
    list_->blockSignals(true);
    list_->clear();
    for (const auto& img : doc_->project().images) {
        auto* item = new QListWidgetItem(badged({}, img.status), itemText(img));
        item->setData(Qt::UserRole, qint64(img.id));
        list_->addItem(item);
    }
    list_->blockSignals(false);
    resort();
    requestThumbnails();
}

void ImageBrowser::resort() {
    const auto& images = doc_->project().images;
    std::vector<int64_t> order;
    if (byUncertainty_) {
        order = reviewQueue(doc_->project());
        std::set<int64_t> queued(order.begin(), order.end());
        for (const auto& img : images)
            if (!queued.count(img.id)) order.push_back(img.id);
    } else {
        for (const auto& img : images) order.push_back(img.id);
    }
    const int current = currentIndex();
    list_->blockSignals(true);
    std::map<int64_t, QListWidgetItem*> items;
    while (list_->count() > 0) {
        QListWidgetItem* item = list_->takeItem(0);
        items[item->data(Qt::UserRole).toLongLong()] = item;
    }
    for (int64_t id : order) {
        auto it = items.find(id);
        if (it == items.end()) continue;
        list_->addItem(it->second);
        items.erase(it);
    }
    for (auto& [id, item] : items) delete item;  // images no longer in the project
    for (int i = 0; i < list_->count(); ++i) {
        const int64_t id = list_->item(i)->data(Qt::UserRole).toLongLong();
        if (const ProjectImage* img = doc_->image(id)) list_->item(i)->setText(itemText(*img));
    }
    if (current >= 0 && current < int(images.size())) list_->setCurrentRow(rowOf(images[size_t(current)].id));
    list_->blockSignals(false);
    applyFilter();
}

int ImageBrowser::rowOf(int64_t imageId) const {
    for (int i = 0; i < list_->count(); ++i)
        if (list_->item(i)->data(Qt::UserRole).toLongLong() == imageId) return i;
    return -1;
}

int ImageBrowser::imageIndexOfRow(int row) const {
    if (row < 0 || row >= list_->count()) return -1;
    return doc_->imageIndex(list_->item(row)->data(Qt::UserRole).toLongLong());
}

bool ImageBrowser::filteredOut(const ProjectImage& img) const {
    if (reviewQueue_) {
        for (const auto& a : doc_->project().annotations)
            if (a.imageId == img.id && a.provenance.source == Provenance::Source::Model && !a.provenance.reviewed)
                return false;
        return true;
    }
    return status_ && img.status != *status_;
}

std::vector<int64_t> ImageBrowser::visibleOrder() const {
    std::vector<int64_t> out;
    for (int i = 0; i < list_->count(); ++i)
        if (!list_->item(i)->isHidden()) out.push_back(list_->item(i)->data(Qt::UserRole).toLongLong());
    return out;
}

void ImageBrowser::requestThumbnails() {
    // A new project or order replaces the thumbnails still being made.
    if (thumbTask_) thumbTask_->cancel();
    struct Job {
        int64_t id;
        QString path;
    };
    QVector<Job> jobs;
    for (const auto& img : doc_->project().images) jobs.push_back({img.id, doc_->imagePath(img)});
    thumbTask_ = new Task(tr("Making thumbnails"), this, pool_);
    QPointer<ImageBrowser> self(this);
    thumbTask_->start([self, jobs](TaskContext& context) {
        for (const Job& j : jobs) {
            if (context.cancelled()) return;
            QImage thumb;
            QString error;
            try {
                const cv::Mat rgb = loadImageRgb(j.path.toStdString());
                const double s = double(kThumb) / std::max(rgb.cols, rgb.rows);
                cv::Mat small;
                cv::resize(rgb, small, cv::Size(std::max(1, int(rgb.cols * s)), std::max(1, int(rgb.rows * s))), 0, 0,
                           cv::INTER_AREA);
                thumb = QImage(small.data, small.cols, small.rows, int(small.step), QImage::Format_RGB888).copy();
            } catch (const std::exception& e) {
                error = QString::fromStdString(e.what());
            }
            context.deliver([self, id = j.id, thumb, error] {
                if (!self) return;
                self->thumbs_.insert(id, thumb);
                for (int i = 0; i < self->list_->count(); ++i) {
                    QListWidgetItem* item = self->list_->item(i);
                    if (item->data(Qt::UserRole).toLongLong() != id) continue;
                    if (!error.isEmpty()) item->setToolTip(error);
                    self->refreshImage(id);
                }
            });
        }
    });
}

void ImageBrowser::refreshImage(int64_t imageId) {
    const ProjectImage* img = doc_->image(imageId);
    const int row = rowOf(imageId);
    if (!img || row < 0) return;
    QListWidgetItem* item = list_->item(row);
    item->setIcon(badged(thumbs_.value(imageId), img->status));
    item->setText(itemText(*img));
    item->setHidden(filteredOut(*img) && row != list_->currentRow());
}

void ImageBrowser::applyFilter() {
    for (int i = 0; i < list_->count(); ++i) {
        const ProjectImage* img = doc_->image(list_->item(i)->data(Qt::UserRole).toLongLong());
        list_->item(i)->setHidden(img && filteredOut(*img));
    }
}

int ImageBrowser::visibleCount() const {
    int n = 0;
    for (int i = 0; i < list_->count(); ++i) n += !list_->item(i)->isHidden();
    return n;
}

int ImageBrowser::currentIndex() const { return imageIndexOfRow(list_->currentRow()); }

void ImageBrowser::setCurrentIndex(int imageIndex) {
    const auto& images = doc_->project().images;
    if (imageIndex < 0 || imageIndex >= int(images.size())) return;
    const int row = rowOf(images[size_t(imageIndex)].id);
    if (row < 0) return;
    list_->setCurrentRow(row);
}

void ImageBrowser::step(int delta) {
    for (int i = list_->currentRow() + delta; i >= 0 && i < list_->count(); i += delta) {
        if (!list_->item(i)->isHidden()) {
            list_->setCurrentRow(i);
            return;
        }
    }
}

void ImageBrowser::setFilter(std::optional<ImageStatus> status) {
    filter_->setCurrentIndex(status ? filter_->findData(int(*status)) : 0);
}

void ImageBrowser::setReviewQueueFilter() { filter_->setCurrentIndex(filter_->findData(kReviewQueueFilter)); }

void ImageBrowser::setSortByUncertainty(bool on) { sort_->setCurrentIndex(on ? 1 : 0); }

}  // namespace ld
