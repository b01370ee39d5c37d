// Binary and soft masks: construction, area/bbox/IoU, resizing, thresholding, boolean
// operations, holes and specks, and the errors for mismatched or malformed input.
#include "core/error.h"
#include "core/mask.h"
#include "core/rle.h"

#include "support/mask_art.h"

#include <QtTest>

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <random>

using namespace ld;

namespace {

using ld::test::artFromMask;
using ld::test::maskFromArt;

}  // namespace

class TestMask : public QObject {
    Q_OBJECT

private slots:
    void construction();
    void fromMatRejects();
    void softFromMatClamps();
    void areaBboxIou_data();
    void areaBboxIou();
    void bboxAgreesWithRle();
    void sizeMismatch();
    void resizeNearest_data();
    void resizeNearest();
    void resizeSoft();
    void thresholdAndSoft();
    void booleanOps();
    void holes_data();
    void holes();
    void removeSpecks();
};

void TestMask::construction() {
    const BinaryMask z(3, 5);
    QCOMPARE(z.height(), 3);
    QCOMPARE(z.width(), 5);
    QCOMPARE(z.mat().type(), CV_8UC1);
    QCOMPARE(area(z), int64_t(0));
    QVERIFY(BinaryMask().empty());
    QVERIFY_THROWS_EXCEPTION(Error, BinaryMask(-1, 3));
    QVERIFY_THROWS_EXCEPTION(Error, SoftMask(2, -3));

    cv::Mat src = (cv::Mat_<uint8_t>(2, 3) << 0, 255, 7, 1, 0, 0);
    const BinaryMask m = BinaryMask::fromMat(src);
    QCOMPARE(artFromMask(m), (QStringList{".##", "#.."}));
    QCOMPARE(int(m.mat().at<uint8_t>(0, 1)), 1);  // values are 0/1, not 0/255
    cv::Mat signedSrc = (cv::Mat_<int8_t>(1, 3) << -1, 0, 5);
    QCOMPARE(artFromMask(BinaryMask::fromMat(signedSrc)), QStringList{"#.#"});

    QVERIFY(m == BinaryMask::fromMat(src));
    QVERIFY(m != BinaryMask(2, 3));
    QVERIFY(m != BinaryMask(3, 2));
    QVERIFY(BinaryMask() == BinaryMask());
}

void TestMask::fromMatRejects() {
    QVERIFY_THROWS_EXCEPTION(Error, BinaryMask::fromMat(cv::Mat::zeros(2, 2, CV_8UC3)));
    QVERIFY_THROWS_EXCEPTION(Error, BinaryMask::fromMat(cv::Mat::zeros(2, 2, CV_16UC1)));
    QVERIFY_THROWS_EXCEPTION(Error, BinaryMask::fromMat(cv::Mat::zeros(2, 2, CV_32FC1)));
    QVERIFY_THROWS_EXCEPTION(Error, SoftMask::fromMat(cv::Mat::zeros(2, 2, CV_8UC1)));
    QVERIFY_THROWS_EXCEPTION(Error, SoftMask::fromMat(cv::Mat::zeros(2, 2, CV_32FC2)));
}

void TestMask::softFromMatClamps() {
    cv::Mat f = (cv::Mat_<float>(1, 5) << -0.5f, 0.25f, 1.5f, NAN, 1.0f);
    const SoftMask s = SoftMask::fromMat(f);
    QCOMPARE(s.mat().type(), CV_32FC1);
    QCOMPARE(s.at(0, 0), 0.f);
    QCOMPARE(s.at(0, 1), 0.25f);
    QCOMPARE(s.at(0, 2), 1.f);
    QCOMPARE(s.at(0, 3), 0.f);  // NaN is no probability
    QCOMPARE(s.at(0, 4), 1.f);
    cv::Mat d = (cv::Mat_<double>(1, 2) << 0.5, 2.0);
    const SoftMask sd = SoftMask::fromMat(d);
    QCOMPARE(sd.at(0, 0), 0.5f);
    QCOMPARE(sd.at(0, 1), 1.f);
}

void TestMask::areaBboxIou_data() {
    QTest::addColumn<QStringList>("a");
    QTest::addColumn<QStringList>("b");
    QTest::addColumn<int>("areaA");
    QTest::addColumn<QVector<double>>("bboxA");
    QTest::addColumn<int>("inter");
    QTest::addColumn<int>("uni");
    QTest::addColumn<double>("expectedIou");

    QTest::newRow("overlap") << QStringList{"##..", "##..", "...."} << QStringList{".##.", ".##.", "...."} << 4
                             << QVector<double>{0, 0, 2, 2} << 2 << 6 << 2.0 / 6.0;
    QTest::newRow("identical") << QStringList{".#.", "###"} << QStringList{".#.", "###"} << 4
                               << QVector<double>{0, 0, 3, 2} << 4 << 4 << 1.0;
    QTest::newRow("disjoint") << QStringList{"#..", "..."} << QStringList{"...", "..#"} << 1
                              << QVector<double>{0, 0, 1, 1} << 0 << 2 << 0.0;
    // Two empty masks agree perfectly.
    QTest::newRow("both empty") << QStringList{"...", "..."} << QStringList{"...", "..."} << 0
                                << QVector<double>{0, 0, 0, 0} << 0 << 0 << 1.0;
    QTest::newRow("one empty") << QStringList{"...", ".#."} << QStringList{"...", "..."} << 1
                               << QVector<double>{1, 1, 1, 1} << 0 << 1 << 0.0;
}

void TestMask::areaBboxIou() {
    QFETCH(QStringList, a);
    QFETCH(QStringList, b);
    QFETCH(int, areaA);
    QFETCH(QVector<double>, bboxA);
    QFETCH(int, inter);
    QFETCH(int, uni);
    QFETCH(double, expectedIou);
    const BinaryMask ma = maskFromArt(a), mb = maskFromArt(b);
    QCOMPARE(area(ma), int64_t(areaA));
    const BBox box = bbox(ma);
    QCOMPARE(box.x, bboxA[0]);
    QCOMPARE(box.y, bboxA[1]);
    QCOMPARE(box.w, bboxA[2]);
    QCOMPARE(box.h, bboxA[3]);
    QCOMPARE(intersectionArea(ma, mb), int64_t(inter));
    QCOMPARE(unionArea(ma, mb), int64_t(uni));
    QCOMPARE(iou(ma, mb), expectedIou);
    QCOMPARE(iou(mb, ma), expectedIou);
}

void TestMask::bboxAgreesWithRle() {
    std::mt19937 rng(7);
    for (int i = 0; i < 100; ++i) {
        const int h = 1 + int(rng() % 30), w = 1 + int(rng() % 30);
        BinaryMask m(h, w);
        cv::circle(m.mat(), cv::Point(int(rng() % w), int(rng() % h)), int(rng() % 6), cv::Scalar(1), cv::FILLED);
        QVERIFY(bbox(m) == rleBbox(encodeRle(m)));
        QCOMPARE(uint64_t(area(m)), rleArea(encodeRle(m)));
    }
}

void TestMask::sizeMismatch() {
    const BinaryMask a(3, 4), b(4, 3);
    QVERIFY_THROWS_EXCEPTION(Error, iou(a, b));
    QVERIFY_THROWS_EXCEPTION(Error, intersectionArea(a, b));
    QVERIFY_THROWS_EXCEPTION(Error, unionArea(a, b));
    QVERIFY_THROWS_EXCEPTION(Error, unite(a, b));
    QVERIFY_THROWS_EXCEPTION(Error, subtract(a, b));
    QVERIFY_THROWS_EXCEPTION(Error, intersect(a, b));
    try {
        iou(a, b);
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("3x4") && QString(e.what()).contains("4x3"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(Error, resize(a, 0, 5));
    QVERIFY_THROWS_EXCEPTION(Error, resize(BinaryMask(), 5, 5));
    QVERIFY_THROWS_EXCEPTION(Error, resize(SoftMask(2, 2), 5, -1));
}

void TestMask::resizeNearest_data() {
    QTest::addColumn<QStringList>("src");
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("identity") << QStringList{"#.", ".#"} << 2 << 2 << QStringList{"#.", ".#"};
    QTest::newRow("2x up") << QStringList{"#.", ".#"} << 4 << 4 << QStringList{"##..", "##..", "..##", "..##"};
    // Target centre x+0.5 maps to source (x+0.5)·2: columns 1 and 3 of the source.
    QTest::newRow("2x down samples centres") << QStringList{"..##", "..##", "#.#.", "#.#."} << 2 << 2
                                             << QStringList{".#", ".."};
    QTest::newRow("3 to 2 columns") << QStringList{"#.#"} << 2 << 1 << QStringList{"##"};
    // One target row: its centre 0.5 maps to source row 1.
    QTest::newRow("anisotropic") << QStringList{"..", "#."} << 4 << 1 << QStringList{"##.."};
}

void TestMask::resizeNearest() {
    QFETCH(QStringList, src);
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(QStringList, expected);
    const BinaryMask r = resize(maskFromArt(src), w, h);
    QCOMPARE(r.width(), w);
    QCOMPARE(r.height(), h);
    QCOMPARE(artFromMask(r), expected);
}

void TestMask::resizeSoft() {
    SoftMask s(4, 4);
    s.mat().setTo(0.25f);
    const SoftMask up = resize(s, 9, 7);
    QCOMPARE(up.width(), 9);
    QCOMPARE(up.height(), 7);
    double lo, hi;
    cv::minMaxLoc(up.mat(), &lo, &hi);
    QVERIFY(std::abs(lo - 0.25) < 1e-6 && std::abs(hi - 0.25) < 1e-6);

    // A step becomes a ramp: bilinear, not nearest.
    SoftMask step = SoftMask::fromMat((cv::Mat_<float>(1, 2) << 0.f, 1.f));
    const SoftMask ramp = resize(step, 4, 1);
    QCOMPARE(ramp.at(0, 0), 0.f);
    QCOMPARE(ramp.at(0, 1), 0.25f);
    QCOMPARE(ramp.at(0, 2), 0.75f);
    QCOMPARE(ramp.at(0, 3), 1.f);
}

void TestMask::thresholdAndSoft() {
    const SoftMask s = SoftMask::fromMat((cv::Mat_<float>(1, 4) << 0.f, 0.49f, 0.5f, 0.9f));
    QCOMPARE(artFromMask(threshold(s, 0.5f)), QStringList{"..##"});  // >= tau is set
    QCOMPARE(artFromMask(threshold(s, 0.0f)), QStringList{"####"});
    QCOMPARE(artFromMask(threshold(s, 0.95f)), QStringList{"...."});
    const BinaryMask b = maskFromArt({"#.", ".#"});
    const SoftMask t = toSoft(b);
    QCOMPARE(t.mat().type(), CV_32FC1);
    QCOMPARE(t.at(0, 0), 1.f);
    QCOMPARE(t.at(0, 1), 0.f);
    QVERIFY(threshold(t, 0.5f) == b);
}

void TestMask::booleanOps() {
    const BinaryMask a = maskFromArt({"##..", "##.."});
    const BinaryMask b = maskFromArt({".##.", ".##."});
    QCOMPARE(artFromMask(unite(a, b)), (QStringList{"###.", "###."}));
    QCOMPARE(artFromMask(intersect(a, b)), (QStringList{".#..", ".#.."}));
    QCOMPARE(artFromMask(subtract(a, b)), (QStringList{"#...", "#..."}));
    QCOMPARE(artFromMask(subtract(b, a)), (QStringList{"..#.", "..#."}));
    // Results keep the 0/1 contract.
    double hi;
    cv::minMaxLoc(unite(a, b).mat(), nullptr, &hi);
    QCOMPARE(hi, 1.0);
    cv::minMaxLoc(subtract(a, b).mat(), nullptr, &hi);
    QCOMPARE(hi, 1.0);
}

void TestMask::holes_data() {
    QTest::addColumn<QStringList>("mask");
    QTest::addColumn<bool>("expectHoles");
    QTest::addColumn<QStringList>("filled");
    QTest::newRow("ring") << QStringList{".....", ".###.", ".#.#.", ".###.", "....."} << true
                          << QStringList{".....", ".###.", ".###.", ".###.", "....."};
    QTest::newRow("solid") << QStringList{"##.", "##."} << false << QStringList{"##.", "##."};
    // Open to the image border: not enclosed.
    QTest::newRow("notch at the border") << QStringList{"#.#", "#.#", "###"} << false
                                         << QStringList{"#.#", "#.#", "###"};
    // Background is 4-connected: a diagonal gap in 8-connected foreground still encloses.
    QTest::newRow("diagonal wall") << QStringList{".#..", "#.#.", ".#..", "...."} << true
                                   << QStringList{".#..", "###.", ".#..", "...."};
    QTest::newRow("mask filling the image with a hole") << QStringList{"###", "#.#", "###"} << true
                                                        << QStringList{"###", "###", "###"};
    QTest::newRow("empty") << QStringList{"...", "..."} << false << QStringList{"...", "..."};
}

void TestMask::holes() {
    QFETCH(QStringList, mask);
    QFETCH(bool, expectHoles);
    QFETCH(QStringList, filled);
    const BinaryMask m = maskFromArt(mask);
    QCOMPARE(hasHoles(m), expectHoles);
    const BinaryMask f = fillHoles(m);
    QCOMPARE(artFromMask(f), filled);
    QVERIFY(!hasHoles(f));
}

void TestMask::removeSpecks() {
    const BinaryMask m = maskFromArt({"##....#", "##.....", ".......", "...#...", "....#..", ".....#."});
    // The diagonal run of three pixels is one 8-connected component.
    QCOMPARE(artFromMask(ld::removeSpecks(m, 3)),
             (QStringList{"##.....", "##.....", ".......", "...#...", "....#..", ".....#."}));
    QCOMPARE(artFromMask(ld::removeSpecks(m, 4)),
             (QStringList{"##.....", "##.....", ".......", ".......", ".......", "......."}));
    QVERIFY(ld::removeSpecks(m, 1) == m);
    QVERIFY(ld::removeSpecks(m, 0) == m);
    QCOMPARE(area(ld::removeSpecks(m, 5)), int64_t(0));
}

QTEST_GUILESS_MAIN(TestMask)
#include "test_mask.moc"
