// End to end: the real labeldiff-cli binary round-trips COCO128 images through the real
// TAEF2 checkpoint and must reach the reference PSNR; bad invocations fail cleanly.
#include "support/cli_process.h"

#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include <cmath>

class TestCliAutoencodeE2e : public QObject {
    Q_OBJECT

    static QString shared() { return QStringLiteral(LABELDIFF_SHARED_DIR); }


private slots:
    void reconstructsAtReferencePsnr_data() {
        QTest::addColumn<QString>("image");
        QTest::addColumn<double>("expected");
        QTest::newRow("000000000009") << "000000000009" << 26.2;
        QTest::newRow("000000000025") << "000000000025" << 23.3;
        QTest::newRow("000000000030") << "000000000030" << 31.5;
    }
    void reconstructsAtReferencePsnr() {
        QFETCH(QString, image);
        QFETCH(double, expected);
        const QString models = shared() + "/models/taef2";
        const QString input = shared() + "/data/coco128/images/" + image + ".jpg";
        if (!QFileInfo::exists(models) || !QFileInfo::exists(input))
            QSKIP("../shared/models/taef2 or ../shared/data/coco128 is absent");
        QTemporaryDir dir;
        const QString out = dir.filePath(image + "_recon.png");
        const ld::test::CliRun r = ld::test::runCli({"autoencode", "--encoder", models, "--size", "256", "--image", input, "--out", out,
                                 "--device", "cpu", "--dtype", "fp32"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        const QStringList lines = r.out.trimmed().split('\n');
        QVERIFY(!lines.isEmpty());
        const QString last = lines.last().trimmed();
        QVERIFY2(last.startsWith("psnr_db="), qPrintable(r.out));
        bool ok = false;
        const double psnr = last.mid(8).toDouble(&ok);
        QVERIFY(ok);
        QVERIFY2(std::abs(psnr - expected) <= 0.3, qPrintable(QString("PSNR %1, expected %2").arg(psnr).arg(expected)));
        QVERIFY2(r.out.contains("latents: 32x32x32"), qPrintable(r.out));
        const cv::Mat recon = cv::imread(out.toStdString(), cv::IMREAD_COLOR);
        QCOMPARE(recon.cols, 256);
        QCOMPARE(recon.rows, 256);
    }

    void badInvocationsFailCleanly_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("size not /8") << QStringList{"--size", "250"} << "multiple of 8";
        QTest::newRow("missing image") << QStringList{"--image", "/nonexistent/x.jpg"} << "x.jpg";
        QTest::newRow("pickle") << QStringList{"--encoder", "PICKLE"} << ".pth";
        QTest::newRow("fp16 on cpu") << QStringList{"--device", "cpu", "--dtype", "fp16"} << "fp16";
    }
    void badInvocationsFailCleanly() {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const QString models = shared() + "/models/taef2";
        const QString input = shared() + "/data/coco128/images/000000000009.jpg";
        if (!QFileInfo::exists(models) || !QFileInfo::exists(input))
            QSKIP("../shared/models/taef2 or ../shared/data/coco128 is absent");
        QTemporaryDir dir;
        const QString pickle = dir.filePath("taesd_encoder.pth");
        QFile f(pickle);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a pickle");
        f.close();
        QMap<QString, QString> opts{{"--encoder", models}, {"--size", "64"}, {"--image", input},
                                    {"--out", dir.filePath("o.png")}, {"--device", "cpu"}, {"--dtype", "fp32"}};
        for (int i = 0; i + 1 < args.size(); i += 2) opts[args[i]] = args[i + 1] == "PICKLE" ? pickle : args[i + 1];
        QStringList full{"autoencode"};
        for (auto it = opts.begin(); it != opts.end(); ++it) full << it.key() << it.value();
        const ld::test::CliRun r = ld::test::runCli(full);
        QVERIFY2(r.exitCode != 0, qPrintable(r.out));
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(dir.filePath("o.png")));
    }
};

QTEST_GUILESS_MAIN(TestCliAutoencodeE2e)
#include "test_cli_autoencode_e2e.moc"
