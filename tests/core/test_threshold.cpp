#include <QtTest>

#include "core/error.h"
#include "core/mask.h"
#include "core/threshold.h"

#include <random>
#include <vector>

namespace {

// One row of n pixels: value (i + 0.5)/n, truth = pixels with i ≥ cut. The best τ is
// the grid value in ((cut − 0.5)/n, (cut + 0.5)/n].
struct Ramp {
    ld::SoftMask prediction;
    ld::BinaryMask truth;
};

Ramp ramp(int n, int cut) {
    cv::Mat p(1, n, CV_32F);
    ld::BinaryMask t(1, n);
    for (int i = 0; i < n; ++i) {
        p.at<float>(0, i) = float((i + 0.5) / n);
        t.set(0, i, i >= cut);
    }
    return {ld::SoftMask::fromMat(p), t};
}

Ramp separable(int seed, float lo, float hi) {
    std::mt19937 rng{static_cast<uint32_t>(seed)};
    cv::Mat p(16, 16, CV_32F);
    ld::BinaryMask t(16, 16);
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x) {
            const bool fg = (rng() % 3) == 0;
            t.set(y, x, fg);
            p.at<float>(y, x) = fg ? hi : lo;
        }
    return {ld::SoftMask::fromMat(p), t};
}

}  // namespace

class TestThreshold : public QObject {
    Q_OBJECT

private slots:
    void defaultGrid() {
        const auto& g = ld::defaultThresholdGrid();
        QCOMPARE(int(g.size()), 91);
        QCOMPARE(g.front(), 0.05f);
        QCOMPARE(g.back(), 0.95f);
        QCOMPARE(g[45], 0.5f);
    }

    void knownOptimum_data() {
        QTest::addColumn<int>("cut");
        QTest::addColumn<float>("tau");
        QTest::newRow("cut 60") << 60 << 0.60f;
        QTest::newRow("cut 30") << 30 << 0.30f;
        QTest::newRow("cut 85") << 85 << 0.85f;
    }
    void knownOptimum() {
        QFETCH(int, cut);
        QFETCH(float, tau);
        const Ramp r = ramp(100, cut);
        const auto choice = ld::bestThreshold({{&r.prediction, &r.truth, 1}});
        QCOMPARE(choice.tau, tau);
        QCOMPARE(choice.meanIou, 1.0);
        QCOMPARE(choice.samples, 1);
        // The curve agrees with thresholding and IoU done the long way round.
        const auto curve = ld::meanIouCurve({{&r.prediction, &r.truth, 1}});
        const auto& grid = ld::defaultThresholdGrid();
        for (size_t i = 0; i < grid.size(); i += 7)
            QVERIFY(std::abs(curve[i] - ld::iou(ld::threshold(r.prediction, grid[i]), r.truth)) < 1e-12);
    }

    void flatOptimumTakesTheMiddle() {
        // IoU is 1 for every τ in (0.3, 0.8]: grid 0.31 … 0.80 (50 values), middle 0.55.
        const Ramp a = separable(1, 0.3f, 0.8f), b = separable(2, 0.3f, 0.8f);
        const auto choice = ld::bestThreshold({{&a.prediction, &a.truth, 0}, {&b.prediction, &b.truth, 0}});
        QCOMPARE(choice.tau, 0.55f);
        QCOMPARE(choice.meanIou, 1.0);
    }

    void perCategoryAndGlobal() {
        const Ramp low = ramp(100, 30), low2 = ramp(100, 32), high = ramp(100, 70);
        const std::vector<ld::ThresholdSample> samples = {
            {&low.prediction, &low.truth, 1}, {&low2.prediction, &low2.truth, 1}, {&high.prediction, &high.truth, 2}};
        const auto per = ld::bestThresholdPerCategory(samples);
        QCOMPARE(int(per.size()), 2);
        // Category 1: mean IoU (1 + 68/70)/2 at both 0.30 and 0.32, less at 0.31
        // ((69/70 + 68/69)/2): the tie goes to the first maximum.
        QCOMPARE(per.at(1).tau, 0.30f);
        QVERIFY(std::abs(per.at(1).meanIou - (1.0 + 68.0 / 70.0) / 2) < 1e-12);
        QCOMPARE(per.at(2).tau, 0.70f);
        QCOMPARE(per.at(2).meanIou, 1.0);
        QCOMPARE(per.at(1).samples, 2);

        // Global: the argmax of the brute-force mean IoU over the grid.
        const auto& grid = ld::defaultThresholdGrid();
        double best = -1;
        for (float t : grid) {
            double s = 0;
            for (const auto& x : samples) s += ld::iou(ld::threshold(*x.prediction, t), *x.truth);
            best = std::max(best, s / 3);
        }
        const auto global = ld::bestThreshold(samples);
        QVERIFY(std::abs(global.meanIou - best) < 1e-12);
        double atChoice = 0;
        for (const auto& x : samples) atChoice += ld::iou(ld::threshold(*x.prediction, global.tau), *x.truth);
        QVERIFY(std::abs(atChoice / 3 - best) < 1e-12);
        QCOMPARE(ld::bestThreshold(samples).tau, global.tau);  // deterministic
    }

    void emptyTruthAndPrediction() {
        // A sample whose truth is empty is best served by a τ above every value.
        cv::Mat p(4, 4, CV_32F, cv::Scalar(0.4));
        const ld::SoftMask pred = ld::SoftMask::fromMat(p);
        const ld::BinaryMask truth(4, 4);
        const auto choice = ld::bestThreshold({{&pred, &truth, 0}});
        QVERIFY(choice.tau > 0.4f);
        QCOMPARE(choice.meanIou, 1.0);
    }

    void badInput() {
        const Ramp r = ramp(10, 5);
        const ld::BinaryMask other(2, 2);
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::bestThreshold({{&r.prediction, &other, 0}}));
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::bestThreshold({{&r.prediction, &r.truth, 0}}, {}));
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::bestThreshold({{&r.prediction, &r.truth, 0}}, {0.5f, 0.4f}));
        QCOMPARE(ld::bestThreshold({}).samples, 0);
    }

    void otsu_data() {
        QTest::addColumn<float>("lo");
        QTest::addColumn<float>("hi");
        QTest::addColumn<int>("fgPercent");
        QTest::addColumn<float>("expected");  // < 0: only check the separation
        // Two values: every split between bins 51 and 204 is as good; the middle is 0.5.
        QTest::newRow("0.2/0.8 balanced") << 0.2f << 0.8f << 50 << 0.5f;
        QTest::newRow("0.2/0.8 unbalanced") << 0.2f << 0.8f << 20 << 0.5f;
        QTest::newRow("0.05/0.45") << 0.05f << 0.45f << 40 << -1.0f;
    }
    void otsu() {
        QFETCH(float, lo);
        QFETCH(float, hi);
        QFETCH(int, fgPercent);
        QFETCH(float, expected);
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> jitter(-0.03f, 0.03f);
        cv::Mat p(20, 20, CV_32F);
        ld::BinaryMask truth(20, 20);
        for (int i = 0; i < 400; ++i) {
            const bool fg = i % 100 < fgPercent;
            truth.set(i / 20, i % 20, fg);
            p.at<float>(i / 20, i % 20) = (fg ? hi : lo) + (expected < 0 ? jitter(rng) : 0.0f);
        }
        const ld::SoftMask mask = ld::SoftMask::fromMat(p);
        const float tau = ld::otsuThreshold(mask);
        if (expected >= 0) QCOMPARE(tau, expected);
        QCOMPARE(ld::iou(ld::threshold(mask, tau), truth), 1.0);
    }

    void otsuConstant() {
        QCOMPARE(ld::otsuThreshold(ld::SoftMask::fromMat(cv::Mat(3, 3, CV_32F, cv::Scalar(0.7)))), 0.5f);
        QCOMPARE(ld::otsuThreshold(ld::SoftMask()), 0.5f);
    }
};

QTEST_GUILESS_MAIN(TestThreshold)
#include "test_threshold.moc"
