// COCO panoptic: ids decoded as R + 256·G + 256²·B, areas from the PNG against
// segments_info, segment ids repeated across images, write/read round trips, bad PNGs.
#include "core/formats/dataset_format.h"
#include "core/formats/dataset_formats.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/formats/format_util.h"
#include "core/json_read.h"
#include "core/png_codec.h"
#include "core/formats/panoptic.h"
#include "core/segmentation.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

using namespace ld;
namespace fs = std::filesystem;

namespace {
const std::string kTiny = std::string(LABELDIFF_TEST_DATA) + "/panoptic/tiny.json";
const std::string kSample = std::string(LABELDIFF_SHARED_DIR) + "/data/panoptic-sample";

const Annotation* find(const Dataset& d, int64_t id) {
    for (const auto& a : d.annotations)
        if (a.id == id) return &a;
    return nullptr;
}
}  // namespace

class TestPanoptic : public QObject {
    Q_OBJECT

private slots:
    void registered() {
        QVERIFY(findDatasetFormat("panoptic") == &panopticFormat());
        QVERIFY(panopticFormat().supportsPath(kTiny));
        QVERIFY(!panopticFormat().supportsPath(std::string(LABELDIFF_TEST_DATA) + "/labelme/good/scene.json"));
    }

    void tinySegments_data() {
        QTest::addColumn<qint64>("annotationId");
        QTest::addColumn<qint64>("imageId");
        QTest::addColumn<qint64>("categoryId");
        QTest::addColumn<int>("area");
        QTest::addColumn<bool>("crowd");
        QTest::addColumn<QVector<double>>("bbox");
        QTest::newRow("R channel id") << qint64(1) << qint64(1) << qint64(1) << 3 << false << QVector<double>{0, 0, 2, 2};
        QTest::newRow("R+256G id (300)") << qint64(300) << qint64(1) << qint64(2) << 6 << false << QVector<double>{2, 0, 2, 3};
        // Image 2 reuses segment id 1: it becomes a fresh annotation id above every segment id.
        QTest::newRow("repeated id renumbered") << qint64(301) << qint64(2) << qint64(1) << 2 << false << QVector<double>{0, 0, 1, 2};
        QTest::newRow("crowd") << qint64(9) << qint64(2) << qint64(1) << 3 << true << QVector<double>{1, 0, 2, 2};
    }

    void tinySegments() {
        QFETCH(qint64, annotationId);
        QFETCH(qint64, imageId);
        QFETCH(qint64, categoryId);
        QFETCH(int, area);
        QFETCH(bool, crowd);
        QFETCH(QVector<double>, bbox);
        const Dataset d = panopticFormat().read(kTiny, {});
        const Annotation* a = find(d, annotationId);
        QVERIFY(a);
        QCOMPARE(a->imageId, imageId);
        QCOMPARE(a->categoryId, categoryId);
        QCOMPARE(int(a->area), area);
        QCOMPARE(a->iscrowd, crowd);
        QCOMPARE(a->bbox, (BBox{bbox[0], bbox[1], bbox[2], bbox[3]}));
        QCOMPARE(int(rleArea(toRle(a->segmentation, d.findImage(imageId)->height, d.findImage(imageId)->width))), area);
    }

    void tinyFileLevel() {
        const PanopticData p = readPanoptic(kTiny, {});
        const Dataset& d = p.dataset;
        QCOMPARE(int(d.annotations.size()), 4);
        QVERIFY(d.findCategory(1)->isThing);
        QVERIFY(!d.findCategory(2)->isThing);
        QCOMPARE((*d.findCategory(2)->color)[2], uint8_t(180));
        QCOMPARE(p.annotationIdOf.at({2, 1}), int64_t(301));
        QCOMPARE(p.annotationIdOf.at({1, 1}), int64_t(1));
        QCOMPARE(d.warnings.count("segments absent from their PNG dropped"), 1);
        QCOMPARE(d.warnings.count("PNGs with pixels of unlisted segment ids (ignored)"), 1);
        QCOMPARE(d.warnings.count("segment areas differing from the PNG (PNG used)"), 1);  // id 9: 4 declared, 3 in PNG
        QCOMPARE(d.info["description"].get<std::string>(), std::string("tiny"));
    }

    void roundTrip() {
        QTemporaryDir tmp;
        const Dataset d = panopticFormat().read(kTiny, {});
        const std::string out = tmp.path().toStdString() + "/again.json";
        panopticFormat().write(d, out, {});
        QVERIFY(fs::exists(tmp.path().toStdString() + "/again/img1.png"));
        const Dataset back = panopticFormat().read(out, {});
        QCOMPARE(back.annotations.size(), d.annotations.size());
        QVERIFY(back.warnings.empty());
        for (size_t i = 0; i < d.annotations.size(); ++i) {
            const Annotation& a = d.annotations[i];
            const Annotation& b = back.annotations[i];
            QCOMPARE(b.id, a.id);
            QCOMPARE(b.categoryId, a.categoryId);
            QCOMPARE(b.iscrowd, a.iscrowd);
            QVERIFY(b.segmentation.rle == a.segmentation.rle);
        }
        QCOMPARE(back.categories.size(), d.categories.size());
        QCOMPARE(back.categories[1].isThing, false);
        // The written JSON holds the areas of the PNG.
        const nlohmann::json j = readJsonFile(out);
        QCOMPARE(j["annotations"][0]["segments_info"][1]["id"].get<int>(), 300);
        QCOMPARE(j["annotations"][0]["segments_info"][1]["area"].get<int>(), 6);
    }

    void overlapsPaintLaterOverEarlier() {
        Dataset d;
        d.images.push_back({1, "a.jpg", 4, 2, nlohmann::json::object()});
        d.categories.push_back({1, "x", "", true, std::nullopt});
        BinaryMask left(2, 4), right(2, 4);
        for (int y = 0; y < 2; ++y) {
            for (int x = 0; x < 3; ++x) left.set(y, x, true);
            for (int x = 2; x < 4; ++x) right.set(y, x, true);
        }
        for (auto [id, m] : {std::make_pair(int64_t(1) << 30, left), std::make_pair(int64_t(1) << 30, right)}) {
            Annotation a;
            a.id = id;  // too large for 24 bits, and repeated: ids are assigned
            a.imageId = 1;
            a.categoryId = 1;
            a.segmentation = Segmentation::fromMask(m);
            d.annotations.push_back(a);
        }
        QTemporaryDir tmp;
        Warnings w;
        WriteOptions wo;
        wo.warnings = &w;
        panopticFormat().write(d, tmp.path().toStdString() + "/p.json", wo);
        QCOMPARE(w.count("overlapping segments (later annotations painted over earlier ones)"), 1);
        const Dataset back = panopticFormat().read(tmp.path().toStdString() + "/p.json", {});
        QCOMPARE(int(back.annotations.size()), 2);
        QCOMPARE(int(back.annotations[0].area), 4);
        QCOMPARE(int(back.annotations[1].area), 4);
        QVERIFY(back.annotations[0].id != back.annotations[1].id);
    }

    // Rectangles "x,y,w,h" painted in order on a 7×5 image, each an annotation: the PNG
    // holds the last one painted per pixel, and segments_info each segment's area and tight
    // box as left visible (a hidden one is not written, with a warning), as a reference
    // paint of the same rectangles says. The writer paints runs into the PNG and counts
    // inside boxes (16384² images); this pins it to the plain whole-image computation.
    void writtenSegmentsMatchThePng_data() {
        QTest::addColumn<QStringList>("rects");
        QTest::newRow("disjoint") << QStringList{"0,0,2,2", "3,1,2,3"};
        QTest::newRow("partly covered") << QStringList{"0,0,4,3", "2,0,3,5"};
        QTest::newRow("split in two") << QStringList{"0,0,7,1", "3,0,1,1"};
        QTest::newRow("hidden") << QStringList{"1,1,2,2", "0,0,5,5"};
        QTest::newRow("whole columns") << QStringList{"1,0,2,5", "0,4,7,1", "6,0,1,5"};
        QTest::newRow("whole image under a dot") << QStringList{"0,0,7,5", "6,4,1,1"};
    }
    void writtenSegmentsMatchThePng() {
        QFETCH(QStringList, rects);
        const int w = 7, h = 5;
        Dataset d;
        d.images.push_back({1, "a.jpg", w, h, nlohmann::json::object()});
        d.categories.push_back({1, "x", "", true, std::nullopt});
        std::vector<int> reference(w * h, 0);  // annotation id per pixel, row-major
        for (int i = 0; i < rects.size(); ++i) {
            const QStringList r = rects[i].split(',');
            const int rx = r[0].toInt(), ry = r[1].toInt(), rw = r[2].toInt(), rh = r[3].toInt();
            BinaryMask m(h, w);
            for (int y = ry; y < ry + rh; ++y)
                for (int x = rx; x < rx + rw; ++x) {
                    m.set(y, x, true);
                    reference[y * w + x] = i + 1;
                }
            Annotation a;
            a.id = i + 1;
            a.imageId = 1;
            a.categoryId = 1;
            a.segmentation = Segmentation::fromMask(m);
            d.annotations.push_back(a);
        }
        QTemporaryDir tmp;
        Warnings warnings;
        WriteOptions wo;
        wo.warnings = &warnings;
        const std::string out = tmp.path().toStdString() + "/p.json";
        panopticFormat().write(d, out, wo);
        const cv::Mat png = readPngFile(tmp.path().toStdString() + "/p/a.png");
        const cv::Mat ids = panopticIds(png, "a.png");
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) QCOMPARE(ids.at<int32_t>(y, x), reference[y * w + x]);
        const nlohmann::json segments = readJsonFile(out)["annotations"][0]["segments_info"];
        int hidden = 0;
        size_t k = 0;
        for (int id = 1; id <= rects.size(); ++id) {
            int area = 0, x0 = w, y0 = h, x1 = -1, y1 = -1;
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x)
                    if (reference[y * w + x] == id) {
                        ++area;
                        x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
                    }
            if (area == 0) {
                ++hidden;
                continue;
            }
            QVERIFY(k < segments.size());
            const nlohmann::json& s = segments[k++];
            QCOMPARE(s["id"].get<int>(), id);
            QCOMPARE(s["area"].get<int>(), area);
            QCOMPARE(s["bbox"], nlohmann::json({x0, y0, x1 - x0 + 1, y1 - y0 + 1}));
        }
        QCOMPARE(k, segments.size());
        QCOMPARE(warnings.count("empty or hidden segments not written"), hidden);
    }

    void badInput_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("reason");
        QTest::newRow("PNG of the wrong size") << "wrong_size" << "but image 2 is 5x2";
        QTest::newRow("missing PNG") << "missing_png" << "missing_png/img1.png";
        QTest::newRow("corrupt PNG") << "corrupt_png" << "corrupt";
        QTest::newRow("not JSON") << "not_json" << "malformed JSON";
    }

    void badInput() {
        QFETCH(QString, what);
        QFETCH(QString, reason);
        QTemporaryDir tmp;
        std::string path = std::string(LABELDIFF_TEST_DATA) + "/panoptic/wrong_size.json";
        const std::string dir = tmp.path().toStdString();
        if (what == "missing_png" || what == "corrupt_png") {
            path = dir + "/" + what.toStdString() + ".json";
            fs::copy_file(kTiny, path);
            fs::create_directory(dir + "/" + what.toStdString());
            if (what == "corrupt_png") {
                const std::string good = readFile(std::string(LABELDIFF_TEST_DATA) + "/panoptic/tiny/img1.png");
                writeFileAtomic(dir + "/corrupt_png/img1.png", good.substr(0, good.size() / 2));
            }
        } else if (what == "not_json") {
            path = dir + "/x.json";
            writeFileAtomic(path, "{ \"images\": [");
        }
        try {
            panopticFormat().read(path, {});
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(reason), e.what());
        }
    }

    // The panopticapi sample: every segment's PNG area equals its segments_info area.
    void sampleAreasMatchSegmentsInfo() {
        if (!fs::exists(kSample)) QSKIP("../shared/data/panoptic-sample is absent");
        const std::string json = kSample + "/panoptic_examples.json";
        QVERIFY(panopticFormat().supportsPath(json));
        const PanopticData p = readPanoptic(json, {});
        const nlohmann::json j = readJsonFile(json);
        size_t segments = 0;
        for (const auto& a : j["annotations"]) {
            const int64_t imageId = a["image_id"].get<int64_t>();
            for (const auto& s : a["segments_info"]) {
                ++segments;
                const int64_t annId = p.annotationIdOf.at({imageId, s["id"].get<int64_t>()});
                const Annotation* ann = find(p.dataset, annId);
                QVERIFY(ann);
                QCOMPARE(int64_t(ann->area), s["area"].get<int64_t>());
                QCOMPARE(ann->bbox.w, s["bbox"][2].get<double>());
                QCOMPARE(ann->categoryId, s["category_id"].get<int64_t>());
            }
        }
        QCOMPARE(p.dataset.annotations.size(), segments);
        QCOMPARE(p.dataset.warnings.count("segment areas differing from the PNG (PNG used)"), 0);
        QCOMPARE(int(p.dataset.categories.size()), 133);
        QVERIFY(!p.dataset.findCategory("sky-other-merged") || !p.dataset.findCategory("sky-other-merged")->isThing);
        QVERIFY(fs::path(p.dataset.imagesDir).filename() == "input_images");

        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/sample.json";
        panopticFormat().write(p.dataset, out, {});
        const Dataset back = panopticFormat().read(out, {});
        QCOMPARE(back.annotations.size(), p.dataset.annotations.size());
        for (size_t i = 0; i < back.annotations.size(); ++i)
            QVERIFY(back.annotations[i].segmentation.rle == p.dataset.annotations[i].segmentation.rle);
    }
};

QTEST_GUILESS_MAIN(TestPanoptic)
#include "test_panoptic.moc"
