// The dataset format registry: every format listed once, in a fixed order, found by
// name, and detection that picks the right format for real files (and none for junk).
#include "core/formats/dataset_format.h"
#include "core/formats/dataset_formats.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>

using namespace ld;
namespace fs = std::filesystem;

namespace {
const std::string kData = std::string(LABELDIFF_TEST_DATA) + "/";
const std::string kShared = std::string(LABELDIFF_SHARED_DIR) + "/data/";
}  // namespace

class TestFormatRegistry : public QObject {
    Q_OBJECT

private slots:
    void listsEveryFormatOnce();
    void findByName_data();
    void findByName();
    void detect_data();
    void detect();
    void detectRejects_data();
    void detectRejects();
};

void TestFormatRegistry::listsEveryFormatOnce() {
    const auto& all = datasetFormats();
    const std::vector<const DatasetFormat*> expected = {&cocoFormat(), &labelmeFormat(), &maskFolderFormat(),
                                                        &panopticFormat(), &narrativeFormat()};
    QCOMPARE(all, expected);
    std::set<std::string> names;
    for (const DatasetFormat* f : all) {
        QVERIFY(!f->name().empty());
        QVERIFY(!f->description().empty());
        QVERIFY(f->capabilities() >= DatasetFormat::Read && f->capabilities() <= DatasetFormat::ReadWrite);
        QVERIFY2(names.insert(f->name()).second, f->name().c_str());
        QCOMPARE(findDatasetFormat(f->name()), f);
    }
    QCOMPARE(cocoFormat().name(), std::string("coco"));
    QCOMPARE(cocoFormat().capabilities(), int(DatasetFormat::ReadWrite));
}

void TestFormatRegistry::findByName_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("found");
    QTest::newRow("coco") << "coco" << true;
    QTest::newRow("upper case") << "COCO" << true;
    QTest::newRow("labelme") << "labelme" << true;
    QTest::newRow("unknown") << "voc-xml" << false;
    QTest::newRow("empty") << "" << false;
}

void TestFormatRegistry::findByName() {
    QFETCH(QString, name);
    QFETCH(bool, found);
    const DatasetFormat* f = findDatasetFormat(name.toStdString());
    QCOMPARE(f != nullptr, found);
    if (f) QCOMPARE(QString::fromStdString(f->name()).toLower(), name.toLower());
}

void TestFormatRegistry::detect_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("format");
    QTest::newRow("crafted coco") << QString::fromStdString(kData + "coco/oddities.json") << "coco";
    QTest::newRow("coco128 file") << QString::fromStdString(kShared + "coco128/instances.json") << "coco";
    QTest::newRow("coco128 folder") << QString::fromStdString(kShared + "coco128") << "coco";
    QTest::newRow("roboflow facade") << QString::fromStdString(kShared + "facade/train/instances.json") << "coco";
    QTest::newRow("labelme2coco") << QString::fromStdString(kShared + "labelme-examples/labelme2coco_annotations.json")
                                  << "coco";
    QTest::newRow("labelme file") << QString::fromStdString(kShared + "labelme-examples/data_annotated/2011_000003.json")
                                  << "labelme";
}

void TestFormatRegistry::detect() {
    QFETCH(QString, path);
    QFETCH(QString, format);
    if (path.contains("/shared/") && !QFileInfo::exists(path)) QSKIP(qPrintable("shared data absent: " + path));
    const DatasetFormat* f = detectDatasetFormat(path.toStdString());
    QVERIFY2(f, qPrintable(path));
    QCOMPARE(QString::fromStdString(f->name()), format);
}

void TestFormatRegistry::detectRejects_data() {
    QTest::addColumn<QString>("content");  // empty: a path that does not exist
    QTest::newRow("missing path") << "";
    QTest::newRow("not json") << "hello";
    QTest::newRow("json list of numbers") << "[1, 2, 3]";
    QTest::newRow("json without coco keys") << R"({"a": 1})";
}

void TestFormatRegistry::detectRejects() {
    QFETCH(QString, content);
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("x.json").toStdString();
    if (!content.isEmpty()) std::ofstream(path) << content.toStdString();
    QVERIFY(!cocoFormat().supportsPath(path));
    QCOMPARE(detectDatasetFormat(path), nullptr);
}

QTEST_GUILESS_MAIN(TestFormatRegistry)
#include "test_format_registry.moc"
