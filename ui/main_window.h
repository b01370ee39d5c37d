#pragma once
// The labelling window. For now it browses a dataset or an image folder with the
// annotations drawn over each image; segmentation and editing arrive with the engine.
#include "core/dataset.h"

#include <QFutureWatcher>
#include <QImage>
#include <QMainWindow>

#include <memory>

class QListWidget;
class QLabel;
class QAction;

namespace ld {

class ImageCanvas;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a dataset file or a folder in the background; `opened` or `failed` follows.
    void openPath(const QString& path);
    const Dataset* dataset() const { return dataset_.get(); }
    ImageCanvas* canvas() const { return canvas_; }
    QListWidget* imageList() const { return list_; }
    int currentImageIndex() const;

signals:
    void opened();
    void failed(const QString& message);
    void imageShown(int index);

public slots:
    void showImage(int index);
    void nextImage();
    void previousImage();

private:
    struct Opened;
    struct Rendered;
    void buildMenus();
    void onOpened();
    void onRendered();
    void report(const QString& message);

    ImageCanvas* canvas_;
    QListWidget* list_;
    QLabel* statusImage_;
    QAction* overlaysAction_;
    std::shared_ptr<const Dataset> dataset_;
    QFutureWatcher<std::shared_ptr<Opened>> openWatcher_;
    QFutureWatcher<std::shared_ptr<Rendered>> renderWatcher_;
    int pendingIndex_ = -1;  // a request that arrived while another image was rendering
};

}  // namespace ld
