// Autosave and crash recovery: edits reach a recovery file; a window destroyed without
// closing (as by kill -9) leaves it behind, and the next window restores every
// annotation from it; saving removes it; a failed save names the file and the document
// stays dirty.
#include "core/synthetic_scene.h"
#include "ui/annotation_editor.h"
#include "ui/autosave.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"

#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace ld;

class TestAutosave : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QDir(Autosave::recoveryDir()).removeRecursively();
        QVERIFY(dir_.isValid());
        writeSyntheticDataset(dir_.path().toStdString(), 2, 80, 64, 5);
    }

    void recoversAfterACrash() {
        QString recoveryFile;
        {
            auto* w = new MainWindow;
            QSignalSpy shown(w, &MainWindow::imageShown);
            w->openPath(dir_.path());
            QVERIFY(shown.wait(10000));
            const int64_t cat = w->promptPanel()->addCategory("blob");
            QVERIFY(w->editor()->stroke({{10, 10}, {20, 20}}, 3, false, cat));
            QVERIFY(w->document()->isDirty());
            QSignalSpy saved(w->autosave(), &Autosave::saved);
            w->autosave()->setInterval(50);  // the timer, not a direct call, does the work
            QVERIFY(saved.wait(5000));
            recoveryFile = saved.first().first().toString();
            QVERIFY(QFile::exists(recoveryFile));
            // No closeEvent, no save: what a kill -9 leaves.
            delete w;
        }
        QVERIFY(QFile::exists(recoveryFile));
        QVERIFY(!QFile::exists(dir_.filePath("project.labeldiff")));

        const QList<Recovery> pending = Autosave::pending();
        QCOMPARE(pending.size(), 1);
        QCOMPARE(pending.front().projectPath, dir_.filePath("project.labeldiff"));
        QCOMPARE(pending.front().annotations, 1);

        MainWindow w;
        QSignalSpy shown(&w, &MainWindow::imageShown);
        w.offerRecovery();  // offscreen: restores without asking
        QVERIFY(shown.wait(10000));
        const Project& p = w.document()->project();
        QCOMPARE(p.annotations.size(), size_t(1));
        QCOMPARE(p.categories.size(), size_t(1));
        QCOMPARE(p.categories.front().name, std::string("blob"));
        QVERIFY(w.document()->isDirty());

        QVERIFY(w.save());
        QVERIFY(QFile::exists(dir_.filePath("project.labeldiff")));
        QVERIFY(!w.document()->isDirty());
        QVERIFY(Autosave::pending().isEmpty());

        // The saved project opens again with its annotation.
        MainWindow again;
        QSignalSpy opened(&again, &MainWindow::opened);
        again.openPath(dir_.path());
        QVERIFY(opened.wait(10000));
        QCOMPARE(again.document()->project().annotations.size(), size_t(1));
        QVERIFY(!again.document()->isDirty());
    }

    void failedSaveKeepsTheDocumentDirty() {
        MainWindow w;
        QSignalSpy shown(&w, &MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        const int64_t cat = w.promptPanel()->addCategory("thing");
        QVERIFY(w.editor()->stroke({{5, 5}}, 2, false, cat));
        QTemporaryDir tmp;
        QFile blocker(tmp.filePath("not-a-folder"));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        QSignalSpy failed(&w, &MainWindow::failed);
        QVERIFY(!w.save(tmp.filePath("not-a-folder/project.labeldiff")));
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.first().first().toString().contains("not-a-folder"), qPrintable(failed.first().first().toString()));
        QVERIFY(w.document()->isDirty());
        w.document()->undoStack()->clear();
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(TestAutosave)
#include "test_autosave.moc"
