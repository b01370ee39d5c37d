// COCO instances JSON: the tolerant reader (every oddity a counted warning), the strict
// writer (golden files in tests/data/coco/, pycocotools' RLE strings computed by hand),
// malformed input as clean errors, and round trips on the real coco128 and facade sets.
#include "core/formats/dataset_format.h"
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/rle.h"
#include "core/segmentation.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace ld;
namespace fs = std::filesystem;

namespace {

const std::string kData = std::string(LABELDIFF_TEST_DATA) + "/coco/";
const std::string kShared = std::string(LABELDIFF_SHARED_DIR) + "/data/";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void spit(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

Dataset readCoco(const std::string& path, bool checkImages = true) {
    ReadOptions o;
    o.checkImagesOnDisk = checkImages;
    return cocoFormat().read(path, o);
}

std::string writeCoco(const Dataset& d, const std::string& path, WriteOptions::Segmentation mode, Warnings* w) {
    WriteOptions o;
    o.segmentation = mode;
    o.warnings = w;
    cocoFormat().write(d, path, o);
    return slurp(path);
}

const Annotation* annotationById(const Dataset& d, int64_t id) {
    for (const Annotation& a : d.annotations)
        if (a.id == id) return &a;
    return nullptr;
}

}  // namespace

class TestCoco : public QObject {
    Q_OBJECT

private slots:
    void readWarnings_data();
    void readWarnings();
    void readModel();
    void writeWarnings_data();
    void writeWarnings();
    void golden_data();
    void golden();
    void writtenAnnotations_data();
    void writtenAnnotations();
    void polygonOutput();
    void renumbering();
    void writtenPixelsEqualInput_data();
    void writtenPixelsEqualInput();
    void malformed_data();
    void malformed();
    void failedWriteLeavesNoFile();
    void imagesDirDefault();
    void coco128RoundTrip();
    void facade();
};

void TestCoco::readWarnings_data() {
    QTest::addColumn<QString>("warning");
    QTest::addColumn<int>("count");
    QTest::newRow("id 0") << "category id 0 (COCO ids start at 1: fixed when written)" << 1;
    QTest::newRow("parent") << "parent category (supercategory of others, no annotations of its own)" << 1;
    QTest::newRow("duplicate name") << "duplicate category name" << 1;
    QTest::newRow("string ids") << "string id mapped to an integer" << 3;
    QTest::newRow("missing images") << "image file missing on disk" << 2;
    QTest::newRow("unknown image") << "annotation of an unknown image dropped" << 1;
    QTest::newRow("unknown category") << "annotation of an unknown category dropped" << 1;
    QTest::newRow("short polygon") << "polygon with fewer than 3 points dropped" << 1;
    QTest::newRow("4-number polygon") << "4-number polygon read as a box [x,y,w,h], as pycocotools does" << 2;
    QTest::newRow("uncompressed RLE") << "uncompressed RLE read (written back compressed)" << 2;
    QTest::newRow("bbox computed") << "missing bbox computed from the segmentation" << 1;
    QTest::newRow("area computed") << "missing area computed from the segmentation" << 2;
    QTest::newRow("bbox only") << "annotation without segmentation (bbox only)" << 1;
    QTest::newRow("nothing else") << "image file unreadable" << 0;
}

void TestCoco::readWarnings() {
    QFETCH(QString, warning);
    QFETCH(int, count);
    const Dataset d = readCoco(kData + "oddities.json");
    QCOMPARE(d.warnings.count(warning.toStdString()), count);
}

void TestCoco::readModel() {
    const Dataset d = readCoco(kData + "oddities.json");
    QCOMPARE(int(d.images.size()), 3);
    QCOMPARE(int(d.categories.size()), 6);
    QCOMPARE(int(d.annotations.size()), 9);  // 11 minus unknown image, unknown category
    // String ids go above the largest numeric id, in order of appearance.
    QVERIFY(d.findImage(4));
    QCOMPARE(d.findImage(4)->fileName, std::string("missing.png"));
    QVERIFY(d.findCategory(8));
    QCOMPARE(d.findCategory(8)->name, std::string("bird"));
    const Annotation* eight = annotationById(d, 12);
    QVERIFY(eight);
    QCOMPARE(eight->categoryId, int64_t(8));
    // Missing bbox/area are computed from the pixels.
    const Annotation* two = annotationById(d, 2);
    QVERIFY(two);
    QCOMPARE(two->bbox, (BBox{2, 2, 6, 5}));
    QCOMPARE(two->area, 30.0);
    QCOMPARE(annotationById(d, 4)->area, 8.0);
    QVERIFY(annotationById(d, 4)->iscrowd);
    // What the reader does not interpret is kept for the round trip.
    QCOMPARE(d.info["year"].get<int>(), 2026);
    QCOMPARE(d.licenses.size(), size_t(1));
    QCOMPARE(d.findImage(1)->extra["coco_url"].get<std::string>(), std::string("http://example.org/present.png"));
    QCOMPARE(fs::path(d.imagesDir).filename().string(), std::string("images"));
}

void TestCoco::writeWarnings_data() {
    QTest::addColumn<QString>("warning");
    QTest::addColumn<int>("count");
    QTest::newRow("background") << "background category dropped" << 1;
    QTest::newRow("parent") << "parent category without annotations dropped" << 1;
    QTest::newRow("bbox only") << "annotation without segmentation written as its box" << 1;
    QTest::newRow("empty mask") << "annotation with an empty mask dropped" << 1;
    QTest::newRow("ids kept") << "category ids renumbered from 1" << 0;
    QTest::newRow("annotation ids kept") << "annotation ids renumbered from 1" << 0;
}

void TestCoco::writeWarnings() {
    QFETCH(QString, warning);
    QFETCH(int, count);
    QTemporaryDir tmp;
    Warnings w;
    writeCoco(readCoco(kData + "oddities.json"), tmp.filePath("out.json").toStdString(),
              WriteOptions::Segmentation::Rle, &w);
    QCOMPARE(w.count(warning.toStdString()), count);
}

void TestCoco::golden_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<bool>("polygons");
    QTest::addColumn<QString>("expected");
    QTest::newRow("oddities rle") << "oddities.json" << false << "oddities.rle.expected.json";
    QTest::newRow("oddities polygon") << "oddities.json" << true << "oddities.polygon.expected.json";
    QTest::newRow("renumber rle") << "renumber.json" << false << "renumber.rle.expected.json";
}

void TestCoco::golden() {
    QFETCH(QString, input);
    QFETCH(bool, polygons);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const std::string out = tmp.filePath("out.json").toStdString();
    const auto mode = polygons ? WriteOptions::Segmentation::Polygons : WriteOptions::Segmentation::Rle;
    const std::string text = writeCoco(readCoco(kData + input.toStdString()), out, mode, nullptr);
    const std::string golden = kData + expected.toStdString();
    if (qEnvironmentVariableIsSet("LABELDIFF_UPDATE_GOLDEN")) spit(golden, text);
    QVERIFY2(fs::exists(golden), golden.c_str());
    QCOMPARE(QString::fromStdString(text), QString::fromStdString(slurp(golden)));
    // Deterministic: a second write gives the same bytes, and so does re-reading our own
    // output and writing it again (a normalised file is a fixed point).
    QCOMPARE(writeCoco(readCoco(kData + input.toStdString()), out, mode, nullptr), text);
    const std::string again = tmp.filePath("again.json").toStdString();
    QCOMPARE(writeCoco(readCoco(out, false), again, mode, nullptr), text);
}

// Expected values derived by hand: pycocotools rasterises an integer box polygon to its
// w×h pixels; the counts strings follow maskApi.c's rleToString (checked against the
// public "01?" and ":??" examples).
void TestCoco::writtenAnnotations_data() {
    QTest::addColumn<int>("id");
    QTest::addColumn<int>("categoryId");
    QTest::addColumn<int>("area");
    QTest::addColumn<QVector<int>>("bbox");
    QTest::addColumn<QString>("counts");  // empty: not checked
    QTest::addColumn<int>("iscrowd");
    QTest::newRow("polygon box") << 1 << 1 << 12 << QVector<int>{1, 1, 4, 3} << "" << 0;
    QTest::newRow("short part dropped") << 2 << 2 << 30 << QVector<int>{2, 2, 6, 5} << "" << 0;
    QTest::newRow("4-number polygon") << 3 << 3 << 6 << QVector<int>{6, 1, 3, 2} << "" << 0;
    QTest::newRow("crowd uncompressed") << 4 << 1 << 8 << QVector<int>{1, 4, 2, 4} << "<440d1" << 1;
    QTest::newRow("compressed") << 5 << 8 << 9 << QVector<int>{7, 0, 3, 3} << "h1350000" << 0;
    QTest::newRow("string id") << 12 << 8 << 9 << QVector<int>{0, 0, 3, 3} << "" << 0;
    QTest::newRow("hole") << 9 << 2 << 18 << QVector<int>{5, 1, 4, 5} << "Y153MN020N0237" << 0;
    QTest::newRow("bbox only") << 10 << 1 << 4 << QVector<int>{0, 6, 2, 2} << "" << 0;
}

void TestCoco::writtenAnnotations() {
    QFETCH(int, id);
    QFETCH(int, categoryId);
    QFETCH(int, area);
    QFETCH(QVector<int>, bbox);
    QFETCH(QString, counts);
    QFETCH(int, iscrowd);
    QTemporaryDir tmp;
    const std::string text = writeCoco(readCoco(kData + "oddities.json"), tmp.filePath("o.json").toStdString(),
                                       WriteOptions::Segmentation::Rle, nullptr);
    const auto j = nlohmann::json::parse(text);
    const nlohmann::json* found = nullptr;
    for (const auto& a : j["annotations"])
        if (a["id"] == id) found = &a;
    QVERIFY(found);
    const auto& a = *found;
    QCOMPARE(a["category_id"].get<int>(), categoryId);
    QCOMPARE(a["area"].get<int>(), area);
    QCOMPARE(a["bbox"].get<std::vector<int>>(), std::vector<int>(bbox.begin(), bbox.end()));
    QCOMPARE(a["iscrowd"].get<int>(), iscrowd);
    QVERIFY(a["segmentation"].is_object());
    QCOMPARE(a["segmentation"]["size"].get<std::vector<int>>(), (std::vector<int>{8, 10}));
    QVERIFY(a["segmentation"]["counts"].is_string());
    if (!counts.isEmpty()) QCOMPARE(QString::fromStdString(a["segmentation"]["counts"].get<std::string>()), counts);
    // Strict output: ids from 1, no background, no parent, no duplicate names.
    std::set<std::string> names;
    for (const auto& c : j["categories"]) {
        QVERIFY(c["id"].get<int>() >= 1);
        QVERIFY(c["name"] != "_background_");
        QVERIFY(names.insert(c["name"].get<std::string>()).second);
    }
    QCOMPARE(int(j["categories"].size()), 4);
    QCOMPARE(int(j["images"].size()), 3);
    QCOMPARE(int(j["annotations"].size()), 8);
}

void TestCoco::polygonOutput() {
    QTemporaryDir tmp;
    Warnings w;
    const std::string text = writeCoco(readCoco(kData + "oddities.json"), tmp.filePath("p.json").toStdString(),
                                       WriteOptions::Segmentation::Polygons, &w);
    QCOMPARE(w.count("mask with holes kept as RLE (polygons cannot express holes)"), 1);
    const auto j = nlohmann::json::parse(text);
    const Dataset rle = readCoco(kData + "oddities.json");
    for (const auto& a : j["annotations"]) {
        const int id = a["id"].get<int>();
        const bool crowd = a["iscrowd"] == 1;
        if (id == 9 || crowd)
            QVERIFY2(a["segmentation"].is_object(), "holes and crowds stay RLE");
        else
            QVERIFY2(a["segmentation"].is_array(), "polygons requested");
    }
    // Traced polygons give back the same pixels (hole-free masks are exact).
    const Dataset back = readCoco(tmp.filePath("p.json").toStdString(), false);
    for (const Annotation& a : back.annotations) {
        const Annotation* orig = annotationById(rle, a.id);
        QVERIFY(orig);
        QCOMPARE(toRle(a.segmentation, 8, 10), toRle(orig->segmentation.kind == Segmentation::Kind::None
                                                          ? a.segmentation
                                                          : orig->segmentation,
                                                      8, 10));
    }
}

void TestCoco::renumbering() {
    QTemporaryDir tmp;
    Warnings w;
    const std::string text = writeCoco(readCoco(kData + "renumber.json", false),
                                       tmp.filePath("r.json").toStdString(), WriteOptions::Segmentation::Rle, &w);
    QCOMPARE(w.count("categories with the same name merged"), 1);
    QCOMPARE(w.count("category ids renumbered from 1"), 1);
    QCOMPARE(w.count("annotation ids renumbered from 1"), 1);
    QCOMPARE(w.count("annotation with an empty mask dropped"), 1);
    const auto j = nlohmann::json::parse(text);
    QCOMPARE(j["categories"].dump(), std::string(R"([{"id":1,"name":"tree","supercategory":"plant"},)"
                                                 R"({"id":2,"name":"sky","supercategory":"stuff"}])"));
    std::vector<int> ids, cats;
    for (const auto& a : j["annotations"]) {
        ids.push_back(a["id"]);
        cats.push_back(a["category_id"]);
    }
    QCOMPARE(ids, (std::vector<int>{1, 2, 3}));
    QCOMPARE(cats, (std::vector<int>{2, 1, 1}));
    QCOMPARE(j["annotations"][0]["segmentation"]["counts"].get<std::string>(), std::string("01?"));
}

void TestCoco::writtenPixelsEqualInput_data() {
    QTest::addColumn<QString>("path");
    QTest::newRow("oddities") << QString::fromStdString(kData + "oddities.json");
    QTest::newRow("coco128") << QString::fromStdString(kShared + "coco128/instances.json");
    QTest::newRow("labelme2coco") << QString::fromStdString(kShared + "labelme-examples/labelme2coco_annotations.json");
}

// COCO -> COCO(RLE) -> decode gives the pixels of the input's rasterisation, and area and
// bbox are those of the written mask.
void TestCoco::writtenPixelsEqualInput() {
    QFETCH(QString, path);
    if (!QFileInfo::exists(path)) QSKIP(qPrintable("shared data absent: " + path));
    const Dataset in = readCoco(path.toStdString(), false);
    QTemporaryDir tmp;
    const std::string out = tmp.filePath("rle.json").toStdString();
    writeCoco(in, out, WriteOptions::Segmentation::Rle, nullptr);
    const Dataset back = readCoco(out, false);
    QCOMPARE(back.warnings.count("uncompressed RLE read (written back compressed)"), 0);
    // Written in input order; ids may be renumbered, empty masks are dropped.
    size_t k = 0;
    int compared = 0;
    for (const Annotation& a : in.annotations) {
        const ImageInfo* im = in.findImage(a.imageId);
        QVERIFY(im);
        Segmentation seg = a.segmentation;
        if (seg.kind == Segmentation::Kind::None) {
            const BBox& b = a.bbox;
            seg = Segmentation::fromPolygons({{b.x, b.y, b.x, b.y + b.h, b.x + b.w, b.y + b.h, b.x + b.w, b.y}});
        }
        const Rle expected = toRle(seg, im->height, im->width);
        if (rleArea(expected) == 0) continue;
        QVERIFY(k < back.annotations.size());
        const Annotation& b = back.annotations[k++];
        QCOMPARE(b.segmentation.kind, Segmentation::Kind::Rle);
        QCOMPARE(b.imageId, a.imageId);
        QCOMPARE(b.segmentation.rle, expected);
        QCOMPARE(b.area, double(rleArea(expected)));
        QCOMPARE(b.bbox, rleBbox(expected));
        QCOMPARE(b.iscrowd, a.iscrowd);
        ++compared;
    }
    QCOMPARE(k, back.annotations.size());
    QVERIFY(compared > 0);
}

void TestCoco::malformed_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("reason");  // a part of the message
    const QString ok = R"("images": [{"id": 1, "file_name": "a.png", "width": 4, "height": 4}],
                          "categories": [{"id": 1, "name": "a"}])";
    auto withAnnotation = [&](const QString& a) { return "{" + ok + R"(, "annotations": [)" + a + "]}"; };
    QTest::newRow("truncated") << QString(R"({"images": [{"id": 1, "file_na)") << "line 1, column";
    QTest::newRow("truncated multi-line") << QString("{\n  \"images\": [\n    {\"id\": 1,\n") << "line 4";
    QTest::newRow("empty file") << QString("") << "empty";
    QTest::newRow("top-level list") << QString("[1, 2]") << "top level";
    QTest::newRow("no images") << QString(R"({"categories": []})") << "\"images\"";
    QTest::newRow("images not a list") << QString(R"({"images": {}, "categories": []})") << "images: is a object";
    QTest::newRow("width is text") << QString(R"({"images": [{"id": 1, "file_name": "a", "width": "wide"}],
                                                  "categories": []})")
                                   << "images[0].width";
    QTest::newRow("negative height") << QString(R"({"images": [{"id": 1, "file_name": "a", "height": -3}],
                                                     "categories": []})")
                                     << "images[0].height: is negative";
    QTest::newRow("id is a list") << withAnnotation(R"({"id": [1], "image_id": 1, "category_id": 1})")
                                  << "annotations[0].id";
    QTest::newRow("bbox of 3") << withAnnotation(R"({"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3]})")
                               << "annotations[0].bbox";
    QTest::newRow("segmentation number")
        << withAnnotation(R"({"id": 1, "image_id": 1, "category_id": 1, "segmentation": 5})") << "segmentation is a number";
    QTest::newRow("polygon text")
        << withAnnotation(R"({"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, "x", 1, 1, 2, 2]]})")
        << "polygon 0 value 1";
    QTest::newRow("counts not summing")
        << withAnnotation(R"({"id": 1, "image_id": 1, "category_id": 1,
                              "segmentation": {"size": [4, 4], "counts": [3, 4]}})")
        << "sum";
    QTest::newRow("compressed counts not summing")
        << withAnnotation(R"({"id": 1, "image_id": 1, "category_id": 1,
                              "segmentation": {"size": [4, 4], "counts": "01"}})")
        << "annotations[0] (id 1)";
    QTest::newRow("negative size")
        << withAnnotation(R"({"id": 1, "image_id": 1, "category_id": 1,
                              "segmentation": {"size": [-4, 4], "counts": [0]}})")
        << "negative";
    QTest::newRow("size not a pair")
        << withAnnotation(R"({"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [4], "counts": "0"}})")
        << "[height, width]";
    QTest::newRow("negative count")
        << withAnnotation(R"({"id": 1, "image_id": 1, "category_id": 1,
                              "segmentation": {"size": [4, 4], "counts": [20, -4]}})")
        << "annotations[0] (id 1)";
    QTest::newRow("iscrowd text")
        << withAnnotation(R"({"id": 1, "image_id": 1, "category_id": 1, "iscrowd": "yes", "bbox": [0, 0, 1, 1]})")
        << "iscrowd";
    QTest::newRow("category name number") << QString(R"({"images": [], "categories": [{"id": 1, "name": 7}]})")
                                          << "categories[0].name";
}

void TestCoco::malformed() {
    QFETCH(QString, content);
    QFETCH(QString, reason);
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("bad_input.json").toStdString();
    spit(path, content.toStdString());
    try {
        readCoco(path);
        QFAIL("no error");
    } catch (const Error& e) {
        const QString what = QString::fromStdString(e.what());
        QVERIFY2(what.contains("bad_input.json"), qPrintable(what));
        QVERIFY2(what.contains(reason), qPrintable(what));
    }
}

void TestCoco::failedWriteLeavesNoFile() {
    QTemporaryDir tmp;
    Dataset d = readCoco(kData + "oddities.json");
    d.images.push_back(d.images.front());  // a duplicate image id cannot be written
    const std::string out = tmp.filePath("never.json").toStdString();
    QVERIFY_THROWS_EXCEPTION(Error, cocoFormat().write(d, out, WriteOptions{}));
    QVERIFY(!fs::exists(out));
    QCOMPARE(int(std::distance(fs::directory_iterator(tmp.path().toStdString()), fs::directory_iterator())), 0);
    const std::string deep = tmp.filePath("no/such/folder/x.json").toStdString();
    QVERIFY_THROWS_EXCEPTION(Error, cocoFormat().write(readCoco(kData + "oddities.json"), deep, WriteOptions{}));
    QVERIFY(!fs::exists(deep));
}

void TestCoco::imagesDirDefault() {
    // Beside the JSON when there is no images/ folder; an explicit folder wins.
    QTemporaryDir tmp;
    const std::string json = tmp.filePath("d.json").toStdString();
    fs::copy_file(kData + "oddities.json", json);
    fs::copy_file(kData + "images/present.png", tmp.filePath("present.png").toStdString());
    Dataset d = readCoco(json);
    QCOMPARE(fs::path(d.imagesDir), fs::path(tmp.path().toStdString()));
    QCOMPARE(d.warnings.count("image file missing on disk"), 2);
    ReadOptions o;
    o.imagesDir = tmp.filePath("elsewhere").toStdString();
    d = cocoFormat().read(json, o);
    QCOMPARE(d.imagesDir, o.imagesDir);
    QCOMPARE(d.warnings.count("image file missing on disk"), 3);
}

void TestCoco::coco128RoundTrip() {
    const std::string path = kShared + "coco128/instances.json";
    if (!fs::exists(path)) QSKIP("../shared/data/coco128 is absent");
    const Dataset in = readCoco(path);
    QCOMPARE(int(in.images.size()), 128);
    QCOMPARE(int(in.annotations.size()), 939);
    QCOMPARE(in.warnings.count("image file missing on disk"), 0);
    QCOMPARE(in.warnings.count("uncompressed RLE read (written back compressed)"), 10);
    QVERIFY(cocoFormat().supportsPath(path));
    QVERIFY(cocoFormat().supportsPath(kShared + "coco128"));

    QTemporaryDir tmp;
    const std::string out = tmp.filePath("coco128_rle.json").toStdString();
    Warnings w;
    const auto j = nlohmann::json::parse(writeCoco(in, out, WriteOptions::Segmentation::Rle, &w));
    QVERIFY2(w.empty(), "a clean COCO file converts without warnings");
    QCOMPARE(int(j["annotations"].size()), 939);
    // COCO's own category ids (1..90 with gaps) and annotation ids survive.
    QCOMPARE(int(j["categories"].size()), 80);
    QCOMPARE(j["categories"].back()["id"].get<int>(), 90);
    std::map<int64_t, const Annotation*> byId;
    for (const Annotation& a : in.annotations) byId[a.id] = &a;
    int crowd = 0;
    for (const auto& a : j["annotations"]) {
        QVERIFY(byId.count(a["id"].get<int64_t>()));
        const Annotation& orig = *byId[a["id"].get<int64_t>()];
        QCOMPARE(a["category_id"].get<int64_t>(), orig.categoryId);
        QVERIFY(a["segmentation"]["counts"].is_string());
        if (orig.iscrowd) {
            // Uncompressed counts in, pycocotools' compressed string out, area = pixels.
            // (The input's own area fields are not pixel counts: 11750 vs 10513 set pixels
            // for annotation 900100000257, so the written area must differ from them.)
            QCOMPARE(orig.segmentation.kind, Segmentation::Kind::Rle);
            QCOMPARE(a["segmentation"]["counts"].get<std::string>(), rleToString(orig.segmentation.rle));
            QCOMPARE(a["area"].get<uint64_t>(), rleArea(orig.segmentation.rle));
            ++crowd;
        }
    }
    QCOMPARE(crowd, 10);
    QCOMPARE(j["info"]["description"].get<std::string>(), std::string("COCO 2017 Dataset"));
    QCOMPARE(j["images"][0]["flickr_url"], in.images[0].extra["flickr_url"]);
}

void TestCoco::facade() {
    const std::string path = kShared + "facade/train/instances.json";
    if (!fs::exists(path)) QSKIP("../shared/data/facade is absent");
    const Dataset in = readCoco(path);
    QCOMPARE(in.warnings.count("category id 0 (COCO ids start at 1: fixed when written)"), 1);
    QCOMPARE(in.warnings.count("parent category (supercategory of others, no annotations of its own)"), 1);
    QCOMPARE(in.warnings.count("duplicate category name"), 1);
    QCOMPARE(in.warnings.count("image file missing on disk"), 0);
    QCOMPARE(int(in.categories.size()), 11);
    QCOMPARE(int(in.annotations.size()), 12625);

    QTemporaryDir tmp;
    Warnings w;
    const auto j = nlohmann::json::parse(
        writeCoco(in, tmp.filePath("facade.json").toStdString(), WriteOptions::Segmentation::Rle, &w));
    QCOMPARE(w.count("parent category without annotations dropped"), 1);
    QCOMPARE(int(j["categories"].size()), 10);
    std::map<int, std::string> names;
    for (const auto& c : j["categories"]) names[c["id"].get<int>()] = c["name"].get<std::string>();
    QCOMPARE(int(names.size()), 10);
    QCOMPARE(names.begin()->first, 1);
    QCOMPARE(names[3], std::string("facade"));
    std::set<std::string> unique;
    for (const auto& [id, name] : names) QVERIFY(unique.insert(name).second);
    int facades = 0;
    for (const auto& a : j["annotations"]) {
        QVERIFY(names.count(a["category_id"].get<int>()));
        facades += a["category_id"] == 3;
    }
    QCOMPARE(facades, 490);
}

QTEST_GUILESS_MAIN(TestCoco)
#include "test_coco.moc"
