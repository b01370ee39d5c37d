// Autosave and crash recovery: edits reach a recovery file; a window destroyed without
// closing (as by kill -9) leaves it behind, and the next window restores every
// annotation from it; saving removes it; a failed save names the file and the document
// stays dirty.
#include "core/synthetic_scene.h"
#include "ui/annotation_editor.h"
#include "ui/autosave.h"
#include "ui/edit_commands.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"

#include <QApplication>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <cstdio>
#include <unistd.h>

using namespace ld;

namespace {
// The child process of killedProcessIsRecovered: edits, lets the autosave timer write,
// says so on stdout, and waits to be killed.
int crashChild(int argc, char** argv) {
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    MainWindow w;
    QSignalSpy shown(&w, &MainWindow::imageShown);
    w.openPath(qEnvironmentVariable("LABELDIFF_CRASH_CHILD"));
    if (!shown.wait(10000)) return 2;
    const int64_t cat = w.promptPanel()->addCategory("crash");
    if (!w.editor()->stroke({{30, 30}}, 6, false, cat)) return 3;
    QSignalSpy saved(w.autosave(), &Autosave::saved);
    w.autosave()->setInterval(50);
    if (!saved.wait(5000)) return 4;
    std::printf("autosaved\n");
    std::fflush(stdout);
    return app.exec();
}
}  // namespace

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
        QSignalSpy restored(&w, &MainWindow::opened);
        QSignalSpy shown(&w, &MainWindow::imageShown);
        w.offerRecovery();  // unattended: restores without asking
        QCOMPARE(restored.count(), 1);
        QVERIFY(QFile::exists(recoveryFile));  // until the restored state is saved
        QVERIFY(!shown.wait(300));             // the image that may have crashed it is not reopened
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

    void killedProcessIsRecovered() {
        QDir(Autosave::recoveryDir()).removeRecursively();
        QTemporaryDir images;
        writeSyntheticDataset(images.path().toStdString(), 1, 80, 64, 9);
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("LABELDIFF_CRASH_CHILD", images.path());
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.insert("LABELDIFF_UNATTENDED", "1");
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForStarted(10000));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += child.readAllStandardOutput()).contains("autosaved") ||
                                     child.state() == QProcess::NotRunning,
                                 20000);
        QCOMPARE(child.state(), QProcess::Running);
        ::kill(pid_t(child.processId()), SIGKILL);
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);

        const QList<Recovery> pending = Autosave::pending();
        QCOMPARE(pending.size(), 1);
        QCOMPARE(pending.front().projectPath, QDir(images.path()).filePath("project.labeldiff"));
        MainWindow w;
        QSignalSpy opened(&w, &MainWindow::opened);
        w.offerRecovery();
        QCOMPARE(opened.count(), 1);
        QCOMPARE(w.document()->project().annotations.size(), size_t(1));
        QCOMPARE(w.document()->project().categories.front().name, std::string("crash"));
        w.document()->undoStack()->clear();
        QVERIFY(w.save());
    }

    // Two instances with the same project: each writes and deletes only its own recovery
    // file, and neither is offered for recovery while its owner runs.
    void twoInstancesKeepTheirOwnFiles() {
        QDir(Autosave::recoveryDir()).removeRecursively();
        LabelDocument a, b;
        Autosave sa(&a), sb(&b);
        const QString path = dir_.filePath("shared.labeldiff");
        a.reset(Project{}, path, dir_.path(), true);
        b.reset(Project{}, path, dir_.path(), true);
        QVERIFY(a.isDirty() && b.isDirty());
        QVERIFY(sa.saveNow());
        QVERIFY(sb.saveNow());
        const QString fileA = sa.recoveryFile(), fileB = sb.recoveryFile();
        QVERIFY(fileA != fileB);
        QVERIFY(QFile::exists(fileA) && QFile::exists(fileB));
        QVERIFY(Autosave::pending().isEmpty());
        sb.discard();
        QVERIFY(QFile::exists(fileA));
        QVERIFY(!QFile::exists(fileB));
    }

    // Edits outside the undo stack are edits too: saved by the autosave, asked about on close.
    void settingsEditsMakeTheDocumentDirty() {
        LabelDocument d;
        Autosave autosave(&d);
        QSignalSpy written(&autosave, &Autosave::saved);
        d.reset(Project{}, dir_.filePath("settings.labeldiff"), dir_.path(), false);
        QVERIFY(!d.isDirty());
        d.setThreshold(d.project().threshold);
        QVERIFY(!d.isDirty());
        d.setThreshold(0.3);
        QVERIFY(d.isDirty());
        QVERIFY(autosave.saveNow());
        QCOMPARE(written.count(), 1);
        d.save();
        QVERIFY(!d.isDirty());
        d.addPhraseToHistory("window");
        QVERIFY(d.isDirty());
        d.save();
        d.addPhraseToHistory("window");  // already the latest: nothing changes
        QVERIFY(!d.isDirty());
    }

    // Undone back to what the project file holds, there is nothing to recover: a crash then
    // must not restore the edit the person took back (test_crash_durability found it).
    void undoingToTheSavedStateRemovesTheRecoveryFile() {
        QDir(Autosave::recoveryDir()).removeRecursively();
        LabelDocument d;
        Autosave autosave(&d);
        d.reset(Project{}, dir_.filePath("undone.labeldiff"), dir_.path(), false);
        ProjectCategory c;
        c.id = 1;
        c.name = "taken back";
        d.undoStack()->push(new CategoryEditCommand(&d, {c}, "add"));
        QVERIFY(autosave.saveNow());
        const QString file = autosave.recoveryFile();
        QVERIFY(QFile::exists(file));
        d.undoStack()->undo();
        QVERIFY(!d.isDirty());
        QVERIFY(autosave.saveNow());  // what the timer does next
        QVERIFY(!QFile::exists(file));
        // Redone, it is unsaved work again.
        d.undoStack()->redo();
        QVERIFY(autosave.saveNow());
        QVERIFY(QFile::exists(file));
        autosave.discard();
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

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsSet("LABELDIFF_CRASH_CHILD")) return crashChild(argc, argv);
    QApplication app(argc, argv);
    TestAutosave test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_autosave.moc"
