#include "ui/main_window.h"

#include "core/error.h"
#include "core/image.h"
#include "core/overlay.h"
#include "core/folder_dataset.h"
#include "ui/image_canvas.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QtConcurrent>

#include <filesystem>

namespace ld {

// Results of background work: either a value or the error text to show.
struct MainWindow::Opened {
    std::shared_ptr<const Dataset> dataset;
    QString error;
};
struct MainWindow::Rendered {
    int index = -1;
    QImage image;
    QString error;
};

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), canvas_(new ImageCanvas), list_(new QListWidget), statusImage_(new QLabel) {
    setWindowTitle(tr("LabelDiff"));
    auto* splitter = new QSplitter;
    list_->setMinimumWidth(180);
    splitter->addWidget(list_);
    splitter->addWidget(canvas_);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);
    statusBar()->addPermanentWidget(statusImage_);
    buildMenus();
    resize(1200, 800);

    connect(list_, &QListWidget::currentRowChanged, this, &MainWindow::showImage);
    connect(&openWatcher_, &QFutureWatcher<std::shared_ptr<Opened>>::finished, this, &MainWindow::onOpened);
    connect(&renderWatcher_, &QFutureWatcher<std::shared_ptr<Rendered>>::finished, this, &MainWindow::onRendered);
}

MainWindow::~MainWindow() {
    // Background jobs hold only shared data, but wait so that none outlives the window.
    openWatcher_.waitForFinished();
    renderWatcher_.waitForFinished();
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* openFolder = file->addAction(tr("Open &Folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a folder of images or a dataset"));
        if (!dir.isEmpty()) openPath(dir);
    });
    openFolder->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open &Dataset File…"), this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Open a dataset"), QString(), tr("Datasets (*.json)"));
        if (!f.isEmpty()) openPath(f);
    });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("Zoom to &Fit"), QKeySequence(Qt::Key_F), canvas_, &ImageCanvas::zoomToFit);
    view->addAction(tr("&Actual Size"), QKeySequence(Qt::Key_1), canvas_, &ImageCanvas::zoomActualSize);
    view->addAction(tr("Zoom &In"), QKeySequence::ZoomIn, canvas_, [this] { canvas_->zoomBy(1.25); });
    view->addAction(tr("Zoom &Out"), QKeySequence::ZoomOut, canvas_, [this] { canvas_->zoomBy(0.8); });
    overlaysAction_ = view->addAction(tr("Show &Annotations"));
    overlaysAction_->setCheckable(true);
    overlaysAction_->setChecked(true);
    overlaysAction_->setShortcut(QKeySequence(Qt::Key_A));
    connect(overlaysAction_, &QAction::toggled, this, [this] { showImage(currentImageIndex()); });
    view->addSeparator();
    view->addAction(tr("&Next Image"), QKeySequence(Qt::Key_D), this, &MainWindow::nextImage);
    view->addAction(tr("&Previous Image"), QKeySequence(Qt::Key_S), this, &MainWindow::previousImage);
}

void MainWindow::openPath(const QString& path) {
    statusBar()->showMessage(tr("Opening %1…").arg(QDir::toNativeSeparators(path)));
    const std::string p = path.toStdString();
    openWatcher_.setFuture(QtConcurrent::run([p]() {
        auto r = std::make_shared<Opened>();
        try {
            r->dataset = std::make_shared<const Dataset>(openDatasetOrFolder(p));
        } catch (const std::exception& e) {
            r->error = QString::fromStdString(e.what());
        }
        return r;
    }));
}

void MainWindow::onOpened() {
    const auto r = openWatcher_.result();
    if (!r->error.isEmpty()) {
        report(r->error);
        return;
    }
    dataset_ = r->dataset;
    list_->blockSignals(true);
    list_->clear();
    for (const ImageInfo& img : dataset_->images) {
        int n = 0;
        for (const Annotation& a : dataset_->annotations) n += a.imageId == img.id;
        list_->addItem(tr("%1  (%n annotation(s))", nullptr, n).arg(QString::fromStdString(img.fileName)));
    }
    list_->blockSignals(false);
    QString message = tr("%n image(s)", nullptr, int(dataset_->images.size()));
    if (!dataset_->warnings.empty())
        message += tr(", %n warning(s) while reading", nullptr, dataset_->warnings.total());
    statusBar()->showMessage(message);
    emit opened();
    if (!dataset_->images.empty()) list_->setCurrentRow(0);
}

int MainWindow::currentImageIndex() const { return list_->currentRow(); }

void MainWindow::showImage(int index) {
    if (!dataset_ || index < 0 || index >= int(dataset_->images.size())) return;
    if (renderWatcher_.isRunning()) {
        pendingIndex_ = index;
        return;
    }
    const auto ds = dataset_;
    const bool overlays = overlaysAction_->isChecked();
    renderWatcher_.setFuture(QtConcurrent::run([ds, index, overlays]() {
        auto r = std::make_shared<Rendered>();
        r->index = index;
        const ImageInfo& info = ds->images[size_t(index)];
        const std::string path = (std::filesystem::path(ds->imagesDir) / info.fileName).string();
        try {
            cv::Mat rgb = loadImageRgb(path);
            if (overlays) rgb = renderOverlay(rgb, *ds, info.id);
            r->image = QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
        } catch (const std::exception& e) {
            r->error = QString::fromStdString(e.what());
        }
        return r;
    }));
}

void MainWindow::onRendered() {
    const auto r = renderWatcher_.result();
    if (pendingIndex_ >= 0) {
        const int next = pendingIndex_;
        pendingIndex_ = -1;
        if (next != r->index) {
            showImage(next);
            return;
        }
    }
    if (!r->error.isEmpty()) {
        report(r->error);
        return;
    }
    canvas_->setImage(r->image);
    const ImageInfo& info = dataset_->images[size_t(r->index)];
    statusImage_->setText(tr("%1 × %2").arg(info.width).arg(info.height));
    emit imageShown(r->index);
}

void MainWindow::nextImage() {
    if (list_->currentRow() + 1 < list_->count()) list_->setCurrentRow(list_->currentRow() + 1);
}

void MainWindow::previousImage() {
    if (list_->currentRow() > 0) list_->setCurrentRow(list_->currentRow() - 1);
}

void MainWindow::report(const QString& message) {
    statusBar()->showMessage(message);
    emit failed(message);
    // Offscreen test runs have no one to click a dialog away.
    if (QGuiApplication::platformName() != QLatin1String("offscreen"))
        QMessageBox::warning(this, tr("LabelDiff"), message);
}

}  // namespace ld
