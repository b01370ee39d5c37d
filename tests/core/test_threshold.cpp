#include <QtTest>

#include "core/error.h"
#include "core/mask.h"
#include "core/presence_gate.h"
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

// A 100×100 image. Present: the truth is the left 30 columns, predicted at `body` with a
// confident core of `core` (2 % of the pixels); absent: no truth, a haze of `haze` over the
// left 10 columns. Everything else 0.05.
struct GateCase {
    ld::SoftMask prediction;
    ld::BinaryMask truth;
};
GateCase gateCase(bool present, float body, float core, float haze) {
    cv::Mat p(100, 100, CV_32F, cv::Scalar(0.05f));
    ld::BinaryMask t(100, 100);
    for (int y = 0; y < 100; ++y)
        for (int x = 0; x < 30; ++x) {
            if (present) {
                t.set(y, x, true);
                p.at<float>(y, x) = (y < 20 && x < 10) ? core : body;
            } else if (x < 10) {
                p.at<float>(y, x) = haze;
            }
        }
    return {ld::SoftMask::fromMat(p), t};
}

std::vector<ld::GridCounts> gateSamples(float body, float core, float haze) {
    std::vector<ld::GridCounts> out;
    for (bool present : {true, true, false, false}) {
        const GateCase g = gateCase(present, body, core, haze);
        out.push_back(ld::gridCounts(g.prediction, g.truth, ld::presenceScore(g.prediction)));
    }
    return out;
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

    void presenceScore_data() {
        QTest::addColumn<int>("confident");  // pixels at 0.9 out of 40 000, the rest at 0.2
        QTest::addColumn<float>("expected");
        QTest::newRow("none") << 0 << 0.2f;
        QTest::newRow("one short of 0.5 %") << 199 << 0.2f;
        QTest::newRow("exactly 0.5 %") << 200 << 0.9f;
        QTest::newRow("most") << 30000 << 0.9f;
    }
    void presenceScore() {
        QFETCH(int, confident);
        QFETCH(float, expected);
        cv::Mat p(200, 200, CV_32F, cv::Scalar(0.2f));
        for (int i = 0; i < confident; ++i) p.at<float>(i / 200, (i * 7) % 200) = 0.9f;
        QCOMPARE(ld::presenceScore(ld::SoftMask::fromMat(p)), expected);
        QCOMPARE(ld::presenceScore(ld::SoftMask()), 0.0f);
    }

    void gridCountsMatchThresholding() {
        const Ramp r = ramp(100, 37);
        const auto& grid = ld::defaultThresholdGrid();
        const ld::GridCounts c = ld::gridCounts(r.prediction, r.truth, 0.5f);
        QCOMPARE(c.truth, int64_t(63));
        QCOMPARE(c.pixels, int64_t(100));
        for (size_t g : {size_t(0), size_t(30), size_t(45), size_t(90)}) {
            const ld::BinaryMask m = ld::threshold(r.prediction, grid[g]);
            QCOMPARE(c.predicted[g], ld::area(m));
            QCOMPARE(c.intersection[g], ld::intersectionArea(m, r.truth));
        }
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::gridCounts(r.prediction, ld::BinaryMask(2, 2), 0.5f));
    }

    void gateRemovesTheHazeOfAbsentClasses() {
        // The truth is predicted at 0.35, the haze of absent images at 0.4: no τ alone keeps
        // the one and drops the other, but only present images have a confident core.
        const auto samples = gateSamples(0.35f, 0.9f, 0.4f);
        for (double floor : {0.0, 0.9}) {
            const ld::GatedThreshold g = ld::bestGatedThreshold(samples, floor);
            QCOMPARE(g.iou, 1.0);
            QCOMPARE(g.absentAccuracy, 1.0);
            QVERIFY(g.tau <= 0.35f);
            QVERIFY(g.presence > 0.4f && g.presence <= 0.9f);
        }
        // Without a core the gate cannot tell them apart: with the floor the best is a τ
        // above the haze (truth lost), and no gate is chosen when it changes nothing.
        const auto flat = gateSamples(0.35f, 0.35f, 0.4f);
        const ld::GatedThreshold g = ld::bestGatedThreshold(flat, 0.9);
        QCOMPARE(g.absentAccuracy, 1.0);
        QVERIFY(g.iou < 0.1);
        QCOMPARE(g.presence, 0.0f);
    }

    void unreachableFloorFallsBack() {
        // The absent images carry a blob more confident than any truth: nothing answers
        // "not here" for them, so the floor drops to what is reachable (none) and the
        // IoU decides.
        const auto samples = gateSamples(0.9f, 0.9f, 0.95f);
        const ld::GatedThreshold g = ld::bestGatedThreshold(samples, 1.0);
        const ld::GatedThreshold loose = ld::bestGatedThreshold(samples, 0.0);
        QCOMPARE(g.absentAccuracy, 0.0);
        QCOMPARE(g.tau, loose.tau);
        QCOMPARE(g.presence, loose.presence);
        QCOMPARE(g.iou, 0.75);  // the truth and the blobs
        std::vector<ld::GridCounts> bad = samples;
        bad[0].predicted.pop_back();
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::bestGatedThreshold(bad, 0.0));
    }

    void pooledFloorSpendsWhereItIsCheap() {
        // Class A: the gate separates truth from haze (IoU 1, all absent answered). Class B:
        // it cannot — answering its absent images costs all of its IoU. With four absent
        // images per class, a pooled floor of 0.5 is met by A alone and B keeps its IoU; a
        // per-class floor of 0.5 would have to zero B.
        const std::vector<std::vector<ld::GridCounts>> classes{gateSamples(0.35f, 0.9f, 0.4f),
                                                               gateSamples(0.35f, 0.35f, 0.4f)};
        const auto pooled = ld::bestGatedThresholds(classes, 0.5);
        QCOMPARE(int(pooled.size()), 2);
        QCOMPARE(pooled[0].iou, 1.0);
        QCOMPARE(pooled[0].absentAccuracy, 1.0);
        QVERIFY(pooled[1].iou > 0.7);
        QCOMPARE(pooled[1].absentAccuracy, 0.0);
        QVERIFY(ld::bestGatedThreshold(classes[1], 0.5).iou < 0.1);
        // A floor that needs B too: B gives up its IoU to answer.
        const auto strict = ld::bestGatedThresholds(classes, 1.0);
        QCOMPARE(strict[1].absentAccuracy, 1.0);
        QVERIFY(strict[1].iou < 0.1);
        // No floor: each class alone at its best IoU.
        const auto free = ld::bestGatedThresholds(classes, 0.0);
        QCOMPARE(free[1].iou, ld::bestGatedThreshold(classes[1], 0.0).iou);
    }

    void otsuConstant() {
        QCOMPARE(ld::otsuThreshold(ld::SoftMask::fromMat(cv::Mat(3, 3, CV_32F, cv::Scalar(0.7)))), 0.5f);
        QCOMPARE(ld::otsuThreshold(ld::SoftMask()), 0.5f);
    }
};

QTEST_GUILESS_MAIN(TestThreshold)
#include "test_threshold.moc"
