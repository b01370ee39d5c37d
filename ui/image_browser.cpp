#include "ui/image_browser.h"

#include "core/image.h"
#include "ui/label_document.h"

#include <QApplication>
#include <QComboBox>
#include <QListWidget>
#include <QPainter>
#include <QPointer>
#include <QStyle>
#include <QThreadPool>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <opencv2/imgproc.hpp>

#include <atomic>

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

std::atomic<int> gThumbGeneration{0};
}  // namespace

ImageBrowser::ImageBrowser(LabelDocument* doc, QWidget* parent)
    : QWidget(parent), doc_(doc), list_(new QListWidget), filter_(new QComboBox), pool_(new QThreadPool(this)) {
    pool_->setMaxThreadCount(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    filter_->addItem(tr("All images"));
    filter_->addItem(tr("Unlabelled"), int(ImageStatus::Unlabelled));
    filter_->addItem(tr("Labelled"), int(ImageStatus::Labelled));
    filter_->addItem(tr("Reviewed"), int(ImageStatus::Reviewed));
    filter_->setToolTip(tr("Show only images with this status"));
    layout->addWidget(filter_);
    list_->setIconSize(QSize(kThumb, kThumb));
    list_->setUniformItemSizes(true);
    list_->setMinimumWidth(240);
    list_->setWordWrap(true);
    list_->setTextElideMode(Qt::ElideMiddle);
    layout->addWidget(list_, 1);

    connect(filter_, &QComboBox::currentIndexChanged, this, [this](int i) {
        const QVariant v = filter_->itemData(i);
        status_ = v.isValid() ? std::optional<ImageStatus>(ImageStatus(v.toInt())) : std::nullopt;
        applyFilter();
    });
    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) { emit currentChanged(row); });
    connect(doc_, &LabelDocument::documentReset, this, &ImageBrowser::rebuild);
    connect(doc_, &LabelDocument::annotationsChanged, this, &ImageBrowser::refreshImage);
}

ImageBrowser::~ImageBrowser() {
    ++gThumbGeneration;
    pool_->clear();
    pool_->waitForDone();
}

QString ImageBrowser::itemText(const ProjectImage& img) const {
    int n = 0;
    for (const auto& a : doc_->project().annotations) n += a.imageId == img.id;
    return tr("%1\n%2 · %n annotation(s)", nullptr, n).arg(QString::fromStdString(img.fileName), statusName(img.status));
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
    applyFilter();
    requestThumbnails();
}

void ImageBrowser::requestThumbnails() {
    const int gen = ++gThumbGeneration;
    pool_->clear();
    struct Job {
        int64_t id;
        QString path;
    };
    QVector<Job> jobs;
    for (const auto& img : doc_->project().images) jobs.push_back({img.id, doc_->imagePath(img)});
    QPointer<ImageBrowser> self(this);
    QThreadPool* pool = pool_;
    QtConcurrent::run(pool, [self, jobs, gen] {
        for (const Job& j : jobs) {
            if (gen != gThumbGeneration.load()) return;
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
            QMetaObject::invokeMethod(qApp, [self, id = j.id, thumb, error, gen] {
                if (!self || gen != gThumbGeneration.load()) return;
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
    const int row = doc_->imageIndex(imageId);
    if (!img || row < 0 || row >= list_->count()) return;
    QListWidgetItem* item = list_->item(row);
    item->setIcon(badged(thumbs_.value(imageId), img->status));
    item->setText(itemText(*img));
    if (status_) item->setHidden(img->status != *status_ && row != list_->currentRow());
}

void ImageBrowser::applyFilter() {
    const auto& images = doc_->project().images;
    for (int i = 0; i < list_->count() && i < int(images.size()); ++i)
        list_->item(i)->setHidden(status_ && images[size_t(i)].status != *status_);
}

int ImageBrowser::visibleCount() const {
    int n = 0;
    for (int i = 0; i < list_->count(); ++i) n += !list_->item(i)->isHidden();
    return n;
}

int ImageBrowser::currentIndex() const { return list_->currentRow(); }

void ImageBrowser::setCurrentIndex(int imageIndex) {
    if (imageIndex >= 0 && imageIndex < list_->count()) list_->setCurrentRow(imageIndex);
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

}  // namespace ld
