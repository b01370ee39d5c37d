// labeldiff-cli segment, the real binary on a tiny model directory written by the test:
// masks at the original size for every phrase (given or from a caption), soft and
// uncertainty maps, the trajectory frames, the semantic map, a COCO file that core reads
// back, one JSON line per phrase with timings — and clear errors for bad input.
#include "core/formats/dataset_format.h"
#include "core/image.h"

#include "support/cli_process.h"
#include "support/tiny_model.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

class TestCliSegment : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString model_, image_;

private slots:
    void initTestCase() {
        model_ = QString::fromStdString(ld::test::writeTinyModel((dir_.path() + "/model").toStdString()));
        cv::Mat rgb(30, 45, CV_8UC3);
        cv::randu(rgb, cv::Scalar(0, 0, 0), cv::Scalar(255, 255, 255));
        image_ = dir_.filePath("image.png");
        ld::saveImage(image_.toStdString(), rgb);
    }

    // A DiT denoiser (transformer/) runs through the same command.
    void segmentsWithADitModel_data() {
        QTest::addColumn<QString>("denoiser");
        QTest::newRow("PixArt") << "pixart";
        QTest::newRow("SD3") << "sd3";
    }
    void segmentsWithADitModel() {
        QFETCH(QString, denoiser);
        ld::test::TinyModelSpec spec;
        spec.denoiser = denoiser.toStdString();
        const QString model = QString::fromStdString(
            ld::test::writeTinyModel((dir_.path() + "/dit-" + denoiser).toStdString(), spec));
        const QString out = dir_.filePath("dit-" + denoiser + ".png");
        const auto r = ld::test::runCli({"segment", "--model", model, "--image", image_, "--prompt", "circle", "--steps",
                                         "2", "--guidance", "2", "--out", out, "--threads", "1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        const cv::Mat m = ld::loadImageRgb(out.toStdString());
        QCOMPARE(m.cols, 45);
        QCOMPARE(m.rows, 30);
    }

    void segmentsEveryPhrase() {
        const QString out = dir_.filePath("out");
        QDir().mkpath(out);
        const auto r = ld::test::runCli({"segment", "--model", model_, "--image", image_, "--prompt", "circle",
                                         "--caption", "There is a square near the wall.", "--steps", "3",
                                         "--ensemble", "2", "--seed", "4", "--threshold", "0", "--out", out + "/mask.png", "--soft",
                                         out + "/soft.png", "--uncertainty", out + "/unc.png", "--semantic",
                                         out + "/labels.png", "--trajectory", out + "/traj", "--coco",
                                         out + "/coco.json", "--threads", "1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        const QStringList lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);  // circle, "a square", "the wall"
        const QStringList expected{"circle", "a square", "the wall"};
        for (int k = 0; k < 3; ++k) {
            const QJsonObject line = QJsonDocument::fromJson(lines[k].toUtf8()).object();
            QCOMPARE(line["phrase"].toString(), expected[k]);
            QCOMPARE(line["settings"].toObject()["steps"].toInt(), 3);
            QCOMPARE(line["settings"].toObject()["threshold"].toDouble(), 0.0);
            QCOMPARE(line["area"].toInt(), 45 * 30);
            QCOMPARE(line["timings"].toObject()["step_ms"].toArray().size(), 3);
            QVERIFY(line["timings"].toObject()["total_ms"].toDouble() > 0);
        }
        for (const QString name : {"mask-1-circle.png", "soft-2-a-square.png", "unc-3-the-wall.png", "labels.png"}) {
            const cv::Mat m = ld::loadImageRgb((out + "/" + name).toStdString());
            QCOMPARE(m.cols, 45);
            QCOMPARE(m.rows, 30);
        }
        QCOMPARE(QDir(out + "/traj/1-circle").entryList({"step_*.png"}).size(), 3);
        QCOMPARE(QDir(out + "/traj/3-the-wall").entryList({"step_*.png"}).size(), 3);
        const ld::Dataset d = ld::findDatasetFormat("coco")->read((out + "/coco.json").toStdString(), {"", false});
        QCOMPARE(int(d.categories.size()), 3);
        QCOMPARE(d.images.at(0).width, 45);
        QCOMPARE(int(d.annotations.size()), 3);  // τ = 0: every mask is the whole image
        // Each annotation is the binary mask of its phrase: same pixel count as the PNG.
        for (const auto& a : d.annotations) {
            const auto& name = d.findCategory(a.categoryId)->name;
            const int k = int(a.categoryId);
            const QString slug = QString::fromStdString(name).replace(' ', '-');
            const cv::Mat m = ld::loadImageRgb(
                QString("%1/mask-%2-%3.png").arg(out).arg(k).arg(slug).toStdString());
            cv::Mat grey;
            cv::extractChannel(m, grey, 0);
            QCOMPARE(int64_t(a.area), int64_t(cv::countNonZero(grey)));
        }
    }

    void badInputFailsCleanly_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no phrase") << QStringList{"--image", "IMAGE"} << "no phrase";
        QTest::newRow("missing image") << QStringList{"--image", "/nonexistent.png", "--prompt", "x"} << "nonexistent";
        QTest::newRow("bad steps") << QStringList{"--image", "IMAGE", "--prompt", "x", "--steps", "5000"} << "steps";
        QTest::newRow("bad spacing") << QStringList{"--image", "IMAGE", "--prompt", "x", "--spacing", "up"} << "spacing";
    }
    void badInputFailsCleanly() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        args.replaceInStrings("IMAGE", image_);
        const auto r = ld::test::runCli(QStringList{"segment", "--model", model_} + args);
        QVERIFY(r.exitCode > 0);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }

    // Without --model: $LABELDIFF_MODEL when set (and refused by name when it is no model),
    // else the default model of the source tree or of the installed package.
    void modelDefaults_data() {
        QTest::addColumn<QString>("env");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("expected");  // in the JSON line's model, or in the error
        QTest::newRow("environment") << "@model" << 0 << "@model";
        QTest::newRow("environment not a model") << "/nonexistent-model" << 1 << "/nonexistent-model: $LABELDIFF_MODEL";
        QTest::newRow("shipped default") << "" << 0 << "facade-small";
    }
    void modelDefaults() {
        QFETCH(QString, env);
        QFETCH(int, exitCode);
        QFETCH(QString, expected);
        env.replace("@model", model_);
        expected.replace("@model", model_);
        const auto r = ld::test::runCli({"segment", "--image", image_, "--prompt", "circle", "--steps", "1",
                                         "--threads", "1"}, 300000, {{"LABELDIFF_MODEL", env}});
        QCOMPARE(r.exitCode, exitCode);
        if (exitCode == 0) {
            const QJsonObject line = QJsonDocument::fromJson(r.out.toUtf8()).object();
            QVERIFY2(line["model"].toString().contains(expected), qPrintable(r.out));
        } else {
            QVERIFY2(r.err.contains(expected), qPrintable(r.err));
        }
    }

    void corruptModelIsNamed() {
        QTemporaryDir broken;
        const QString path = QString::fromStdString(ld::test::writeTinyModel(broken.filePath("m").toStdString()));
        QFile f(path + "/unet/diffusion_pytorch_model.safetensors");
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.resize(100);
        f.close();
        const auto r = ld::test::runCli({"segment", "--model", path, "--image", image_, "--prompt", "circle"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("diffusion_pytorch_model.safetensors"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCliSegment)
#include "test_cli_segment.moc"
