// Polygon ↔ mask: pycocotools-exact rasterisation (hand-derived cases, golden strings made
// with maskApi.c's rleFrPoly, every polygon of coco128), contour extraction that
// rasterises back to the mask, and Segmentation's toRle/toMask.
#include "core/error.h"
#include "core/polygon.h"
#include "core/segmentation.h"

#include "support/mask_art.h"

#include <QtTest>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>

using namespace ld;

Q_DECLARE_METATYPE(ld::Polygon)
Q_DECLARE_METATYPE(QVector<ld::Polygon>)

namespace {

const char* kCoco = LABELDIFF_SHARED_DIR "/data/coco128/instances.json";

using ld::test::artFromMask;
using ld::test::maskFromArt;

// Independent rasteriser: a pixel is set when its centre is strictly inside a polygon
// (even-odd per polygon, union over polygons), by scanlines through the pixel centres.
BinaryMask rasterizeAtCentres(const std::vector<Polygon>& polygons, int h, int w) {
    BinaryMask m(h, w);
    std::vector<double> xs;
    for (int y = 0; y < h; ++y) {
        const double cy = y + 0.5;
        for (const Polygon& p : polygons) {
            xs.clear();
            const size_t k = p.size() / 2;
            for (size_t i = 0; i < k; ++i) {
                const size_t j = (i + 1) % k;
                const double x0 = p[2 * i], y0 = p[2 * i + 1], x1 = p[2 * j], y1 = p[2 * j + 1];
                if ((y0 <= cy) != (y1 <= cy)) xs.push_back(x0 + (cy - y0) * (x1 - x0) / (y1 - y0));
            }
            std::sort(xs.begin(), xs.end());
            for (size_t q = 0; q + 1 < xs.size(); q += 2) {
                const int a = std::max(0, int(std::ceil(xs[q] - 0.5)));
                const int b = std::min(w - 1, int(std::floor(xs[q + 1] - 0.5)));
                for (int x = a; x <= b; ++x) m.set(y, x, true);
            }
        }
    }
    return m;
}

// OpenCV's fillPoly sampling at pixel centres (vertices shifted by half a pixel, 8
// fractional bits); it also fills pixels its edges touch, so it is a looser reference.
BinaryMask rasterizeFillPoly(const std::vector<Polygon>& polygons, int h, int w) {
    cv::Mat m = cv::Mat::zeros(h, w, CV_8UC1);
    std::vector<std::vector<cv::Point>> pts;
    for (const Polygon& p : polygons) {
        std::vector<cv::Point> q;
        for (size_t i = 0; i + 1 < p.size(); i += 2)
            q.emplace_back(cvRound((p[i] - 0.5) * 256), cvRound((p[i + 1] - 0.5) * 256));
        pts.push_back(q);
    }
    cv::fillPoly(m, pts, cv::Scalar(1), cv::LINE_8, 8);
    return BinaryMask::fromMat(m);
}

double perimeter(const std::vector<Polygon>& polygons) {
    double s = 0;
    for (const Polygon& p : polygons) {
        const size_t k = p.size() / 2;
        for (size_t i = 0; i < k; ++i) {
            const size_t j = (i + 1) % k;
            s += std::hypot(p[2 * j] - p[2 * i], p[2 * j + 1] - p[2 * i + 1]);
        }
    }
    return s;
}

struct Coco {
    nlohmann::json json;
    std::map<int64_t, std::pair<int, int>> sizes;  // image id -> (height, width)
};

bool loadCoco(Coco& c) {
    std::ifstream f(kCoco);
    if (!f.good()) return false;
    c.json = nlohmann::json::parse(f);
    for (const auto& im : c.json["images"]) c.sizes[im["id"].get<int64_t>()] = {im["height"], im["width"]};
    return true;
}

BinaryMask randomBlobs(std::mt19937& rng, int h, int w) {
    cv::Mat m = cv::Mat::zeros(h, w, CV_8UC1);
    const int n = 1 + int(rng() % 4);
    for (int i = 0; i < n; ++i) {
        const cv::Point c(int(rng() % w), int(rng() % h));
        const cv::Size axes(2 + int(rng() % (w / 3)), 2 + int(rng() % (h / 3)));
        cv::ellipse(m, c, axes, double(rng() % 180), 0, 360, cv::Scalar(1), cv::FILLED);
    }
    // Ragged edges and the odd hole or speck.
    for (int i = 0; i < h * w / 150; ++i) m.at<uint8_t>(int(rng() % h), int(rng() % w)) ^= 1;
    return BinaryMask::fromMat(m);
}

}  // namespace

class TestPolygon : public QObject {
    Q_OBJECT

private slots:
    void rasterize_data();
    void rasterize();
    void rasterizeRejects();
    void goldenPycocotools();
    void cocoPolygons();
    void cocoCrowd();
    void rectanglesExact_data();
    void rectanglesExact();
    void diagonalPixelsOnePolygon();
    void holes();
    void randomBlobsRoundTrip();
    void cocoMasksRoundTrip();
    void simplify();
    void shoelaceArea_data();
    void shoelaceArea();
    void segmentation();
};

void TestPolygon::rasterize_data() {
    QTest::addColumn<QVector<Polygon>>("polygons");
    QTest::addColumn<QStringList>("expected");

    // rleFrPoly samples at pixel centres: on the ×5 grid a horizontal edge from u=0 to
    // u=20 crosses the column centres 5c+2.5 for c = 0..3, and the y boundary of the edges
    // at y=0 and y=4 becomes ceil((0+.5)/5-.5)=0 and ceil((20+.5)/5-.5)=4: rows 0..3.
    QTest::newRow("square on pixel corners")
        << QVector<Polygon>{{0, 0, 4, 0, 4, 4, 0, 4}}
        << QStringList{"####..", "####..", "####..", "####..", "......", "......"};
    // Corners at 0.5 and 3.5 become 3 and 18 on the ×5 grid (int(2.5+.5), int(17.5+.5)).
    // Column 0's centre (u=2.5) is outside [3,18]; column 3's (17.5) inside. Rows:
    // ceil(3.5/5-.5)=1 to ceil(18.5/5-.5)=4, i.e. rows 1..3. Centres on the left/top
    // edges fall out, on the right/bottom edges in.
    QTest::newRow("square through pixel centres")
        << QVector<Polygon>{{0.5, 0.5, 3.5, 0.5, 3.5, 3.5, 0.5, 3.5}}
        << QStringList{"......", ".###..", ".###..", ".###..", "......", "......"};
    // Centres strictly below the diagonal x+y=4: (x+.5)+(y+.5) < 4.
    QTest::newRow("right triangle") << QVector<Polygon>{{0, 0, 4, 0, 0, 4}}
                                    << QStringList{"###..", "##...", "#....", ".....", "....."};
    QTest::newRow("inner rectangle") << QVector<Polygon>{{1, 1, 5, 1, 5, 3, 1, 3}}
                                     << QStringList{"......", ".####.", ".####.", "......"};
    QTest::newRow("beyond the image on all sides")
        << QVector<Polygon>{{-1, -1, 7, -1, 7, 7, -1, 7}}
        << QStringList{"######", "######", "######", "######"};
    // Clipped before the edge walk, so no gigabyte allocation, same pixels.
    QTest::newRow("far beyond the image") << QVector<Polygon>{{-1e7, -1e7, 1e7, -1e7, 1e7, 1e7, -1e7, 1e7}}
                                          << QStringList{"######", "######", "######", "######"};
    QTest::newRow("outside the image") << QVector<Polygon>{{10, 10, 12, 10, 12, 12}}
                                       << QStringList{"....", "....", "...."};
    QTest::newRow("two points: a line encloses nothing") << QVector<Polygon>{{0, 0, 3, 3}}
                                                         << QStringList{"....", "....", "...."};
    QTest::newRow("no polygons") << QVector<Polygon>{} << QStringList{"....", "...."};
    QTest::newRow("union of overlapping squares")
        << QVector<Polygon>{{0, 0, 2, 0, 2, 2, 0, 2}, {1, 1, 3, 1, 3, 3, 1, 3}}
        << QStringList{"##..", "###.", ".##.", "...."};
    // An odd trailing number is ignored, as pycocotools reads len//2 points.
    QTest::newRow("odd coordinate count") << QVector<Polygon>{{0, 0, 2, 0, 2, 2, 0, 2, 9}}
                                          << QStringList{"##..", "##..", "...."};
}

void TestPolygon::rasterize() {
    QFETCH(QVector<Polygon>, polygons);
    QFETCH(QStringList, expected);
    const int h = int(expected.size()), w = int(expected[0].size());
    const std::vector<Polygon> ps(polygons.begin(), polygons.end());
    const BinaryMask m = rasterizePolygons(ps, h, w);
    QCOMPARE(artFromMask(m), expected);
    QVERIFY(decodeRle(rasterizePolygonsRle(ps, h, w)) == m);
}

void TestPolygon::rasterizeRejects() {
    QVERIFY_THROWS_EXCEPTION(Error, rasterizePolygons({{0, 0, NAN, 0, 2, 2}}, 4, 4));
    QVERIFY_THROWS_EXCEPTION(Error, rasterizePolygons({{0, 0, INFINITY, 0, 2, 2}}, 4, 4));
    QVERIFY_THROWS_EXCEPTION(Error, rasterizePolygons({{0, 0, 2, 0, 2, 2}}, 0, 4));
    QVERIFY_THROWS_EXCEPTION(Error, rasterizePolygons({{0, 0, 2, 0, 2, 2}}, 4, -3));
}

void TestPolygon::goldenPycocotools() {
    // Made once by running maskApi.c's rleFrPoly + rleMerge + rleToString on these
    // polygons (random, two decimals, some vertices outside the image).
    std::ifstream f(LABELDIFF_TEST_DATA "/polygon/pycocotools_polygons.json");
    QVERIFY(f.good());
    const auto cases = nlohmann::json::parse(f);
    QVERIFY(cases.size() >= 30);
    for (const auto& c : cases) {
        const auto ps = c["polygons"].get<std::vector<Polygon>>();
        const Rle r = rasterizePolygonsRle(ps, c["height"], c["width"]);
        QCOMPARE(QString::fromStdString(rleToString(r)), QString::fromStdString(c["counts"].get<std::string>()));
    }
}

void TestPolygon::cocoPolygons() {
    Coco coco;
    if (!loadCoco(coco)) QSKIP("../shared/data/coco128/instances.json not found");
    int n = 0;
    double iouCentres = 0, iouFillPoly = 0, totalPixels = 0, totalArea = 0;
    for (const auto& a : coco.json["annotations"]) {
        if (!a["segmentation"].is_array()) continue;
        const auto [h, w] = coco.sizes.at(a["image_id"].get<int64_t>());
        const auto ps = a["segmentation"].get<std::vector<Polygon>>();
        const double jsonArea = a["area"];
        const QByteArray id = QByteArray::number(qint64(a["id"].get<int64_t>()));

        // COCO's `area` of a polygon annotation is its shoelace area.
        double shoelace = 0;
        for (const Polygon& p : ps) shoelace += polygonArea(p);
        QVERIFY2(std::abs(shoelace - jsonArea) < 1e-6 * std::max(1.0, jsonArea), id);

        const BinaryMask m = rasterizePolygons(ps, h, w);
        const double pixels = double(area(m));
        // Pixel counts differ from the exact area only along the boundary.
        QVERIFY2(std::abs(pixels - jsonArea) <= 0.03 * jsonArea + 0.3 * perimeter(ps) + 2, id);
        // The bbox of the pixels lies within the polygon's extent, rounded out.
        const BBox b = bbox(m);
        QVERIFY2(b.x >= std::floor(a["bbox"][0].get<double>()) - 1, id);
        QVERIFY2(b.x + b.w <= std::ceil(a["bbox"][0].get<double>() + a["bbox"][2].get<double>()) + 1, id);
        iouCentres += iou(m, rasterizeAtCentres(ps, h, w));
        iouFillPoly += iou(m, rasterizeFillPoly(ps, h, w));
        totalPixels += pixels;
        totalArea += jsonArea;
        ++n;
    }
    QCOMPARE(n, 929);
    QVERIFY2(iouCentres / n >= 0.98, QByteArray::number(iouCentres / n));
    QVERIFY2(iouFillPoly / n >= 0.9, QByteArray::number(iouFillPoly / n));
    QVERIFY2(std::abs(totalPixels / totalArea - 1) < 0.01, QByteArray::number(totalPixels / totalArea));
}

void TestPolygon::cocoCrowd() {
    Coco coco;
    if (!loadCoco(coco)) QSKIP("../shared/data/coco128/instances.json not found");
    int n = 0;
    for (const auto& a : coco.json["annotations"]) {
        if (a["segmentation"].is_array()) continue;
        const auto& s = a["segmentation"];
        const QByteArray id = QByteArray::number(qint64(a["id"].get<int64_t>()));
        const int h = s["size"][0], w = s["size"][1];
        QVERIFY2(coco.sizes.at(a["image_id"].get<int64_t>()) == std::make_pair(h, w), id);
        const auto counts = s["counts"].get<std::vector<int64_t>>();
        const Rle r = rleFromCounts(counts, h, w, "instances.json: annotation " + id.toStdString());
        const BinaryMask m = toMask(Segmentation::fromRle(r), h, w);
        uint64_t odd = 0;
        for (size_t i = 1; i < counts.size(); i += 2) odd += uint64_t(counts[i]);
        QCOMPARE(uint64_t(area(m)), odd);
        QCOMPARE(rleArea(r), odd);
        // These crowd regions were drawn as polygons and then rasterised: `bbox` is the
        // polygon's continuous extent and `area` its polygon area, not a pixel count (the
        // pixel count is 66-99% of it here). The pixel box starts at the same integer corner
        // and is one pixel wider and taller.
        QVERIFY2(double(area(m)) <= a["area"].get<double>() && double(area(m)) >= 0.6 * a["area"].get<double>(), id);
        const BBox b = rleBbox(r);
        QCOMPARE(b.x, a["bbox"][0].get<double>());
        QCOMPARE(b.y, a["bbox"][1].get<double>());
        QCOMPARE(b.w, a["bbox"][2].get<double>() + 1);
        QCOMPARE(b.h, a["bbox"][3].get<double>() + 1);
        // Uncompressed in, compressed out, same runs.
        QVERIFY2(rleFromString(rleToString(r), h, w) == r, id);
        QVERIFY2(encodeRle(m) == r, id);
        ++n;
    }
    QCOMPARE(n, 10);
}

void TestPolygon::rectanglesExact_data() {
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::addColumn<QRect>("rect");
    QTest::newRow("inside") << 20 << 30 << QRect(3, 4, 10, 7);
    QTest::newRow("one pixel") << 5 << 5 << QRect(2, 2, 1, 1);
    QTest::newRow("top-left corner") << 8 << 8 << QRect(0, 0, 3, 2);
    QTest::newRow("bottom-right corner") << 8 << 8 << QRect(5, 6, 3, 2);
    QTest::newRow("full image") << 6 << 9 << QRect(0, 0, 9, 6);
    QTest::newRow("one row") << 6 << 9 << QRect(0, 3, 9, 1);
    QTest::newRow("one column") << 6 << 9 << QRect(4, 0, 1, 6);
}

void TestPolygon::rectanglesExact() {
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(QRect, rect);
    BinaryMask m(h, w);
    cv::rectangle(m.mat(), cv::Rect(rect.x(), rect.y(), rect.width(), rect.height()), cv::Scalar(1), cv::FILLED);
    const PolygonExtraction ex = maskToPolygons(m);
    QVERIFY(!ex.hadHoles);
    QVERIFY(!ex.lossy());
    QCOMPARE(int(ex.polygons.size()), 1);
    // Corners on pixel boundaries: the four corners of the rectangle, nothing else.
    const Polygon& p = ex.polygons[0];
    QCOMPARE(int(p.size()), 8);
    for (size_t i = 0; i < p.size(); i += 2) {
        QVERIFY(p[i] == rect.x() || p[i] == rect.x() + rect.width());
        QVERIFY(p[i + 1] == rect.y() || p[i + 1] == rect.y() + rect.height());
    }
    QCOMPARE(polygonArea(p), double(rect.width() * rect.height()));
    QVERIFY(rasterizePolygons(ex.polygons, h, w) == m);
}

void TestPolygon::diagonalPixelsOnePolygon() {
    // 8-connected foreground: pixels touching at a corner form one component, whose
    // outline passes twice through the shared corner and still rasterises exactly.
    const BinaryMask m = maskFromArt({"#...", ".#..", "..##", "...."});
    const PolygonExtraction ex = maskToPolygons(m);
    QCOMPARE(int(ex.polygons.size()), 1);
    QVERIFY(!ex.hadHoles);
    QCOMPARE(artFromMask(rasterizePolygons(ex.polygons, 4, 4)), artFromMask(m));
    // Separate components give separate polygons.
    const BinaryMask two = maskFromArt({"##...", "##...", ".....", "...##"});
    const PolygonExtraction ex2 = maskToPolygons(two);
    QCOMPARE(int(ex2.polygons.size()), 2);
    QVERIFY(rasterizePolygons(ex2.polygons, 4, 5) == two);
    // Empty masks have no polygons.
    QVERIFY(maskToPolygons(BinaryMask(3, 3)).polygons.empty());
}

void TestPolygon::holes() {
    const BinaryMask ring = maskFromArt({".....", ".###.", ".#.#.", ".###.", "....."});
    const PolygonExtraction ex = maskToPolygons(ring);
    QVERIFY(ex.hadHoles);
    QVERIFY(ex.lossy());
    QCOMPARE(int(ex.polygons.size()), 1);
    // The outer outline only: the hole comes back filled.
    QCOMPARE(artFromMask(rasterizePolygons(ex.polygons, 5, 5)),
             (QStringList{".....", ".###.", ".###.", ".###.", "....."}));
    // A background pixel that reaches the outside only diagonally is still enclosed for
    // 8-connected foreground.
    const BinaryMask diag = maskFromArt({".#...", "#.#..", ".#...", "....."});
    QVERIFY(maskToPolygons(diag).hadHoles);
}

void TestPolygon::randomBlobsRoundTrip() {
    std::mt19937 rng(2024);
    double iouSum = 0;
    int holesSeen = 0;
    for (int i = 0; i < 60; ++i) {
        const int h = 20 + int(rng() % 80), w = 20 + int(rng() % 80);
        const BinaryMask m = randomBlobs(rng, h, w);
        const PolygonExtraction ex = maskToPolygons(m);
        QCOMPARE(ex.hadHoles, hasHoles(m));
        holesSeen += ex.hadHoles;
        for (const Polygon& p : ex.polygons) QVERIFY(p.size() >= 6);
        const BinaryMask back = rasterizePolygons(ex.polygons, h, w);
        // Outer outlines on pixel boundaries reproduce the mask with its holes filled,
        // pixel for pixel.
        QVERIFY(back == fillHoles(m));
        if (!ex.hadHoles) QVERIFY(back == m);
        iouSum += iou(back, m);
    }
    QVERIFY(holesSeen > 0);  // the generator does exercise the lossy path
    QVERIFY2(iouSum / 60 >= 0.99, QByteArray::number(iouSum / 60));
}

void TestPolygon::cocoMasksRoundTrip() {
    Coco coco;
    if (!loadCoco(coco)) QSKIP("../shared/data/coco128/instances.json not found");
    int n = 0;
    double iouSum = 0;
    for (const auto& a : coco.json["annotations"]) {
        const auto [h, w] = coco.sizes.at(a["image_id"].get<int64_t>());
        Segmentation s;
        if (a["segmentation"].is_array())
            s = Segmentation::fromPolygons(a["segmentation"].get<std::vector<Polygon>>());
        else
            s = Segmentation::fromRle(rleFromCounts(a["segmentation"]["counts"].get<std::vector<int64_t>>(), h, w));
        const BinaryMask m = toMask(s, h, w);
        const PolygonExtraction ex = maskToPolygons(m);
        const BinaryMask back = rasterizePolygons(ex.polygons, h, w);
        QVERIFY2(back == fillHoles(m), QByteArray::number(qint64(a["id"].get<int64_t>())));
        iouSum += iou(back, m);
        ++n;
    }
    QCOMPARE(n, 939);
    QVERIFY2(iouSum / n >= 0.99, QByteArray::number(iouSum / n));
}

void TestPolygon::simplify() {
    BinaryMask m(60, 60);
    cv::circle(m.mat(), cv::Point(30, 30), 20, cv::Scalar(1), cv::FILLED);
    const PolygonExtraction exact = maskToPolygons(m);
    const PolygonExtraction simple = maskToPolygons(m, 1.0);
    QCOMPARE(int(simple.polygons.size()), 1);
    QVERIFY(simple.polygons[0].size() >= 6);
    QVERIFY(simple.polygons[0].size() < exact.polygons[0].size() / 2);
    QVERIFY(rasterizePolygons(exact.polygons, 60, 60) == m);
    QVERIFY(iou(rasterizePolygons(simple.polygons, 60, 60), m) >= 0.95);
    // A tolerance larger than the shape keeps at least the exact outline of a component.
    BinaryMask dot(5, 5);
    dot.set(2, 2, true);
    const PolygonExtraction big = maskToPolygons(dot, 100.0);
    QCOMPARE(int(big.polygons.size()), 1);
    QVERIFY(big.polygons[0].size() >= 6);
    QVERIFY(rasterizePolygons(big.polygons, 5, 5) == dot);
}

void TestPolygon::shoelaceArea_data() {
    QTest::addColumn<Polygon>("polygon");
    QTest::addColumn<double>("expected");
    QTest::newRow("square") << Polygon{0, 0, 4, 0, 4, 4, 0, 4} << 16.0;
    QTest::newRow("square, other orientation") << Polygon{0, 0, 0, 4, 4, 4, 4, 0} << 16.0;
    QTest::newRow("triangle") << Polygon{0, 0, 4, 0, 0, 3} << 6.0;
    QTest::newRow("L shape") << Polygon{0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2} << 3.0;
    QTest::newRow("fractional") << Polygon{0.5, 0.5, 2.5, 0.5, 2.5, 1.5} << 1.0;
    QTest::newRow("two points") << Polygon{0, 0, 5, 5} << 0.0;
    QTest::newRow("empty") << Polygon{} << 0.0;
}

void TestPolygon::shoelaceArea() {
    QFETCH(Polygon, polygon);
    QFETCH(double, expected);
    QCOMPARE(ld::polygonArea(polygon), expected);
}

void TestPolygon::segmentation() {
    const Rle none = toRle(Segmentation{}, 3, 4);
    QCOMPARE(none.height, 3);
    QCOMPARE(none.width, 4);
    QCOMPARE(rleArea(none), uint64_t(0));
    QVERIFY(toMask(Segmentation{}, 3, 4) == BinaryMask(3, 4));

    const Segmentation poly = Segmentation::fromPolygons({{0, 0, 4, 0, 4, 4, 0, 4}});
    QCOMPARE(rleArea(toRle(poly, 6, 6)), uint64_t(16));
    QVERIFY(toMask(poly, 6, 6) == rasterizePolygons(poly.polygons, 6, 6));

    const BinaryMask m = maskFromArt({"#..", ".#.", "..#", "..."});
    const Segmentation fromMask = Segmentation::fromMask(m);
    QCOMPARE(fromMask.kind, Segmentation::Kind::Rle);
    QVERIFY(toMask(fromMask, 4, 3) == m);
    QVERIFY(toRle(fromMask, 4, 3) == encodeRle(m));

    // An RLE of another size, broken counts, or a non-positive size are errors.
    QVERIFY_THROWS_EXCEPTION(Error, toRle(fromMask, 3, 4));
    QVERIFY_THROWS_EXCEPTION(Error, toMask(fromMask, 4, 4));
    Segmentation broken = fromMask;
    broken.rle.counts.push_back(5);
    QVERIFY_THROWS_EXCEPTION(Error, toRle(broken, 4, 3));
    QVERIFY_THROWS_EXCEPTION(Error, toRle(Segmentation{}, 0, 3));
    try {
        toRle(fromMask, 3, 4);
    } catch (const Error& e) {
        QVERIFY2(QString::fromStdString(e.reason()).contains("4x3"), e.what());
    }
}

QTEST_GUILESS_MAIN(TestPolygon)
#include "test_polygon.moc"
