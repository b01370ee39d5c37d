// The main window driven offscreen: open a folder with a dataset, browse with the status
// filter, toggle layers, and survive bad input (missing folder, corrupt image, a
// 20000×20000 image, an unreadable folder) with a message naming the file.
#include "core/formats/dataset_format.h"
#include "core/synthetic_scene.h"
#include "png_header.h"
#include "ui/image_browser.h"
#include "ui/image_canvas.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/annotation_editor.h"
#include "ui/language.h"
#include "ui/prompt_panel.h"
#include "ui/shortcuts_dialog.h"
#include "ui/window_host.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QListWidget>
#include <QMenuBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        ld::Dataset ds = ld::writeSyntheticDataset(dir_.path().toStdString(), 3, 160, 120, 7);
        // One image without annotations, for the status filter.
        ds.annotations.erase(std::remove_if(ds.annotations.begin(), ds.annotations.end(),
                                            [&](const ld::Annotation& a) { return a.imageId == ds.images[2].id; }),
                             ds.annotations.end());
        ld::findDatasetFormat("coco")->write(ds, (dir_.path() + "/instances.json").toStdString(), {});
    }

    void opensFolderWithDataset() {
        ld::MainWindow w;
        QSignalSpy opened(&w, &ld::MainWindow::opened);
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(opened.wait(10000));
        QCOMPARE(w.imageList()->count(), 3);
        QVERIFY(!w.document()->project().annotations.empty());
        QVERIFY(shown.count() > 0 || shown.wait(10000));
        QVERIFY(w.canvas()->hasImage());
        QCOMPARE(w.canvas()->image().size(), QSize(160, 120));
        QCOMPARE(w.document()->path(), QDir(dir_.path()).filePath("project.labeldiff"));
    }

    void annotationLayerChangesPixels() {
        ld::MainWindow w;
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        const QImage withOverlay = w.canvas()->renderedImage();
        QAction* toggle = w.action("showAnnotations");
        QVERIFY(toggle);
        QCOMPARE(toggle->shortcut(), QKeySequence(Qt::Key_A));
        toggle->setChecked(false);
        const QImage without = w.canvas()->renderedImage();
        QVERIFY(without != withOverlay);
        // Outline-only differs from filled.
        toggle->setChecked(true);
        w.action("showFill")->setChecked(false);
        QVERIFY(w.canvas()->renderedImage() != withOverlay);
        QVERIFY(w.canvas()->renderedImage() != without);
    }

    void nextAndPreviousAndFilter() {
        ld::MainWindow w;
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        QCOMPARE(w.action("nextImage")->shortcut(), QKeySequence(Qt::Key_D));
        w.action("nextImage")->trigger();
        QCOMPARE(w.browser()->currentIndex(), 1);
        QVERIFY(shown.wait(10000));
        QCOMPARE(w.currentImageIndex(), 1);
        w.previousImage();
        w.previousImage();
        QCOMPARE(w.browser()->currentIndex(), 0);

        w.browser()->setFilter(ld::ImageStatus::Unlabelled);
        QCOMPARE(w.browser()->visibleCount(), 1);
        w.browser()->setFilter(ld::ImageStatus::Labelled);
        QCOMPARE(w.browser()->visibleCount(), 2);
        w.browser()->setFilter(std::nullopt);
        QCOMPARE(w.browser()->visibleCount(), 3);
    }

    void zoom() {
        ld::MainWindow w;
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.resize(1000, 800);
        w.show();
        w.openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        w.action("zoomActual")->trigger();
        QCOMPARE(w.canvas()->zoom(), 1.0);
        w.action("zoomIn")->trigger();
        QVERIFY(w.canvas()->zoom() > 1.2);
        w.action("zoomFit")->trigger();
        QVERIFY(w.canvas()->zoom() != 1.25);
    }

    void shortcutSheetListsActions() {
        ld::MainWindow w;
        ld::ShortcutsDialog d(w.menuBar());
        QVERIFY(d.table()->rowCount() > 20);
        bool brush = false;
        for (int r = 0; r < d.table()->rowCount(); ++r) brush |= d.table()->item(r, 2)->text() == QLatin1String("B");
        QVERIFY(brush);
    }

    void languageSwitchKeepsWork() {
        ld::WindowHost host;
        ld::MainWindow* w = host.window();
        QSignalSpy shown(w, &ld::MainWindow::imageShown);
        w->openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        w->nextImage();
        QVERIFY(shown.wait(10000));
        const int64_t cat = w->promptPanel()->addCategory("window");
        QVERIFY(w->editor()->stroke({{20, 20}}, 5, false, cat));
        const size_t annotations = w->document()->project().annotations.size();
        QCOMPARE(w->menuBar()->actions().first()->text(), QString("&File"));

        QSignalSpy replaced(&host, &ld::WindowHost::windowReplaced);
        host.switchLanguage("zh_CN");
        QCOMPARE(replaced.count(), 1);
        ld::MainWindow* z = host.window();
        QSignalSpy shownAgain(z, &ld::MainWindow::imageShown);
        QVERIFY(shownAgain.wait(10000));
        QCOMPARE(z->currentImageIndex(), 1);
        QCOMPARE(z->document()->project().annotations.size(), annotations);
        QVERIFY(z->document()->isDirty());
        QCOMPARE(z->menuBar()->actions().first()->text(), QString::fromUtf8("文件(&F)"));
        host.switchLanguage("en");
        QCOMPARE(host.window()->menuBar()->actions().first()->text(), QString("&File"));
        host.window()->document()->undoStack()->clear();
    }

    void badInputIsReported_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("named");
        QTest::newRow("missing folder") << "missing" << "nothing-here";
        QTest::newRow("corrupt image") << "corrupt" << "broken.png";
        QTest::newRow("huge image") << "huge" << "huge.png";
        QTest::newRow("unreadable folder") << "unreadable" << "locked";
    }
    void badInputIsReported() {
        QFETCH(QString, what);
        QFETCH(QString, named);
        if (what == "unreadable" && geteuid() == 0) QSKIP("running as root: permissions do not apply");
        QTemporaryDir bad;
        QString path = bad.path() + "/nothing-here";
        if (what == "corrupt") {
            QFile f(bad.path() + "/broken.png");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("\x89PNG\r\n\x1a\n this is not a png");
            f.close();
            path = bad.path();
        } else if (what == "huge") {
            QVERIFY(ld::test::writePngHeaderOnly(bad.path() + "/huge.png", 20000, 20000));
            path = bad.path();
        } else if (what == "unreadable") {
            path = bad.path() + "/locked";
            QVERIFY(QDir().mkpath(path));
            QFile::setPermissions(path, QFileDevice::Permissions());
        }
        ld::MainWindow w;
        QSignalSpy failed(&w, &ld::MainWindow::failed);
        w.openPath(path);
        QVERIFY(failed.wait(10000));
        QVERIFY2(failed.first().first().toString().contains(named), qPrintable(failed.first().first().toString()));
        if (what == "unreadable") QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);

        // The window keeps working: a good folder opens afterwards.
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        QVERIFY(w.canvas()->hasImage());
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
