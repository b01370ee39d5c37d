// labeldiff-cli convert and stats, run as the real binary: a conversion that matches the
// golden file, failures that exit non-zero, name the file and leave no output behind,
// and the stats summary as text and JSON.
#include "support/cli_process.h"

#include <QtTest>

#include <nlohmann/json.hpp>

namespace {

const QString kData = QStringLiteral(LABELDIFF_TEST_DATA) + "/coco/";
const QString kShared = QStringLiteral(LABELDIFF_SHARED_DIR) + "/data/";

ld::test::CliRun cli(const QStringList& args) { return ld::test::runCli(args, 120000); }

QByteArray slurp(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TestCliConvert : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void convertMatchesGolden_data();
    void convertMatchesGolden();
    void convertFails_data();
    void convertFails();
    void failureKeepsPreviousOutput();
    void stats();
    void statsJson();
    void convertCoco128();
};

void TestCliConvert::initTestCase() {
    QVERIFY2(QFileInfo::exists(LABELDIFF_CLI), LABELDIFF_CLI);
}

void TestCliConvert::convertMatchesGolden_data() {
    QTest::addColumn<QString>("segmentation");
    QTest::addColumn<QString>("expected");
    QTest::newRow("rle") << "rle" << "oddities.rle.expected.json";
    QTest::newRow("polygon") << "polygon" << "oddities.polygon.expected.json";
}

void TestCliConvert::convertMatchesGolden() {
    QFETCH(QString, segmentation);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const QString out = tmp.filePath("out.json");
    const ld::test::CliRun r = cli({"convert", "--from", "coco", "--to", "coco", "--segmentation", segmentation,
                       kData + "oddities.json", out});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(slurp(out), slurp(kData + expected));
    // The warnings summary names each oddity with its count.
    QVERIFY2(r.err.contains("warnings reading"), qPrintable(r.err));
    QVERIFY2(r.err.contains("1 × category id 0"), qPrintable(r.err));
    QVERIFY2(r.err.contains("2 × image file missing on disk"), qPrintable(r.err));
    QVERIFY2(r.err.contains("1 × background category dropped"), qPrintable(r.err));
    QVERIFY(r.out.contains("wrote"));
}

void TestCliConvert::convertFails_data() {
    QTest::addColumn<QStringList>("args");  // INPUT/OUTPUT appended; {bad} is a malformed file
    QTest::addColumn<QString>("message");
    QTest::newRow("malformed input") << QStringList{"--from", "coco", "--to", "coco", "{bad}"} << "bad.json";
    QTest::newRow("missing input") << QStringList{"--from", "coco", "--to", "coco", "{missing}"} << "nothing.json";
    QTest::newRow("unknown format") << QStringList{"--from", "coco", "--to", "yolo-txt", "{good}"} << "yolo-txt";
    QTest::newRow("undetectable input") << QStringList{"--to", "coco", "{text}"} << "--from";
}

void TestCliConvert::convertFails() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QTemporaryDir tmp;
    QFile bad(tmp.filePath("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(R"({"images": [{"id": 1, "file_name": "a.png", "width": 4, "height": 4}], "categories": [{"id": 1, "name": "a"}],
                 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [4, 4], "counts": [3]}})");
    bad.close();
    QFile text(tmp.filePath("notes.txt"));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("not a dataset");
    text.close();
    const QString out = tmp.filePath("out.json");
    for (QString& a : args) {
        a.replace("{bad}", bad.fileName());
        a.replace("{missing}", tmp.filePath("nothing.json"));
        a.replace("{good}", kData + "oddities.json");
        a.replace("{text}", text.fileName());
    }
    args.prepend("convert");
    args << out;
    const ld::test::CliRun r = cli(args);
    QVERIFY2(r.exitCode != 0, qPrintable(r.err));
    QVERIFY2(r.err.contains("error"), qPrintable(r.err));
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY2(!QFileInfo::exists(out), "no partial output");
    QCOMPARE(QDir(tmp.path()).entryList(QDir::Files | QDir::Hidden).size(), 2);
}

void TestCliConvert::failureKeepsPreviousOutput() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("out.json");
    QFile prev(out);
    QVERIFY(prev.open(QIODevice::WriteOnly));
    prev.write("previous");
    prev.close();
    QFile bad(tmp.filePath("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{\"images\": [");
    bad.close();
    const ld::test::CliRun r = cli({"convert", "--from", "coco", "--to", "coco", bad.fileName(), out});
    QVERIFY(r.exitCode != 0);
    QVERIFY2(r.err.contains("bad.json") && r.err.contains("line 1"), qPrintable(r.err));
    QCOMPARE(slurp(out), QByteArray("previous"));
}

void TestCliConvert::stats() {
    const ld::test::CliRun r = cli({"stats", kData + "oddities.json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("(coco)"), qPrintable(r.out));
    QVERIFY2(r.out.contains("images:      3 (3 with annotations)"), qPrintable(r.out));
    QVERIFY2(r.out.contains("annotations: 9"), qPrintable(r.out));
    QVERIFY2(r.out.contains("categories:  6"), qPrintable(r.out));
    QVERIFY2(QRegularExpression(R"(\bcat\s+3 instances in 2 images \(1 crowd\))").match(r.out).hasMatch(),
             qPrintable(r.out));
    QVERIFY2(r.out.contains("3 × string id mapped to an integer"), qPrintable(r.out));
}

void TestCliConvert::statsJson() {
    const ld::test::CliRun r = cli({"stats", "--json", "--format", "coco", kData + "oddities.json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["images"].get<int>(), 3);
    QCOMPARE(j["annotations"].get<int>(), 9);
    QCOMPARE(j["crowd_annotations"].get<int>(), 1);
    QCOMPARE(int(j["categories"].size()), 6);
    int dogs = -1;
    for (const auto& c : j["categories"])
        if (c["name"] == "dog") dogs = c["instances"];
    QCOMPARE(dogs, 3);
    QCOMPARE(j["warnings"]["image file missing on disk"].get<int>(), 2);
    QCOMPARE(j["warnings"]["duplicate category name"].get<int>(), 1);
}

void TestCliConvert::convertCoco128() {
    const QString in = kShared + "coco128/instances.json";
    if (!QFileInfo::exists(in)) QSKIP("../shared/data/coco128 is absent");
    QTemporaryDir tmp;
    const QString out = tmp.filePath("coco128.json");
    ld::test::CliRun r = cli({"convert", "--from", "coco", "--to", "coco", "--segmentation", "rle", in, out});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const auto j = nlohmann::json::parse(slurp(out).toStdString());
    QCOMPARE(int(j["annotations"].size()), 939);
    for (const auto& a : j["annotations"]) QVERIFY(a["segmentation"]["counts"].is_string());
    r = cli({"stats", "--json", out});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const auto s = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(s["rle_annotations"].get<int>(), 939);
    QCOMPARE(s["images"].get<int>(), 128);
}

QTEST_GUILESS_MAIN(TestCliConvert)
#include "test_cli_convert.moc"
