// labeldiff-cli label --shard K/N and labeldiff-cli merge, the real binary: the merged
// folder is byte for byte the one an unsharded run writes (instances.json, label-state.json,
// every overlay) — on a tiny model written by the test, over a folder and over a dataset that
// already has annotations, and on the shipped default model over sample photos; a shard
// killed with SIGKILL resumes; the scheduler's variables choose the shard; a missing,
// duplicated, unfinished or mismatched shard is refused with every problem named.
#include "core/default_model.h"
#include "core/error.h"
#include "core/image.h"
#include "core/shard.h"

#include "support/cli_process.h"
#include "support/tiny_model.h"

#include <opencv2/imgproc.hpp>

#include <QDir>
#include <QDirIterator>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

namespace {

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Every file under `dir` by relative path (what a user would copy away).
QMap<QString, QByteArray> folderContent(const QString& dir) {
    QMap<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        out[QDir(dir).relativeFilePath(path)] = fileBytes(path);
    }
    return out;
}

}  // namespace

class TestCliShard : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString model_, images_, labelled_;

    QStringList tinyArgs(const QString& images, const QString& out, const QStringList& prompts) const {
        QStringList a{"label", "--model", model_, "--images", images, "--out", out, "--threshold", "0.5", "--threads", "1"};
        for (const QString& p : prompts) a << "--prompt" << p;
        return a;
    }
    QStringList tinyArgs(const QString& out) const { return tinyArgs(images_, out, {"circle", "square"}); }

    static void runOk(const QStringList& args, const QList<QPair<QString, QString>>& env = {}) {
        const auto r = ld::test::runCli(args, 600000, env);
        QVERIFY2(r.exitCode == 0, qPrintable(args.join(' ') + "\n" + r.err));
    }

    // The shards' folders merged into `merged` equal the unsharded folder `whole`.
    static void compareMerged(const QString& whole, const QString& merged) {
        const auto a = folderContent(whole), b = folderContent(merged);
        QCOMPARE(b.keys(), a.keys());
        for (const QString& name : a.keys()) QVERIFY2(a[name] == b[name], qPrintable(name + " differs"));
        QVERIFY(a.contains("instances.json") && a.contains("label-state.json"));
    }

private slots:
    void initTestCase() {
        model_ = QString::fromStdString(ld::test::writeTinyModel((dir_.path() + "/model").toStdString()));
        images_ = dir_.filePath("images");
        QDir().mkpath(images_ + "/sub");
        cv::RNG rng(11);
        // a.png and a.jpg share a stem: overlay names must not depend on which shard labels them.
        for (const char* name : {"a.png", "a.jpg", "b.png", "c.png", "d.png", "e.png", "sub/f.png", "sub/g.png"}) {
            cv::Mat rgb(36, 48, CV_8UC3);
            rng.fill(rgb, cv::RNG::UNIFORM, 0, 255);
            cv::circle(rgb, {20, 18}, 9, cv::Scalar(250, 250, 250), -1);
            ld::saveImage((images_ + "/" + name).toStdString(), rgb);
        }
        // A dataset with a person's (here: an earlier run's) annotations, to be continued.
        // It lies beside its images, as a folder the user continues.
        runOk(tinyArgs(images_, dir_.filePath("first-run"), {"circle"}));
        labelled_ = dir_.filePath("labelled");
        QDir().mkpath(labelled_);
        for (const QString& f : QDir(images_).entryList(QDir::Files)) QVERIFY(QFile::copy(images_ + "/" + f, labelled_ + "/" + f));
        QVERIFY(QFile::copy(dir_.filePath("first-run/instances.json"), labelled_ + "/instances.json"));
    }

    void mergedEqualsUnshardedRun_data() {
        QTest::addColumn<QString>("input");  // images, labelled
        QTest::addColumn<int>("shards");
        QTest::newRow("folder, 3 shards") << "images" << 3;
        QTest::newRow("folder, 2 shards") << "images" << 2;
        QTest::newRow("folder, 8 shards (some empty)") << "images" << 8;
        QTest::newRow("dataset with annotations, 3 shards") << "labelled" << 3;
    }
    void mergedEqualsUnshardedRun() {
        QFETCH(QString, input);
        QFETCH(int, shards);
        QTemporaryDir tmp;
        const QString images = input == "images" ? images_ : labelled_;
        const QStringList prompts = input == "images" ? QStringList{"circle", "square"} : QStringList{"square", "circle"};
        runOk(tinyArgs(images, tmp.filePath("whole"), prompts));
        QStringList mergeArgs{"merge", tmp.filePath("merged")};
        for (int k = 0; k < shards; ++k) {
            const QString out = tmp.filePath(QString("shard-%1").arg(k));
            runOk(tinyArgs(images, out, prompts) + QStringList{"--shard", QString("%1/%2").arg(k).arg(shards)});
            mergeArgs << out;
        }
        const auto r = ld::test::runCli(mergeArgs);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("\"not_labelled\":0"), qPrintable(r.out));
        compareMerged(tmp.filePath("whole"), tmp.filePath("merged"));
    }

    // The shipped model on three sample photos: real masks, every class, two shards.
    void defaultModelMergedEqualsUnshardedRun() {
        std::string model;
        try {
            model = ld::defaultModelDirectory().string();
        } catch (const ld::Error& e) {
            QSKIP(qPrintable(QString("the default model is not found: ") + e.what()));
        }
        QTemporaryDir tmp;
        const QString images = tmp.filePath("photos");
        QDir().mkpath(images);
        for (const char* name : {"facade_1.jpg", "facade_2.jpg", "facade_3.jpg"})
            QVERIFY(QFile::copy(QString(LABELDIFF_SOURCE_DIR "/resources/samples/") + name, images + "/" + name));
        const QStringList base{"label", "--model", QString::fromStdString(model), "--images", images, "--threads", "1"};
        runOk(base + QStringList{"--out", tmp.filePath("whole")});
        runOk(base + QStringList{"--out", tmp.filePath("s0"), "--shard", "0/2"});
        runOk(base + QStringList{"--out", tmp.filePath("s1"), "--shard", "1/2"});
        runOk({"merge", tmp.filePath("merged"), tmp.filePath("s1"), tmp.filePath("s0")});  // any order
        compareMerged(tmp.filePath("whole"), tmp.filePath("merged"));
        QVERIFY(fileBytes(tmp.filePath("whole/instances.json")).contains("\"segmentation\""));
    }

    // SIGKILL once the shard's first image is on disk: merge refuses the unfinished shard and
    // says how to continue it; --resume finishes it and the merge equals the unsharded run.
    void killedShardResumes() {
        QTemporaryDir tmp;
        runOk(tinyArgs(tmp.filePath("whole")));
        int biggest = 0, size = 0;
        for (int k = 0; k < 3; ++k) {
            int n = 0;
            for (const QString& f : QDir(images_).entryList(QDir::Files))
                n += ld::shardOwns({k, 3}, f.toStdString()) ? 1 : 0;
            if (n > size) size = n, biggest = k;
        }
        QVERIFY2(size >= 2, "no shard of three has two images to kill between");
        QStringList mergeArgs{"merge", tmp.filePath("merged")};
        for (int k = 0; k < 3; ++k) {
            const QString out = tmp.filePath(QString("shard-%1").arg(k));
            mergeArgs << out;
            if (k != biggest) {
                runOk(tinyArgs(out) + QStringList{"--shard", QString("%1/3").arg(k)});
                continue;
            }
            QProcess p;
            p.start(QStringLiteral(LABELDIFF_CLI),
                    tinyArgs(out) + QStringList{"--shard", QString("%1/3").arg(k), "--save-every", "1"});
            QVERIFY(p.waitForStarted());
            while (p.state() != QProcess::NotRunning && !p.canReadLine()) p.waitForReadyRead(50);
            p.kill();
            p.waitForFinished();
        }
        const auto refused = ld::test::runCli(mergeArgs);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QString("shard-%1 (shard %1/3): stopped before its last image").arg(biggest)) &&
                     refused.err.contains("--resume"),
                 qPrintable(refused.err));
        QVERIFY(!QFile::exists(tmp.filePath("merged/instances.json")));
        const QString out = tmp.filePath(QString("shard-%1").arg(biggest));
        // Continued as another shard: refused, the stopped run is not silently mixed.
        const auto other = ld::test::runCli(tinyArgs(out) + QStringList{"--shard", QString("%1/3").arg((biggest + 1) % 3), "--resume"});
        QCOMPARE(other.exitCode, 1);
        QVERIFY2(other.err.contains("the stopped run labelled shard"), qPrintable(other.err));
        runOk(tinyArgs(out) + QStringList{"--shard", QString("%1/3").arg(biggest), "--resume"});
        runOk(mergeArgs);
        compareMerged(tmp.filePath("whole"), tmp.filePath("merged"));
    }

    // The variables Slurm array jobs and Kubernetes indexed jobs set give the same shards as --shard.
    void schedulerVariablesChooseTheShard() {
        QTemporaryDir tmp;
        runOk(tinyArgs(tmp.filePath("whole")));
        const QString s0 = tmp.filePath("slurm-task-1"), s1 = tmp.filePath("k8s-index-1");
        // --array=1-2: task ids 1 and 2 are shards 0/2 and 1/2.
        runOk(tinyArgs(s0), {{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "2"}, {"SLURM_ARRAY_TASK_MIN", "1"},
                             {"JOB_COMPLETION_INDEX", ""}});
        runOk(tinyArgs(s1) + QStringList{"--shard-count", "2"},
              {{"SLURM_ARRAY_TASK_ID", ""}, {"JOB_COMPLETION_INDEX", "1"}});
        QVERIFY(fileBytes(s0 + "/label-state.json").contains("\"index\": 0"));
        QVERIFY(fileBytes(s1 + "/label-state.json").contains("\"index\": 1"));
        runOk({"merge", tmp.filePath("merged"), s0, s1});
        compareMerged(tmp.filePath("whole"), tmp.filePath("merged"));
        // --shard 0/1 overrides the environment: one shard is the unsharded run.
        runOk(tinyArgs(tmp.filePath("override")) + QStringList{"--shard", "0/1"},
              {{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "2"}});
        compareMerged(tmp.filePath("whole"), tmp.filePath("override"));
    }

    void badShardSetsAreRefused() {
        QTemporaryDir tmp;
        const QString s0 = tmp.filePath("s0"), s1 = tmp.filePath("s1"), seed = tmp.filePath("s1-seed9"),
                      whole = tmp.filePath("whole");
        runOk(tinyArgs(s0) + QStringList{"--shard", "0/3"});
        runOk(tinyArgs(s1) + QStringList{"--shard", "1/3"});
        runOk(tinyArgs(seed) + QStringList{"--shard", "1/3", "--seed", "9"});
        runOk(tinyArgs(whole));
        struct Case {
            QStringList dirs;
            QStringList expected;
        };
        const QList<Case> cases{
            {{s0, s1}, {"missing shard 2/3"}},
            {{s0, s1, s1}, {"the same shard as", "(duplicate)", "missing shard 2/3"}},
            {{s0, seed}, {"labelled with other options", "missing shard 2/3"}},
            {{s0, whole}, {"an unsharded run"}},
            {{s0, tmp.filePath("nowhere")}, {"no label-state.json"}},
        };
        for (const Case& c : cases) {
            const auto r = ld::test::runCli(QStringList{"merge", tmp.filePath("merged")} + c.dirs);
            QCOMPARE(r.exitCode, 1);
            for (const QString& e : c.expected) QVERIFY2(r.err.contains(e), qPrintable(e + " not in: " + r.err));
            QVERIFY(!QFile::exists(tmp.filePath("merged/instances.json")));
        }
        const auto bad = ld::test::runCli(tinyArgs(tmp.filePath("bad")) + QStringList{"--shard", "3/3"});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains("shards count from 0"), qPrintable(bad.err));
    }
};

QTEST_GUILESS_MAIN(TestCliShard)
#include "test_cli_shard.moc"
