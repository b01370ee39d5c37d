// COCO RLE: encoding, the compressed string, validation, area, bbox and merge, checked
// against hand-derived strings, the public examples, and golden strings that
// pycocotools' maskApi.c produced for masks described in tests/data/rle/.
#include "core/error.h"
#include "core/rle.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <random>

using namespace ld;

namespace {

// Pixels given as column-major indices, the order RLE counts run in.
BinaryMask maskFromIndices(int h, int w, const QVector<int>& idx) {
    BinaryMask m(h, w);
    for (int i : idx) m.set(i % h, i / h, true);
    return m;
}

QVector<int> range(int from, int to) {  // [from, to)
    QVector<int> v;
    for (int i = from; i < to; ++i) v.push_back(i);
    return v;
}

BinaryMask randomMask(std::mt19937& rng, int h, int w, int percent) {
    BinaryMask m(h, w);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) m.set(y, x, int(rng() % 100) < percent);
    return m;
}

}  // namespace

class TestRle : public QObject {
    Q_OBJECT

private slots:
    void encode_data();
    void encode();
    void roundTripRandom();
    void goldenPycocotools();
    void malformedString_data();
    void malformedString();
    void errorNamesWhere();
    void fromCounts();
    void fromCountsRejects_data();
    void fromCountsRejects();
    void areaAndBbox_data();
    void areaAndBbox();
    void bboxMatchesMask();
    void merge();
    void mergeRejectsSizeMismatch();
    void decodeRejectsBadCounts();
};

void TestRle::encode_data() {
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::addColumn<QVector<int>>("pixels");  // column-major indices of set pixels
    QTest::addColumn<QString>("expected");

    // counts [0,1,15]: '0','1', and 15 fits one group without the sign bit -> '0'+15.
    QTest::newRow("issue: 4x4 top-left") << 4 << 4 << QVector<int>{0} << "01?";
    // counts [10,15,15] -> ':', '?', '?'.
    QTest::newRow("issue: 5x8 columns 2-4") << 5 << 8 << range(10, 25) << ":??";
    QTest::newRow("empty 3x3") << 3 << 3 << QVector<int>{} << "9";
    QTest::newRow("full 3x3") << 3 << 3 << range(0, 9) << "09";
    QTest::newRow("1x1 zero") << 1 << 1 << QVector<int>{} << "1";
    QTest::newRow("1x1 one") << 1 << 1 << QVector<int>{0} << "01";
    QTest::newRow("last pixel 4x4") << 4 << 4 << QVector<int>{15} << "?1";
    // counts [0,1,14,1]: the 4th count is sent as 1-1 = 0.
    QTest::newRow("first and last 4x4") << 4 << 4 << QVector<int>{0, 15} << "01>0";
    // 90000 = 16 + 28·32 + 23·32² + 2·32³; groups with bit 0x10 need a continuation
    // (0x20) because a lone group with it set would read as negative.
    QTest::newRow("300x300 full, run > 65535") << 300 << 300 << range(0, 90000) << "0`lg2";
    QTest::newRow("300x300 empty") << 300 << 300 << QVector<int>{} << "`lg2";
    // counts [2,3,4]: the run of ones wraps from column 0 into column 1.
    QTest::newRow("run wraps a column") << 3 << 3 << range(2, 5) << "234";
    // 1x10 "0011111010": counts [2,5,1,1,1]; the 4th is 1-5 = -4 -> 28 with the sign bit
    // set and nothing left: 'L'; the 5th is 1-1 = 0.
    QTest::newRow("negative delta") << 1 << 10 << QVector<int>{2, 3, 4, 5, 6, 8} << "251L0";
}

void TestRle::encode() {
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(QVector<int>, pixels);
    QFETCH(QString, expected);
    const BinaryMask m = maskFromIndices(h, w, pixels);
    const Rle r = encodeRle(m);
    QCOMPARE(r.height, h);
    QCOMPARE(r.width, w);
    QCOMPARE(QString::fromStdString(rleToString(r)), expected);
    QCOMPARE(rleArea(r), uint64_t(pixels.size()));

    const Rle parsed = rleFromString(expected.toStdString(), h, w);
    QVERIFY(parsed == r);
    QVERIFY(decodeRle(parsed) == m);
}

void TestRle::roundTripRandom() {
    std::mt19937 rng(12345);
    for (int i = 0; i < 300; ++i) {
        const int h = 1 + int(rng() % 40), w = 1 + int(rng() % 40);
        const BinaryMask m = randomMask(rng, h, w, int(rng() % 101));
        const Rle r = encodeRle(m);
        uint64_t sum = 0;
        for (uint32_t c : r.counts) sum += c;
        QCOMPARE(sum, uint64_t(h) * uint64_t(w));
        const std::string s = rleToString(r);
        const Rle back = rleFromString(s, h, w);
        QVERIFY2(back == r, s.c_str());
        QVERIFY(decodeRle(back) == m);
        QCOMPARE(int64_t(rleArea(r)), area(m));
    }
}

void TestRle::goldenPycocotools() {
    // Made once by running maskApi.c's rleEncode/rleToString/rleToBbox on these masks.
    std::ifstream f(LABELDIFF_TEST_DATA "/rle/pycocotools_masks.json");
    QVERIFY(f.good());
    const auto cases = nlohmann::json::parse(f);
    QVERIFY(cases.size() >= 10);
    for (const auto& c : cases) {
        const int h = c["height"], w = c["width"];
        BinaryMask m(h, w);
        for (const auto& run : c["set_runs"])
            for (int i = run[0].get<int>(), n = 0; n < run[1].get<int>(); ++i, ++n) m.set(i % h, i / h, true);
        const std::string expected = c["counts"];
        const Rle r = encodeRle(m);
        QCOMPARE(QString::fromStdString(rleToString(r)), QString::fromStdString(expected));
        QVERIFY(rleFromString(expected, h, w) == r);
        const BBox b = rleBbox(r);
        QCOMPARE(b.x, c["bbox"][0].get<double>());
        QCOMPARE(b.y, c["bbox"][1].get<double>());
        QCOMPARE(b.w, c["bbox"][2].get<double>());
        QCOMPARE(b.h, c["bbox"][3].get<double>());
    }
}

void TestRle::malformedString_data() {
    QTest::addColumn<QString>("counts");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::addColumn<QString>("reasonPart");

    QTest::newRow("sum too small") << "01" << 4 << 4 << "sum to 1";
    QTest::newRow("sum too large") << "01?1" << 4 << 4 << "exceed";
    QTest::newRow("empty string") << "" << 4 << 4 << "sum to 0";
    QTest::newRow("character below '0'") << "0 1" << 4 << 4 << "invalid character";
    QTest::newRow("character above 'o'") << "01p" << 4 << 4 << "invalid character";
    QTest::newRow("truncated group") << "01`" << 4 << 4 << "ends inside";
    // counts 2, 1, 1, then 1 + (-4) = -3.
    QTest::newRow("negative after delta") << "211L" << 1 << 10 << "negative";
    QTest::newRow("overlong count") << "ooooooooooooooo0" << 4 << 4 << "overlong";
    QTest::newRow("zero height") << "0" << 0 << 4 << "not positive";
    QTest::newRow("negative width") << "0" << 4 << -1 << "not positive";
}

void TestRle::malformedString() {
    QFETCH(QString, counts);
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(QString, reasonPart);
    try {
        rleFromString(counts.toStdString(), h, w, "test.json: annotation 1");
        QFAIL("malformed string accepted");
    } catch (const Error& e) {
        QCOMPARE(QString::fromStdString(e.subject()), QString("test.json: annotation 1"));
        QVERIFY2(QString::fromStdString(e.reason()).contains(reasonPart), e.what());
    }
}

void TestRle::errorNamesWhere() {
    try {
        rleFromString("01", 4, 4, "instances.json: annotation 42");
        QFAIL("accepted");
    } catch (const Error& e) {
        QVERIFY(QString(e.what()).startsWith("instances.json: annotation 42: "));
    }
    // Without a `where` the subject still says what the error is about.
    try {
        rleFromString("01", 4, 4);
        QFAIL("accepted");
    } catch (const Error& e) {
        QCOMPARE(QString::fromStdString(e.subject()), QString("RLE"));
    }
}

void TestRle::fromCounts() {
    const Rle r = rleFromCounts({0, 1, 15}, 4, 4);
    QCOMPARE(QString::fromStdString(rleToString(r)), QString("01?"));
    // Zero runs in the middle are legal in uncompressed crowd RLEs and decode as nothing.
    const Rle z = rleFromCounts({2, 0, 3, 4}, 3, 3);
    QCOMPARE(rleArea(z), uint64_t(4));
    QCOMPARE(area(decodeRle(z)), int64_t(4));
    QVERIFY(decodeRle(z).at(2, 2));
    QVERIFY(!decodeRle(z).at(1, 1));
    const Rle big = rleFromCounts({0, 90000}, 300, 300);
    QCOMPARE(QString::fromStdString(rleToString(big)), QString("0`lg2"));
}

void TestRle::fromCountsRejects_data() {
    QTest::addColumn<QVector<qint64>>("counts");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::addColumn<QString>("reasonPart");
    QTest::newRow("negative") << QVector<qint64>{-1, 17} << 4 << 4 << "negative";
    QTest::newRow("sum short") << QVector<qint64>{3, 4} << 4 << 4 << "sum to 7";
    QTest::newRow("sum long") << QVector<qint64>{10, 10} << 4 << 4 << "exceed";
    QTest::newRow("empty list") << QVector<qint64>{} << 4 << 4 << "sum to 0";
    QTest::newRow("huge count") << QVector<qint64>{qint64(1) << 40} << 4 << 4 << "exceed";
    QTest::newRow("zero size") << QVector<qint64>{0} << 0 << 0 << "not positive";
}

void TestRle::fromCountsRejects() {
    QFETCH(QVector<qint64>, counts);
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(QString, reasonPart);
    const std::vector<int64_t> c(counts.begin(), counts.end());
    try {
        rleFromCounts(c, h, w, "crowd.json");
        QFAIL("bad counts accepted");
    } catch (const Error& e) {
        QCOMPARE(QString::fromStdString(e.subject()), QString("crowd.json"));
        QVERIFY2(QString::fromStdString(e.reason()).contains(reasonPart), e.what());
    }
}

void TestRle::areaAndBbox_data() {
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::addColumn<QVector<int>>("pixels");
    QTest::addColumn<int>("expectedArea");
    QTest::addColumn<QVector<double>>("expectedBox");
    QTest::newRow("issue: 5x8 columns 2-4") << 5 << 8 << range(10, 25) << 15 << QVector<double>{2, 0, 3, 5};
    QTest::newRow("empty") << 5 << 6 << QVector<int>{} << 0 << QVector<double>{0, 0, 0, 0};
    QTest::newRow("full") << 5 << 6 << range(0, 30) << 30 << QVector<double>{0, 0, 6, 5};
    QTest::newRow("one pixel y=2 x=3") << 5 << 6 << QVector<int>{3 * 5 + 2} << 1 << QVector<double>{3, 2, 1, 1};
    QTest::newRow("last pixel") << 5 << 6 << QVector<int>{29} << 1 << QVector<double>{5, 4, 1, 1};
    // Bottom of column 0 and top of column 1: the run wraps, so the box spans all rows.
    QTest::newRow("wrapping run") << 3 << 3 << range(2, 5) << 3 << QVector<double>{0, 0, 2, 3};
    QTest::newRow("two blobs") << 6 << 6 << QVector<int>{1 * 6 + 1, 4 * 6 + 3, 4 * 6 + 4} << 3
                               << QVector<double>{1, 1, 4, 4};
}

void TestRle::areaAndBbox() {
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(QVector<int>, pixels);
    QFETCH(int, expectedArea);
    QFETCH(QVector<double>, expectedBox);
    const BinaryMask m = maskFromIndices(h, w, pixels);
    const Rle r = encodeRle(m);
    QCOMPARE(rleArea(r), uint64_t(expectedArea));
    const BBox b = rleBbox(r);
    QCOMPARE(b.x, expectedBox[0]);
    QCOMPARE(b.y, expectedBox[1]);
    QCOMPARE(b.w, expectedBox[2]);
    QCOMPARE(b.h, expectedBox[3]);
    QVERIFY(bbox(m) == b);
}

void TestRle::bboxMatchesMask() {
    // pycocotools' bbox is the tight box of the set pixels; check against a direct scan.
    std::mt19937 rng(99);
    for (int i = 0; i < 200; ++i) {
        const int h = 1 + int(rng() % 25), w = 1 + int(rng() % 25);
        BinaryMask m(h, w);
        const int n = int(rng() % 6);
        for (int k = 0; k < n; ++k) m.set(int(rng() % h), int(rng() % w), true);
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                if (m.at(y, x)) {
                    x0 = std::min(x0, x);
                    y0 = std::min(y0, y);
                    x1 = std::max(x1, x);
                    y1 = std::max(y1, y);
                }
        const BBox b = rleBbox(encodeRle(m));
        if (x1 < 0) {
            QVERIFY(b == BBox{});
        } else {
            QCOMPARE(b.x, double(x0));
            QCOMPARE(b.y, double(y0));
            QCOMPARE(b.w, double(x1 - x0 + 1));
            QCOMPARE(b.h, double(y1 - y0 + 1));
        }
    }
}

void TestRle::merge() {
    std::mt19937 rng(4242);
    for (int i = 0; i < 200; ++i) {
        const int h = 1 + int(rng() % 20), w = 1 + int(rng() % 20);
        const BinaryMask a = randomMask(rng, h, w, int(rng() % 101));
        const BinaryMask b = randomMask(rng, h, w, int(rng() % 101));
        const BinaryMask c = randomMask(rng, h, w, 30);
        const std::vector<Rle> rles{encodeRle(a), encodeRle(b), encodeRle(c)};
        // The merge output is canonical: equal to encoding the combined pixels.
        QVERIFY(rleMerge(rles) == encodeRle(unite(unite(a, b), c)));
        QVERIFY(rleMerge(rles, true) == encodeRle(intersect(intersect(a, b), c)));
    }
    const Rle one = encodeRle(maskFromIndices(4, 4, {0}));
    QVERIFY(rleMerge({one}) == one);
    QVERIFY(rleMerge({}) == Rle{});
}

void TestRle::mergeRejectsSizeMismatch() {
    const Rle a = encodeRle(BinaryMask(4, 4));
    const Rle b = encodeRle(BinaryMask(4, 5));
    QVERIFY_THROWS_EXCEPTION(Error, rleMerge({a, b}));
    Rle bad = a;
    bad.counts = {3};
    QVERIFY_THROWS_EXCEPTION(Error, rleMerge({a, bad}));
}

void TestRle::decodeRejectsBadCounts() {
    Rle r;
    r.height = 4;
    r.width = 4;
    r.counts = {20};  // would write past the mask
    QVERIFY_THROWS_EXCEPTION(Error, decodeRle(r));
    r.counts = {3};
    QVERIFY_THROWS_EXCEPTION(Error, decodeRle(r));
    r.height = -1;
    QVERIFY_THROWS_EXCEPTION(Error, decodeRle(r));
}

QTEST_GUILESS_MAIN(TestRle)
#include "test_rle.moc"
