#include <QtTest>

#include "core/error.h"
#include "core/mask.h"
#include "core/metrics.h"

#include <cmath>
#include <vector>

namespace {

ld::BinaryMask maskFrom(int h, int w, const std::vector<int>& ones) {
    ld::BinaryMask m(h, w);
    for (int i : ones) m.set(i / w, i % w, true);
    return m;
}

ld::SoftMask softFrom(int h, int w, const std::vector<float>& values) {
    cv::Mat m(h, w, CV_32F);
    for (int i = 0; i < h * w; ++i) m.at<float>(i / w, i % w) = values[size_t(i)];
    return ld::SoftMask::fromMat(m);
}

// PNG's average_accuracy, step by step: thresholds = arange(0, 1, step), recall at each,
// left Riemann sum.
double pngReferenceAr(const std::vector<double>& ious, double step) {
    const int n = int(std::ceil(1.0 / step - 1e-9));
    std::vector<double> t(static_cast<size_t>(n));
    std::vector<double> recall;
    for (int i = 0; i < n; ++i) t[size_t(i)] = i * step;
    recall = ld::recallCurve(ious, t);
    double ar = 0;
    for (int i = 0; i + 1 < n; ++i) ar += std::abs(t[size_t(i) + 1] - t[size_t(i)]) * recall[size_t(i)];
    return ar;
}

}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT

private slots:
    void binaryIou() {
        // 3x3: prediction pixels {0,1,3,4}, truth {1,2,4,5}: I = 2, U = 6.
        const auto p = maskFrom(3, 3, {0, 1, 3, 4});
        const auto t = maskFrom(3, 3, {1, 2, 4, 5});
        const auto c = ld::iouCounts(p, t);
        QCOMPARE(c.intersection, 2.0);
        QCOMPARE(c.unionArea, 6.0);
        QCOMPARE(c.iou(), 1.0 / 3.0);
        QCOMPARE(ld::iouCounts(ld::BinaryMask(3, 3), ld::BinaryMask(3, 3)).iou(), 1.0);
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::iouCounts(p, ld::BinaryMask(3, 4)));
    }

    void softIouAsPng_data() {
        QTest::addColumn<QVector<float>>("prediction");
        QTest::addColumn<QVector<float>>("truth");
        QTest::addColumn<double>("expected");
        // I = 0.5 + 1 = 1.5; U = (0.5+1−0.5) + (1+1−1) + 0 + 0.25 = 2.25.
        QTest::newRow("soft vs binary") << QVector<float>{0.5f, 1.0f, 0.0f, 0.25f}
                                        << QVector<float>{1, 1, 0, 0} << 1.5 / 2.25;
        QTest::newRow("binary vs binary") << QVector<float>{1, 1, 0, 0} << QVector<float>{0, 1, 1, 0} << 1.0 / 3.0;
        // I = 0.25 + 0.25 = 0.5; U = (0.5+0.5−0.25)·2 = 1.5.
        QTest::newRow("soft vs soft") << QVector<float>{0.5f, 0.5f, 0, 0} << QVector<float>{0.5f, 0.5f, 0, 0}
                                      << 0.5 / 1.5;
        QTest::newRow("both empty") << QVector<float>{0, 0, 0, 0} << QVector<float>{0, 0, 0, 0} << 1.0;
    }
    void softIouAsPng() {
        QFETCH(QVector<float>, prediction);
        QFETCH(QVector<float>, truth);
        QFETCH(double, expected);
        const auto p = softFrom(2, 2, std::vector<float>(prediction.begin(), prediction.end()));
        const auto t = softFrom(2, 2, std::vector<float>(truth.begin(), truth.end()));
        QVERIFY(std::abs(ld::softIouCounts(p, t).iou() - expected) < 1e-9);
        bool binaryTruth = true;
        for (float v : truth) binaryTruth = binaryTruth && (v == 0 || v == 1);
        if (binaryTruth) {
            ld::BinaryMask tb(2, 2);
            for (int i = 0; i < 4; ++i) tb.set(i / 2, i % 2, truth[i] > 0);
            QVERIFY(std::abs(ld::softIouCounts(p, tb).iou() - expected) < 1e-9);
        }
    }

    void accumulatedMetrics() {
        ld::SegmentationMetrics m;
        // A: I = 2, U = 6 (class 1); B: I = 3, U = 3 (class 2); C: both empty (class 1).
        m.add(maskFrom(3, 3, {0, 1, 3, 4}), maskFrom(3, 3, {1, 2, 4, 5}), 1);
        m.add(maskFrom(3, 3, {0, 4, 8}), maskFrom(3, 3, {0, 4, 8}), 2);
        m.add(ld::BinaryMask(3, 3), ld::BinaryMask(3, 3), 1);
        QCOMPARE(m.sampleCount(), 3);
        QCOMPARE(m.cIoU(), 5.0 / 9.0);
        QCOMPARE(m.oIoU(), 5.0 / 9.0);
        QVERIFY(std::abs(m.gIoU() - 7.0 / 9.0) < 1e-12);
        QCOMPARE(m.precisionAt(0.5), 2.0 / 3.0);
        QCOMPARE(m.precisionAt(0.9), 2.0 / 3.0);
        QCOMPARE(m.precisionAt(1.0 / 3.0), 1.0);  // ≥, not >
        const auto per = m.perClassIoU();
        QCOMPARE(int(per.size()), 2);
        QCOMPARE(per.at(1), 1.0 / 3.0);
        QCOMPARE(per.at(2), 1.0);
        QVERIFY(std::abs(m.mIoU() - 2.0 / 3.0) < 1e-12);
        QCOMPARE(int(ld::precisionThresholds().size()), 5);
        QCOMPARE(ld::precisionThresholds().front(), 0.5);
        QCOMPARE(ld::precisionThresholds().back(), 0.9);
    }

    void emptyAccumulator() {
        ld::SegmentationMetrics m;
        QCOMPARE(m.cIoU(), 0.0);
        QCOMPARE(m.gIoU(), 0.0);
        QCOMPARE(m.mIoU(), 0.0);
        QCOMPARE(m.precisionAt(0.5), 0.0);
    }

    void labelMapsMeanIou() {
        // truth [[0,0],[1,1],[255,1]], prediction [[0,1],[1,1],[0,0]]:
        // class 0: I 1, U 2 (the ignored pixel does not count); class 1: I 2, U 4.
        const cv::Mat truth = (cv::Mat_<uint8_t>(3, 2) << 0, 0, 1, 1, 255, 1);
        const cv::Mat pred = (cv::Mat_<uint8_t>(3, 2) << 0, 1, 1, 1, 0, 0);
        ld::SegmentationMetrics m;
        m.addLabelMaps(pred, truth, 255);
        const auto per = m.perClassIoU();
        QCOMPARE(per.at(0), 1.0 / 3.0);
        QCOMPARE(per.at(1), 2.0 / 4.0);
        QVERIFY(std::abs(m.mIoU() - (1.0 / 3.0 + 0.5) / 2) < 1e-12);
        QVERIFY_THROWS_EXCEPTION(ld::Error, m.addLabelMaps(pred, cv::Mat(2, 2, CV_8U, cv::Scalar(0)), 255));
    }

    // Hand-computed: IoUs 1 (thing, singular), 0.5 (thing, plural), 0 (stuff, singular),
    // 0.25 (stuff, singular); thresholds 0, .25, .5, .75; recall 1, .75, .5, .25;
    // AR = .25·(1 + .75 + .5) = .5625. Per phrase: .75, .75, .25, .5.
    void pngAverageRecallHandComputed() {
        const std::vector<ld::NounPhraseResult> phrases = {
            {1.0, true, false}, {0.5, true, true}, {0.0, false, false}, {0.25, false, false}};
        const auto ar = ld::pngAverageRecall(phrases, 0.25);
        QCOMPARE(ar.all.value, 0.5625);
        QCOMPARE(ar.all.count, 4);
        QCOMPARE(ar.things.value, 0.75);
        QCOMPARE(ar.stuff.value, 0.375);
        QCOMPARE(ar.singulars.value, 0.5);
        QCOMPARE(ar.singulars.count, 3);
        QCOMPARE(ar.plurals.value, 0.75);
        QCOMPARE(ar.plurals.count, 1);
        const auto curve = ld::recallCurve({1.0, 0.5, 0.0, 0.25}, {0.0, 0.25, 0.5, 0.75});
        QCOMPARE(curve, (std::vector<double>{1.0, 0.75, 0.5, 0.25}));
    }

    void pngAverageRecallMatchesReferenceLoop_data() {
        QTest::addColumn<double>("step");
        QTest::newRow("PNG's 1e-5") << 1e-5;
        QTest::newRow("0.01") << 0.01;
        QTest::newRow("0.3 (not dividing 1)") << 0.3;
    }
    void pngAverageRecallMatchesReferenceLoop() {
        QFETCH(double, step);
        const std::vector<double> ious = {0.0, 0.123456, 0.5, 0.5000001, 0.73, 0.99999, 1.0, 0.3, 0.6};
        const double got = ld::averageRecall(ious, step);
        const double want = pngReferenceAr(ious, step);
        QVERIFY2(std::abs(got - want) < 1e-9, qPrintable(QString("%1 vs %2").arg(got, 0, 'g', 17).arg(want, 0, 'g', 17)));
        if (step == 1e-5) {
            double mean = 0;
            for (double v : ious) mean += v;
            mean /= double(ious.size());
            QVERIFY(std::abs(got - mean) < 2e-5);  // AR → mean IoU
        }
    }

    void pngAverageRecallEmptySplit() {
        const auto ar = ld::pngAverageRecall({{0.5, true, false}});
        QCOMPARE(ar.stuff.count, 0);
        QVERIFY(std::isnan(ar.stuff.value));
        QCOMPARE(ar.plurals.count, 0);
        QVERIFY(std::abs(ar.things.value - 0.5) < 2e-5);
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::averageRecall({0.5}, 0.0));
    }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
