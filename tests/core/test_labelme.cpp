// labelme JSON: every shape type against a hand-made golden file, agreement with the COCO
// file labelme's own labelme2coco.py wrote (../shared/data/labelme-examples), write/read
// round trips that keep every pixel, and the inputs that must fail with a clear error.
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/formats/format_util.h"
#include "core/json_read.h"
#include "core/polygon.h"
#include "core/segmentation.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

using namespace ld;
namespace fs = std::filesystem;

namespace {

const std::string kGood = std::string(LABELDIFF_TEST_DATA) + "/labelme/good";
const std::string kBad = std::string(LABELDIFF_TEST_DATA) + "/labelme/bad";
const std::string kExamples = std::string(LABELDIFF_SHARED_DIR) + "/data/labelme-examples";

std::string categoryName(const Dataset& d, int64_t id) {
    const Category* c = d.findCategory(id);
    return c ? c->name : "?";
}

BinaryMask rect(int h, int w, int x0, int y0, int x1, int y1) {
    BinaryMask m(h, w);
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) m.set(y, x, true);
    return m;
}

// An image with a polygon, a ring (a hole: polygons cannot hold it), a crowd of two blobs,
// and a one-pixel diagonal line.
Dataset syntheticDataset() {
    Dataset d;
    d.images.push_back({1, "sub/scene.jpg", 20, 16, nlohmann::json::object()});
    d.categories.push_back({1, "a", "", true, std::nullopt});
    d.categories.push_back({7, "tv/monitor", "", true, std::nullopt});
    auto add = [&](int64_t id, int64_t cat, Segmentation s, bool crowd) {
        Annotation a;
        a.id = id;
        a.imageId = 1;
        a.categoryId = cat;
        a.segmentation = std::move(s);
        a.iscrowd = crowd;
        setAreaAndBbox(a, 16, 20);
        d.annotations.push_back(a);
    };
    add(10, 1, Segmentation::fromPolygons({{1.5, 1.2, 8.7, 2.0, 5.1, 7.9}}), false);
    add(11, 7, Segmentation::fromMask(subtract(rect(16, 20, 10, 2, 18, 10), rect(16, 20, 12, 4, 16, 8))), false);
    add(12, 1, Segmentation::fromMask(unite(rect(16, 20, 0, 10, 3, 13), rect(16, 20, 5, 12, 9, 15))), true);
    BinaryMask line(16, 20);
    for (int i = 0; i < 6; ++i) line.set(9 + i, 10 + i, true);
    add(13, 7, Segmentation::fromMask(line), false);
    return d;
}

}  // namespace

class TestLabelme : public QObject {
    Q_OBJECT

private slots:
    void registered() {
        QVERIFY(findDatasetFormat("labelme") == &labelmeFormat());
        QVERIFY(labelmeFormat().supportsPath(kGood));
        QVERIFY(labelmeFormat().supportsPath(kGood + "/scene.json"));
        QVERIFY(!labelmeFormat().supportsPath(std::string(LABELDIFF_TEST_DATA) + "/panoptic/tiny.json"));
    }

    void goldenShapes_data() {
        QTest::addColumn<int>("index");
        QTest::addColumn<QString>("category");
        QTest::addColumn<int>("polygons");   // -1: an RLE
        QTest::addColumn<QVector<double>>("firstPolygon");
        QTest::addColumn<int>("area");       // checked for RLEs
        QTest::newRow("polygon") << 0 << "cat" << 1 << QVector<double>{1, 1, 5, 1, 5, 4, 1, 4} << 0;
        QTest::newRow("rectangle corners sorted") << 1 << "box" << 1 << QVector<double>{2, 5, 6, 5, 6, 8, 2, 8} << 0;
        QTest::newRow("circle as labelme2coco") << 2 << "ball" << 12 << QVector<double>{8, 5} << 0;
        QTest::newRow("group_id joins shapes") << 3 << "dog" << 2 << QVector<double>{0, 5, 2, 5, 2, 7} << 0;
        QTest::newRow("null group_id alone") << 4 << "dog" << 1 << QVector<double>{6, 0, 8, 0, 8, 2} << 0;
        QTest::newRow("same group_id other label") << 5 << "cat" << 1 << QVector<double>{3, 8, 4, 9, 3, 9} << 0;
        QTest::newRow("mask shape") << 6 << "blob" << -1 << QVector<double>{} << 6;
    }

    void goldenShapes() {
        QFETCH(int, index);
        QFETCH(QString, category);
        QFETCH(int, polygons);
        QFETCH(QVector<double>, firstPolygon);
        QFETCH(int, area);
        const Dataset d = labelmeFormat().read(kGood, {});
        QCOMPARE(int(d.annotations.size()), 7);
        const Annotation& a = d.annotations[size_t(index)];
        QCOMPARE(QString::fromStdString(categoryName(d, a.categoryId)), category);
        if (polygons == 12) {  // the circle: 12 vertices, the first at angle 0
            QCOMPARE(a.segmentation.kind, Segmentation::Kind::Polygons);
            QCOMPARE(int(a.segmentation.polygons[0].size()), 24);
            QCOMPARE(a.segmentation.polygons[0][0], firstPolygon[0]);
            QCOMPARE(a.segmentation.polygons[0][1], firstPolygon[1]);
        } else if (polygons > 0) {
            QCOMPARE(a.segmentation.kind, Segmentation::Kind::Polygons);
            QCOMPARE(int(a.segmentation.polygons.size()), polygons);
            QCOMPARE(QVector<double>(a.segmentation.polygons[0].begin(), a.segmentation.polygons[0].end()), firstPolygon);
        } else {
            QCOMPARE(a.segmentation.kind, Segmentation::Kind::Rle);
            QCOMPARE(int(a.area), area);
            const BinaryMask m = toMask(a.segmentation, 10, 12);
            // PNG rows 101 / 111 / 010 placed at x 3..5, y 6..8.
            QVERIFY(m.at(6, 3) && !m.at(6, 4) && m.at(6, 5));
            QVERIFY(m.at(7, 3) && m.at(7, 4) && m.at(7, 5));
            QVERIFY(!m.at(8, 3) && m.at(8, 4) && !m.at(8, 5));
            QCOMPARE(a.bbox, (BBox{3, 6, 3, 3}));
        }
    }

    void goldenFileLevel() {
        const Dataset d = labelmeFormat().read(kGood, {});
        QCOMPARE(int(d.images.size()), 1);
        QCOMPARE(QString::fromStdString(d.images[0].fileName), QString("scene.png"));
        QCOMPARE(d.images[0].width, 12);
        QCOMPARE(d.images[0].height, 10);
        // labels.txt numbering as labelme2coco.py: __ignore__ skipped, _background_ = 0.
        QCOMPARE(d.findCategory("_background_")->id, int64_t(0));
        QCOMPARE(d.findCategory("cat")->id, int64_t(1));
        QCOMPARE(d.findCategory("dog")->id, int64_t(2));
        QVERIFY(d.findCategory("box")->id > 2);
        QCOMPARE(d.warnings.count("shapes without area skipped (point, line, linestrip)"), 2);
        QCOMPARE(d.warnings.count("shapes labelled __ignore__ skipped"), 1);
        QCOMPARE(d.warnings.count("polygons with fewer than 3 points skipped"), 1);
        QCOMPARE(d.warnings.count("labels missing from labels.txt added as categories"), 3);
        QCOMPARE(d.warnings.count("image files missing"), 1);
        ReadOptions quiet;
        quiet.checkImagesOnDisk = false;
        QCOMPARE(labelmeFormat().read(kGood + "/scene.json", quiet).warnings.count("image files missing"), 0);
    }

    void badInput_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("reason");
        QTest::newRow("truncated JSON") << "broken.json" << "malformed JSON";
        QTest::newRow("mask that is not a PNG") << "bad_mask.json" << "not an image";
        QTest::newRow("no size and no image") << "no_size.json" << "cannot be found";
        QTest::newRow("missing file") << "absent.json" << "no such file";
    }

    void badInput() {
        QFETCH(QString, file);
        QFETCH(QString, reason);
        const std::string path = kBad + "/" + file.toStdString();
        try {
            labelmeFormat().read(path, {});
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(file), e.what());
            QVERIFY2(QString::fromStdString(e.what()).contains(reason), e.what());
        }
    }

    // labelme2coco's vertex count π / acos(1 − 0.1 / r) is undefined below r = 0.05 (a NaN
    // cast to int) and reached 2·10⁸ at r = 10¹⁵: bounded to 12…4096.
    void circleVertexCountIsBounded_data() {
        QTest::addColumn<double>("radius");
        QTest::addColumn<int>("vertices");
        QTest::newRow("labelme2coco's own (r = 100)") << 100.0 << 70;
        QTest::newRow("zero (no area: no annotation)") << 0.0 << 0;
        QTest::newRow("below 0.05") << 0.01 << 12;
        QTest::newRow("1e15") << 1e15 << 4096;
    }
    void circleVertexCountIsBounded() {
        QFETCH(double, radius);
        QFETCH(int, vertices);
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("circle.json").toStdString();
        nlohmann::json j = {{"shapes", {{{"label", "ball"}, {"shape_type", "circle"},
                                         {"points", {{10.0, 10.0}, {10.0 + radius, 10.0}}}}}},
                            {"imagePath", "circle.png"}, {"imageHeight", 32}, {"imageWidth", 32}, {"imageData", nullptr}};
        writeFileAtomic(path, j.dump());
        ReadOptions ro;
        ro.checkImagesOnDisk = false;
        const Dataset d = labelmeFormat().read(path, ro);
        QCOMPARE(int(d.annotations.size()), vertices ? 1 : 0);
        if (vertices) QCOMPARE(int(d.annotations[0].segmentation.polygons.at(0).size()), 2 * vertices);
    }

    void roundTripKeepsPixels_data() {
        QTest::addColumn<bool>("forcePolygons");
        QTest::newRow("exact (masks where needed)") << false;
        QTest::newRow("polygons forced") << true;
    }

    void roundTripKeepsPixels() {
        QFETCH(bool, forcePolygons);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const Dataset original = syntheticDataset();
        const std::string out = tmp.path().toStdString() + "/labelme";
        Warnings warnings;
        WriteOptions options;
        options.warnings = &warnings;
        if (forcePolygons) options.segmentation = WriteOptions::Segmentation::Polygons;
        labelmeFormat().write(original, out, options);
        QVERIFY(fs::exists(out + "/sub/scene.json"));
        QVERIFY(fs::exists(out + "/labels.txt"));
        const nlohmann::json j = readJsonFile(out + "/sub/scene.json");
        QVERIFY(j["imageData"].is_null());
        QCOMPARE(j["imagePath"].get<std::string>(), std::string("scene.jpg"));
        QCOMPARE(j["imageWidth"].get<int>(), 20);

        ReadOptions ro;
        ro.checkImagesOnDisk = false;
        const Dataset back = labelmeFormat().read(out, ro);
        QCOMPARE(back.annotations.size(), original.annotations.size());
        for (size_t i = 0; i < original.annotations.size(); ++i) {
            const Annotation& a = original.annotations[i];
            const Annotation& b = back.annotations[i];
            QCOMPARE(categoryName(back, b.categoryId), categoryName(original, a.categoryId));
            QCOMPARE(b.iscrowd, a.iscrowd);
            const BinaryMask ma = toMask(a.segmentation, 16, 20), mb = toMask(b.segmentation, 16, 20);
            if (forcePolygons && i == 1) {
                QVERIFY(ma != mb);  // the hole is lost ...
                QCOMPARE(mb, fillHoles(ma));  // ... and only the hole
            } else {
                QVERIFY2(ma == mb, qPrintable(QString("annotation %1 changed").arg(i)));
            }
        }
        int maskShapes = 0;
        for (const auto& s : j["shapes"]) maskShapes += s["shape_type"] == "mask";
        if (forcePolygons) {
            QCOMPARE(maskShapes, 0);
            QCOMPARE(warnings.count("masks with holes written as polygons (holes filled)"), 1);
        } else {
            QVERIFY(maskShapes >= 1);  // at least the ring
            QCOMPARE(back.annotations[1].segmentation.kind, Segmentation::Kind::Rle);
        }
    }

    // Our reading of labelme's example files gives the same pixels as the COCO file that
    // labelme's own converter made from them.
    void agreesWithLabelme2coco() {
        if (!fs::exists(kExamples)) QSKIP("../shared/data/labelme-examples is absent");
        const DatasetFormat* coco = findDatasetFormat("coco");
        QVERIFY(coco);
        const Dataset ours = labelmeFormat().read(kExamples + "/data_annotated", {});
        ReadOptions ro;
        ro.checkImagesOnDisk = false;
        const Dataset theirs = coco->read(kExamples + "/labelme2coco_annotations.json", ro);
        QCOMPARE(ours.images.size(), theirs.images.size());
        QCOMPARE(ours.annotations.size(), theirs.annotations.size());
        QCOMPARE(ours.findCategory("_background_")->id, int64_t(0));
        for (const Category& c : theirs.categories) {
            QVERIFY(ours.findCategory(c.name));
            QCOMPARE(ours.findCategory(c.name)->id, c.id);
        }
        int compared = 0;
        for (const ImageInfo& ti : theirs.images) {
            const std::string base = fs::path(ti.fileName).filename().string();
            const ImageInfo* oi = nullptr;
            for (const auto& im : ours.images)
                if (fs::path(im.fileName).filename() == base) oi = &im;
            QVERIFY2(oi, base.c_str());
            QCOMPARE(oi->width, ti.width);
            QCOMPARE(oi->height, ti.height);
            std::vector<const Annotation*> oa, ta;
            for (const auto& a : ours.annotations)
                if (a.imageId == oi->id) oa.push_back(&a);
            for (const auto& a : theirs.annotations)
                if (a.imageId == ti.id) ta.push_back(&a);
            QCOMPARE(oa.size(), ta.size());
            for (size_t k = 0; k < ta.size(); ++k) {
                QCOMPARE(categoryName(ours, oa[k]->categoryId), categoryName(theirs, ta[k]->categoryId));
                QVERIFY(toMask(oa[k]->segmentation, ti.height, ti.width) ==
                        toMask(ta[k]->segmentation, ti.height, ti.width));
                ++compared;
            }
        }
        QCOMPARE(compared, 12);
    }
};

QTEST_GUILESS_MAIN(TestLabelme)
#include "test_labelme.moc"
