// labeldiff-cli label, the real binary on a tiny model written by the test: a stopped run
// (by --max-images or by kill -9) continues with --resume to exactly the result of an
// uninterrupted run; a bad image is reported and skipped; overlays of images that share a
// stem do not overwrite each other; a resume with other options is refused.
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/image.h"

#include "support/cli_process.h"
#include "support/tiny_model.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

namespace fs = std::filesystem;

class TestCliLabel : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString model_, images_;

    QStringList labelArgs(const QString& out) const {
        return {"label", "--model", model_, "--images", images_, "--out", out, "--prompt", "circle",
                "--prompt", "square", "--threshold", "0.5", "--threads", "1"};
    }
    QByteArray cocoOf(const QString& out) const {
        QFile f(out + "/instances.json");
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private slots:
    void initTestCase() {
        model_ = QString::fromStdString(ld::test::writeTinyModel((dir_.path() + "/model").toStdString()));
        images_ = dir_.filePath("images");
        QDir().mkpath(images_);
        cv::RNG rng(7);
        // a.png and a.jpg share the stem "a".
        for (const char* name : {"a.png", "a.jpg", "b.png", "c.png", "d.png"}) {
            cv::Mat rgb(40, 56, CV_8UC3);
            rng.fill(rgb, cv::RNG::UNIFORM, 0, 255);
            ld::saveImage((images_ + "/" + name).toStdString(), rgb);
        }
    }

    void uninterruptedRunWritesEveryImage() {
        const QString out = dir_.filePath("whole");
        const auto r = ld::test::runCli(labelArgs(out));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(!cocoOf(out).isEmpty());
        // Five images, two with the stem "a": five overlays.
        QCOMPARE(int(QDir(out + "/overlays").entryList(QDir::Files).size()), 5);
        QVERIFY(QFile::exists(out + "/label-state.json"));
    }

    void resumeAfterMaxImagesEqualsOneRun() {
        const QString out = dir_.filePath("in-two");
        auto first = ld::test::runCli(labelArgs(out) + QStringList{"--max-images", "2"});
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        QVERIFY(cocoOf(out) != cocoOf(dir_.filePath("whole")));
        auto rest = ld::test::runCli(labelArgs(out) + QStringList{"--resume"});
        QVERIFY2(rest.exitCode == 0, qPrintable(rest.err));
        QCOMPARE(rest.out.count("\"image\":"), 3);  // only the images the first part left
        QCOMPARE(cocoOf(out), cocoOf(dir_.filePath("whole")));
    }

    // kill -9 once the first image is on disk (its line is printed after the save): what is
    // on disk loads, and --resume ends with the uninterrupted result.
    void resumeAfterKillEqualsOneRun() {
        const QString out = dir_.filePath("killed");
        QProcess p;
        p.start(QStringLiteral(LABELDIFF_CLI), labelArgs(out) + QStringList{"--save-every", "1"});
        QVERIFY(p.waitForStarted());
        while (p.state() != QProcess::NotRunning && !p.canReadLine()) p.waitForReadyRead(50);
        p.kill();
        p.waitForFinished();
        if (QFile::exists(out + "/instances.json")) {
            ld::ReadOptions ro;
            ro.checkImagesOnDisk = false;
            ld::findDatasetFormat("coco")->read((out + "/instances.json").toStdString(), ro);
        }
        const auto rest = ld::test::runCli(labelArgs(out) + QStringList{"--resume"});
        QVERIFY2(rest.exitCode == 0, qPrintable(rest.err));
        QCOMPARE(cocoOf(out), cocoOf(dir_.filePath("whole")));
    }

    void resumeWithOtherOptionsIsRefused() {
        const QString out = dir_.filePath("whole");
        const auto r = ld::test::runCli(labelArgs(out) + QStringList{"--resume", "--seed", "9"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("other options"), qPrintable(r.err));
        // Killed before its first save, a run left nothing: --resume starts from the beginning.
        const auto none = ld::test::runCli(labelArgs(dir_.filePath("never-ran")) + QStringList{"--resume"});
        QVERIFY2(none.exitCode == 0, qPrintable(none.err));
        QVERIFY2(none.err.contains("starting from the beginning"), qPrintable(none.err));
        QCOMPARE(cocoOf(dir_.filePath("never-ran")), cocoOf(dir_.filePath("whole")));
    }

    void badImageIsSkippedAndReported() {
        QTemporaryDir tmp;
        const QString images = tmp.filePath("images");
        QDir().mkpath(images);
        QVERIFY(QFile::copy(images_ + "/b.png", images + "/good.png"));
        ld::writeFileAtomic((images + "/broken.png").toStdString(), std::string("\x89PNG\r\n\x1a\n garbage", 17));
        const QString out = tmp.filePath("out");
        const auto r = ld::test::runCli({"label", "--model", model_, "--images", images, "--out", out, "--prompt",
                                         "circle", "--threshold", "0.5", "--threads", "1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("broken.png"), qPrintable(r.err));
        QVERIFY(r.out.contains("\"skipped\":1"));
        QVERIFY(r.out.contains("good.png"));
    }
};

QTEST_GUILESS_MAIN(TestCliLabel)
#include "test_cli_label.moc"
