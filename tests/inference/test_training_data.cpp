// The training data pipeline: classes and union masks from a COCO file (synthetic scenes
// written by core), absent-phrase samples (empty masks), seeded split determinism,
// augmentation that keeps image and mask aligned, deterministic batches, the prefetch
// queue giving the same batches as direct construction.
#include "core/formats/dataset_format.h"
#include "core/synthetic_scene.h"
#include "inference/training/training_data.h"

#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

using namespace ld;

namespace {

std::string writeScenes(const QTemporaryDir& tmp, int count, int size) {
    const std::string dir = tmp.path().toStdString();
    Dataset ds = writeSyntheticDataset(dir, count, size, size, 42);
    const std::string path = dir + "/instances.json";
    findDatasetFormat("coco")->write(ds, path, {});
    return path;
}

double maskIou(const cv::Mat& a, const cv::Mat& b) {
    const double i = cv::countNonZero(a & b), u = cv::countNonZero(a | b);
    return u > 0 ? i / u : 1.0;
}

}  // namespace

class TestTrainingData : public QObject {
    Q_OBJECT
private slots:
    void loadsClassesAndUnions() {
        QTemporaryDir tmp;
        const std::string coco = writeScenes(tmp, 3, 96);
        DataSource src;
        src.path = coco;
        const auto classes = datasetClasses({src});
        QVERIFY(std::find(classes.begin(), classes.end(), "window") != classes.end());
        auto data = loadLabelledImages({src}, classes, 64);
        QCOMPARE(int(data.items.size()), 3);
        for (const auto& item : data.items) {
            QCOMPARE(item.rgb.cols, 64);
            QCOMPARE(int(item.masks.size()), int(classes.size()));
            int present = 0;
            for (size_t c = 0; c < classes.size(); ++c)
                if (item.has(c)) {
                    ++present;
                    QCOMPARE(item.masks[c].cols, 64);
                    QVERIFY(cv::countNonZero(item.masks[c]) > 0);
                }
            QVERIFY(present >= 2);
        }
        // Original size keeps binary masks.
        auto full = loadLabelledImages({src}, classes, 0);
        QCOMPARE(full.items[0].rgb.cols, 96);
        double lo, hi;
        for (size_t c = 0; c < classes.size(); ++c)
            if (full.items[0].has(c)) {
                cv::minMaxLoc(full.items[0].masks[c], &lo, &hi);
                QCOMPARE(hi, 255.0);
            }
    }

    void absentPhraseSamples_data() {
        QTest::addColumn<double>("absentFraction");
        QTest::addColumn<QString>("sampling");
        QTest::newRow("never absent, class first") << 0.0 << "class";
        QTest::newRow("always absent, class first") << 1.0 << "class";
        QTest::newRow("never absent, image first") << 0.0 << "image";
        QTest::newRow("always absent, image first") << 1.0 << "image";
        QTest::newRow("mixed") << 0.5 << "class";
    }
    void absentPhraseSamples() {
        QFETCH(double, absentFraction);
        QFETCH(QString, sampling);
        QTemporaryDir tmp;
        DataSource src;
        src.path = writeScenes(tmp, 6, 64);
        auto classes = datasetClasses({src});
        classes.push_back("unicorn");  // never annotated: only ever an absent phrase
        auto data = loadLabelledImages({src}, classes, 64);
        DataConfig cfg;
        cfg.train = {src};
        cfg.absentFraction = absentFraction;
        cfg.sampling = sampling.toStdString();
        std::vector<size_t> all(data.items.size());
        for (size_t i = 0; i < all.size(); ++i) all[i] = i;
        BatchSource source(&data, all, cfg, 32, 32, 9);
        // Classes every image has can only be asked about as present phrases.
        std::set<std::string> everywhere;
        for (size_t c = 0; c < classes.size(); ++c) {
            bool all = true;
            for (const auto& item : data.items) all = all && item.has(c);
            if (all) everywhere.insert(classes[c]);
        }
        int absent = 0, total = 0, forcedPresent = 0;
        for (int k = 0; k < 4; ++k) {
            TrainingBatch b = source.make(k);
            QCOMPARE(int(b.phrases.size()), 32);
            for (int s = 0; s < b.batch; ++s) {
                const float* m = b.masks.data() + size_t(s) * 32 * 32;
                const float mx = *std::max_element(m, m + 32 * 32);
                if (!b.present[size_t(s)]) {
                    ++absent;
                    QCOMPARE(mx, -1.0f);  // an empty target
                } else {
                    QVERIFY(mx > -1.0f);
                    QVERIFY(b.phrases[size_t(s)] != "unicorn");
                    if (everywhere.count(b.phrases[size_t(s)])) ++forcedPresent;
                }
                ++total;
            }
        }
        if (absentFraction == 0.0) QCOMPARE(absent, 0);
        if (absentFraction == 1.0) QCOMPARE(absent + forcedPresent, total);
        if (absentFraction == 1.0 && sampling == "image") QCOMPARE(absent, total);
        if (absentFraction == 0.5) QVERIFY(absent > total / 8 && absent < 3 * total / 4);
    }

    void splitIsSeeded() {
        std::vector<size_t> t1, v1, t2, v2, t3, v3;
        splitIndices(100, 0.2, 5, t1, v1);
        splitIndices(100, 0.2, 5, t2, v2);
        splitIndices(100, 0.2, 6, t3, v3);
        QCOMPARE(v1.size(), size_t(20));
        QCOMPARE(t1.size(), size_t(80));
        QVERIFY(v1 == v2 && t1 == t2);
        QVERIFY(v1 != v3);
        std::set<size_t> all(t1.begin(), t1.end());
        for (size_t v : v1) QVERIFY(all.insert(v).second);  // disjoint
        QCOMPARE(all.size(), size_t(100));                   // and complete
        splitIndices(5, 0.01, 1, t1, v1);
        QCOMPARE(v1.size(), size_t(1));  // at least one validation image
    }

    void augmentationKeepsAlignment_data() {
        QTest::addColumn<int>("seed");
        for (int s = 0; s < 8; ++s) QTest::newRow(qPrintable(QString("seed %1").arg(s))) << s;
    }
    void augmentationKeepsAlignment() {
        QFETCH(int, seed);
        // The image is the mask painted white on black: after any augmentation, the
        // bright pixels must be where the mask is.
        cv::Mat mask = cv::Mat::zeros(80, 80, CV_8UC1);
        cv::rectangle(mask, cv::Rect(8, 20, 30, 25), cv::Scalar(255), cv::FILLED);
        cv::circle(mask, cv::Point(60, 55), 12, cv::Scalar(255), cv::FILLED);
        cv::Mat rgb;
        cv::cvtColor(mask, rgb, cv::COLOR_GRAY2RGB);
        DataConfig cfg;
        cv::Mat outRgb, outMask;
        BatchSource::augmentPair(rgb, mask, 64, cfg, uint64_t(seed), outRgb, outMask);
        QCOMPARE(outRgb.cols, 64);
        QCOMPARE(outMask.rows, 64);
        cv::Mat grey;
        cv::cvtColor(outRgb, grey, cv::COLOR_RGB2GRAY);
        const double iou = maskIou(grey > 127, outMask > 127);
        QVERIFY2(iou > 0.97, qPrintable(QString::number(iou)));
        // Something did change for most seeds (flip / scale / crop), not just a resize.
        cv::Mat plain, plainMask;
        DataConfig off;
        off.augment = false;
        BatchSource::augmentPair(rgb, mask, 64, off, 0, plain, plainMask);
        QCOMPARE(plainMask.cols, 64);
    }

    void flipMirrors() {
        cv::Mat mask = cv::Mat::zeros(64, 64, CV_8UC1);
        cv::rectangle(mask, cv::Rect(0, 0, 16, 64), cv::Scalar(255), cv::FILLED);  // left strip
        cv::Mat rgb;
        cv::cvtColor(mask, rgb, cv::COLOR_GRAY2RGB);
        DataConfig cfg;
        cfg.scaleMin = cfg.scaleMax = 1.0;
        int flipped = 0, kept = 0;
        for (uint64_t s = 0; s < 16; ++s) {
            cv::Mat o, m;
            BatchSource::augmentPair(rgb, mask, 64, cfg, s, o, m);
            const int left = cv::countNonZero(m.colRange(0, 8) > 127), right = cv::countNonZero(m.colRange(56, 64) > 127);
            if (left > 400 && right == 0) ++kept;
            if (right > 400 && left == 0) ++flipped;
        }
        QVERIFY(flipped > 0);
        QVERIFY(kept > 0);
        QCOMPARE(flipped + kept, 16);
    }

    void batchesAreDeterministicAndPrefetched() {
        QTemporaryDir tmp;
        DataSource src;
        src.path = writeScenes(tmp, 4, 64);
        auto classes = datasetClasses({src});
        auto data = loadLabelledImages({src}, classes, 80);
        DataConfig cfg;
        cfg.train = {src};
        std::vector<size_t> all{0, 1, 2, 3};
        BatchSource source(&data, all, cfg, 64, 4, 3);
        TrainingBatch a = source.make(7), b = source.make(7), c = source.make(8);
        QVERIFY(a.images == b.images && a.masks == b.masks && a.phrases == b.phrases);
        QVERIFY(a.images != c.images);
        PrefetchQueue q(source, 5, 2);
        for (int64_t k = 5; k < 9; ++k) {
            TrainingBatch p = q.next();
            QCOMPARE(p.index, k);
            QVERIFY(p.images == source.make(k).images);
        }
        for (float v : a.images) QVERIFY(v >= 0.0f && v <= 1.0f);
    }
};

QTEST_APPLESS_MAIN(TestTrainingData)
#include "test_training_data.moc"
