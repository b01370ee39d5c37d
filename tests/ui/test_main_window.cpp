// The main window driven offscreen: open a folder with a dataset, browse, toggle the
// annotation layer, and survive bad input with a message.
#include "core/dataset_format.h"
#include "core/synthetic_scene.h"
#include "ui/image_canvas.h"
#include "ui/main_window.h"

#include <QFile>
#include <QListWidget>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        ld::Dataset ds = ld::writeSyntheticDataset(dir_.path().toStdString(), 3, 160, 120, 7);
        ld::findDatasetFormat("coco")->write(ds, (dir_.path() + "/instances.json").toStdString(), {});
    }

    void opensFolderWithDataset() {
        ld::MainWindow w;
        QSignalSpy opened(&w, &ld::MainWindow::opened);
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(opened.wait(10000));
        QCOMPARE(w.imageList()->count(), 3);
        QVERIFY(w.dataset() && !w.dataset()->annotations.empty());
        QVERIFY(shown.count() > 0 || shown.wait(10000));
        QVERIFY(w.canvas()->hasImage());
        QCOMPARE(w.canvas()->image().size(), QSize(160, 120));
    }

    void annotationLayerChangesPixels() {
        ld::MainWindow w;
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        const QImage withOverlay = w.canvas()->image();
        QAction* toggle = nullptr;
        for (QAction* a : w.findChildren<QAction*>())
            if (a->isCheckable() && a->shortcut() == QKeySequence(Qt::Key_A)) toggle = a;
        QVERIFY(toggle);
        toggle->setChecked(false);
        QVERIFY(shown.wait(10000));
        QVERIFY(w.canvas()->image() != withOverlay);
    }

    void nextAndPrevious() {
        ld::MainWindow w;
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        w.nextImage();
        QCOMPARE(w.currentImageIndex(), 1);
        QVERIFY(shown.wait(10000));
        w.previousImage();
        w.previousImage();
        QCOMPARE(w.currentImageIndex(), 0);
    }

    void badInputIsReported_data() {
        QTest::addColumn<QString>("what");
        QTest::newRow("missing folder") << "missing";
        QTest::newRow("corrupt image") << "corrupt";
    }
    void badInputIsReported() {
        QFETCH(QString, what);
        QTemporaryDir bad;
        QString path = bad.path() + "/nothing-here";
        if (what == "corrupt") {
            QFile f(bad.path() + "/broken.png");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("\x89PNG\r\n\x1a\n this is not a png");
            f.close();
            path = bad.path();
        }
        ld::MainWindow w;
        QSignalSpy failed(&w, &ld::MainWindow::failed);
        w.openPath(path);
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.first().first().toString().contains(what == "corrupt" ? "broken.png" : "nothing-here"),
                 qPrintable(failed.first().first().toString()));
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
