// The install rules the .deb and .tar.gz are made from: `cmake --install` of this build into
// a temporary prefix holds every file a desktop installation needs, and the installed
// labeldiff-cli, run with no --model, segments with the installed default model (found
// relative to the executable, so the package is relocatable).
#include "support/cli_process.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

class TestInstall : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString prefix_;

    QString installed(const QString& rel) const { return prefix_ + "/" + rel; }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        prefix_ = dir_.filePath("usr");
        QProcess p;
        p.start(QStringLiteral(LABELDIFF_CMAKE), {"--install", LABELDIFF_BINARY_DIR, "--prefix", prefix_});
        QVERIFY(p.waitForFinished(300000));
        QVERIFY2(p.exitCode() == 0, qPrintable(p.readAllStandardError()));
    }

    void installsFile_data() {
        QTest::addColumn<QString>("path");
        for (const char* p : {"bin/labeldiff-cli", "share/labeldiff/models/facade-small/model_card.json",
                              "share/labeldiff/samples/scene_1.png", "share/man/man1/labeldiff-cli.1.gz",
                              "share/doc/labeldiff/copyright", "share/doc/labeldiff/changelog.gz",
                              "share/labeldiff/cluster/submit-label.sh", "share/labeldiff/cluster/train-ddp.sbatch"})
            QTest::newRow(p) << QString(p);
#ifdef LABELDIFF_HAS_GUI
        for (const char* p : {"bin/labeldiff", "share/applications/io.github.labeldiff.LabelDiff.desktop",
                              "share/metainfo/io.github.labeldiff.LabelDiff.metainfo.xml",
                              "share/icons/hicolor/scalable/apps/labeldiff.svg",
                              "share/labeldiff/translations/labeldiff_zh_CN.qm", "share/man/man1/labeldiff.1.gz"})
            QTest::newRow(p) << QString(p);
        for (int size : {16, 32, 48, 64, 128, 256}) {
            const QString p = QString("share/icons/hicolor/%1x%1/apps/labeldiff.png").arg(size);
            QTest::newRow(qPrintable(p)) << p;
        }
#endif
    }
    void installsFile() {
        QFETCH(QString, path);
        const QFileInfo f(installed(path));
        QVERIFY2(f.isFile(), qPrintable(path));
        QVERIFY2(f.size() > 0, qPrintable(path));
    }

    // Every file of the model directory came along, not just its card.
    void installsWholeModel() {
        const QDir source(QStringLiteral(LABELDIFF_SOURCE_DIR "/resources/models/facade-small"));
        const QDir target(installed("share/labeldiff/models/facade-small"));
        QDirIterator it(source.path(), QDir::Files, QDirIterator::Subdirectories);
        int files = 0;
        while (it.hasNext()) {
            const QString rel = source.relativeFilePath(it.next());
            QCOMPARE(QFileInfo(target.filePath(rel)).size(), QFileInfo(source.filePath(rel)).size());
            ++files;
        }
        QVERIFY(files >= 3);
    }

    void installedCliUsesInstalledModel() {
        const QString out = dir_.filePath("mask.png");
        QProcess p;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.remove("LABELDIFF_MODEL");
        p.setProcessEnvironment(e);
        p.start(installed("bin/labeldiff-cli"), {"segment", "--image", installed("share/labeldiff/samples/scene_1.png"),
                                                 "--prompt", "window", "--out", out, "--threads", "1"});
        QVERIFY(p.waitForFinished(300000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(err));
        const QJsonObject line = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QCOMPARE(QDir(line["model"].toString()).canonicalPath(),
                 QDir(installed("share/labeldiff/models/facade-small")).canonicalPath());
        QVERIFY(QFileInfo(out).size() > 0);
    }
};

QTEST_GUILESS_MAIN(TestInstall)
#include "test_install_e2e.moc"
