// The sampler's contract on an untrained tiny model (what it computes is tested in
// test_sampler_e2e): masks at the original size, one trajectory frame per step,
// cancellation between steps, caching of encodings, defaults from the model card, the
// flow scheduler path, the semantic map, and the LRU cache behind it.
#include "core/error.h"
#include "inference/pipeline/lru_cache.h"
#include "inference/io/model_card.h"
#include "inference/pipeline/sampler.h"

#include "support/tiny_model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>

using namespace ld;

namespace {

cv::Mat testImage(int w, int h) {
    cv::Mat m(h, w, CV_8UC3);
    cv::randu(m, cv::Scalar(0, 0, 0), cv::Scalar(255, 255, 255));
    return m;
}

}  // namespace

class TestSampler : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string ddimModel_, flowModel_;

private slots:
    void initTestCase() {
        test::TinyModelSpec spec;
        ddimModel_ = test::writeTinyModel((dir_.path() + "/ddim").toStdString(), spec);
        spec.prediction = PredictionType::Flow;
        spec.scheduler = "flow";
        flowModel_ = test::writeTinyModel((dir_.path() + "/flow").toStdString(), spec);
        // A per-class threshold in the card.
        auto card = readModelCard(ddimModel_ + "/" + kModelCardFileName);
        card.classThresholds["square"] = 0.7;
        writeModelCard(ddimModel_ + "/" + kModelCardFileName, card);
    }

    void masksAtOriginalSize_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::newRow("wide") << 45 << 30;
        QTest::newRow("tall") << 17 << 61;
        QTest::newRow("larger than the model") << 100 << 80;
    }
    void masksAtOriginalSize() {
        QFETCH(int, width);
        QFETCH(int, height);
        auto s = Sampler::open(ddimModel_, {"cpu"});
        SamplerSettings settings;
        settings.ensemble = 2;
        settings.keepMembers = true;
        const auto r = s->segment(testImage(width, height), "circle", settings);
        for (const cv::Mat* m : {&r.soft.mat(), &r.uncertainty.mat(), &r.mask.mat(), &r.members[1].mat()}) {
            QCOMPARE(m->cols, width);
            QCOMPARE(m->rows, height);
        }
        QCOMPARE(int(r.timings.stepMs.size()), 4);
        QVERIFY(r.timings.totalMs >= r.timings.decodeMs);
    }

    void trajectoryFramePerStep_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("steps");
        QTest::newRow("ddim 1") << "ddim" << 1;
        QTest::newRow("ddim 5") << "ddim" << 5;
        QTest::newRow("flow 3") << "flow" << 3;
    }
    void trajectoryFramePerStep() {
        QFETCH(QString, model);
        QFETCH(int, steps);
        auto s = Sampler::open(model == "ddim" ? ddimModel_ : flowModel_, {"cpu"});
        SamplerSettings settings;
        settings.steps = steps;
        std::vector<TrajectoryFrame> frames;
        s->segment(testImage(32, 32), "square", settings, [&](const TrajectoryFrame& f) { frames.push_back(f); });
        QCOMPARE(int(frames.size()), steps);
        for (int i = 0; i < steps; ++i) {
            QCOMPARE(frames[size_t(i)].step, i);
            QCOMPARE(frames[size_t(i)].steps, steps);
            QCOMPARE(frames[size_t(i)].x0.width(), 32);
            QCOMPARE(frames[size_t(i)].xt.height(), 32);
            if (i) QVERIFY(frames[size_t(i)].timestep < frames[size_t(i - 1)].timestep);
        }
        if (model == "ddim") QCOMPARE(frames[0].timestep, 999.0);  // trailing, as the card says
        else QCOMPARE(frames[0].timestep, 1000.0);                 // σ = 1
    }

    void cancelStopsBetweenSteps() {
        auto s = Sampler::open(ddimModel_, {"cpu"});
        SamplerSettings settings;
        settings.steps = 10;
        CancelToken cancel;
        int seen = 0;
        auto onStep = [&](const TrajectoryFrame& f) {
            ++seen;
            if (f.step == 2) cancel.cancel();
        };
        QVERIFY_THROWS_EXCEPTION(Cancelled, s->segment(testImage(32, 32), "circle", settings, onStep, &cancel));
        QCOMPARE(seen, 3);
        cancel.reset();
        QCOMPARE(int(s->segment(testImage(32, 32), "circle", settings, {}, &cancel).timings.stepMs.size()), 10);
    }

    void encodingsAreCached() {
        auto s = Sampler::open(ddimModel_, {"cpu"});
        const cv::Mat image = testImage(40, 40);
        QVERIFY(s->segment(image, "circle", {}).timings.encodeMs > 0);
        QCOMPARE(s->segment(image, "circle", {}).timings.encodeMs, 0.0);
        QVERIFY(s->segment(image, "square", {}).timings.encodeMs > 0);  // new phrase
        cv::Mat edited = image.clone();
        edited.at<cv::Vec3b>(3, 3)[0] ^= 1;
        QVERIFY(s->segment(edited, "square", {}).timings.encodeMs > 0);  // one pixel changed
        s->clearCaches();
        QVERIFY(s->segment(image, "circle", {}).timings.encodeMs > 0);
    }

    // prepare() is the window's encode-on-show: afterwards a segment call only encodes the
    // phrase, and a second prepare of the same pixels costs nothing.
    void prepareFillsTheImageCache() {
        auto s = Sampler::open(ddimModel_, {"cpu"});
        const cv::Mat image = testImage(40, 40);
        s->segment(testImage(24, 24), "circle", {});  // the phrase is cached, another image
        QVERIFY(s->prepare(image));
        QVERIFY(!s->prepare(image));
        QCOMPARE(s->segment(image, "circle", {}).timings.encodeMs, 0.0);
    }

    void defaultsComeFromTheCard() {
        auto s = Sampler::open(ddimModel_, {"cpu"});
        const SamplerSettings r = s->resolve({}, "square");
        QCOMPARE(r.steps, 4);
        QCOMPARE(r.spacing, std::string("trailing"));
        QCOMPARE(r.guidance, 1.0);
        QCOMPARE(r.ensemble, 1);
        QCOMPARE(r.threshold, 0.7);                        // the class's own τ
        QCOMPARE(s->resolve({}, "circle").threshold, 0.5);  // the default
        SamplerSettings given;
        given.threshold = 0.25;
        given.steps = 9;
        QCOMPARE(s->resolve(given, "square").threshold, 0.25);
        QCOMPARE(s->resolve(given, "square").steps, 9);
        SamplerSettings bad;
        bad.spacing = "sideways";
        QVERIFY_THROWS_EXCEPTION(Error, s->resolve(bad, "x"));
        bad = {};
        bad.threshold = 2;
        QVERIFY_THROWS_EXCEPTION(Error, s->resolve(bad, "x"));
    }

    void thresholdOnlyBinarises() {
        auto s = Sampler::open(ddimModel_, {"cpu"});
        const cv::Mat image = testImage(32, 32);
        SamplerSettings settings;
        settings.threshold = 0;
        const auto all = s->segment(image, "circle", settings);
        QCOMPARE(area(all.mask), int64_t(32 * 32));
        settings.threshold = 0.5;
        const auto half = s->segment(image, "circle", settings);
        QCOMPARE(half.mask, threshold(all.soft, 0.5f));
        QVERIFY(cv::norm(all.soft.mat(), half.soft.mat(), cv::NORM_INF) == 0);
    }

    void presenceGateEmptiesTheMaskOnly() {
        auto s = Sampler::open(ddimModel_, {"cpu"});
        const cv::Mat image = testImage(32, 32);
        SamplerSettings settings;
        settings.threshold = 0;
        settings.presence = 0;
        const auto open = s->segment(image, "circle", settings);
        QVERIFY(open.present);
        QVERIFY(open.presence > 0 && open.presence <= 1);
        QCOMPARE(area(open.mask), int64_t(32 * 32));
        // A gate just above the score closes: no mask, the soft mask is still there to show.
        settings.presence = std::min(1.0, double(open.presence) + 1e-3);
        const auto closed = s->segment(image, "circle", settings);
        QVERIFY(!closed.present);
        QCOMPARE(closed.presence, open.presence);
        QCOMPARE(area(closed.mask), int64_t(0));
        QCOMPARE(closed.mask.width(), 32);
        QVERIFY(cv::norm(open.soft.mat(), closed.soft.mat(), cv::NORM_INF) == 0);
        // An absent phrase takes no pixel of the semantic map.
        const auto map = s->segmentPhrases(image, {"circle", "square"}, settings, 0.0);
        QVERIFY(!map.phrases[0].present);
        QVERIFY(map.labels.empty() || cv::countNonZero(map.labels == 1) == 0);
        // The card's per-class gate is the default; out of range is an error.
        auto card = readModelCard(ddimModel_ + "/" + kModelCardFileName);
        QCOMPARE(card.presenceFor("circle"), 0.0);
        QCOMPARE(s->resolve({}, "circle").presence, 0.0);
        SamplerSettings bad;
        bad.presence = 1.5;
        QVERIFY_THROWS_EXCEPTION(Error, s->resolve(bad, "circle"));
    }

    void guidanceRunsBothBranches() {
        auto s = Sampler::open(ddimModel_, {"cpu"});
        const cv::Mat image = testImage(32, 32);
        SamplerSettings settings;
        settings.guidance = 1;
        const auto plain = s->segment(image, "circle", settings);
        settings.guidance = 3;
        const auto guided = s->segment(image, "circle", settings);
        QVERIFY(cv::norm(plain.soft.mat(), guided.soft.mat(), cv::NORM_INF) > 0);
        // Chunking the batch changes nothing but memory.
        settings.ensemble = 3;
        const auto whole = s->segment(image, "circle", settings);
        settings.maxBatch = 2;
        const auto chunked = s->segment(image, "circle", settings);
        QVERIFY(cv::norm(whole.soft.mat(), chunked.soft.mat(), cv::NORM_INF) < 1e-5);
    }

    void badInputIsAnError() {
        auto s = Sampler::open(ddimModel_, {"cpu"});
        QVERIFY_THROWS_EXCEPTION(Error, s->segment(cv::Mat(), "circle", {}));
        QVERIFY_THROWS_EXCEPTION(Error, s->segment(cv::Mat(8, 8, CV_8UC1, cv::Scalar(0)), "circle", {}));
        QVERIFY_THROWS_EXCEPTION(Error, Sampler::open((dir_.path() + "/missing").toStdString(), {"cpu"}));
        try {
            Sampler::open(dir_.path().toStdString(), {"cpu"});
            QFAIL("a folder that is no model opened");
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find(dir_.path().toStdString()) != std::string::npos);
        }
    }

    void semanticLabels_data() {
        QTest::addColumn<float>("a");
        QTest::addColumn<float>("b");
        QTest::addColumn<double>("background");
        QTest::addColumn<int>("expected");
        QTest::newRow("a wins") << 0.9f << 0.6f << 0.5 << 1;
        QTest::newRow("b wins") << 0.2f << 0.7f << 0.5 << 2;
        QTest::newRow("both below background") << 0.4f << 0.3f << 0.5 << 0;
        QTest::newRow("tie goes to the first") << 0.8f << 0.8f << 0.5 << 1;
        QTest::newRow("at the background threshold") << 0.5f << 0.1f << 0.5 << 1;
    }
    void semanticLabels() {
        QFETCH(float, a);
        QFETCH(float, b);
        QFETCH(double, background);
        QFETCH(int, expected);
        SoftMask ma = SoftMask::fromMat(cv::Mat(2, 3, CV_32F, cv::Scalar(a)));
        SoftMask mb = SoftMask::fromMat(cv::Mat(2, 3, CV_32F, cv::Scalar(b)));
        const cv::Mat labels = ld::semanticLabels({&ma, &mb}, background);
        QCOMPARE(labels.type(), CV_32SC1);
        QCOMPARE(labels.at<int32_t>(1, 2), expected);
        // A phrase found absent (null) never wins; all absent gives no map.
        const cv::Mat withoutA = ld::semanticLabels({nullptr, &mb}, background);
        QCOMPARE(withoutA.at<int32_t>(1, 2), b >= background ? 2 : 0);
        QVERIFY(ld::semanticLabels({nullptr, nullptr}, background).empty());
    }

    void lruEvictsTheLeastRecentlyUsed() {
        LruCache<int, std::string> c(2);
        c.put(1, "one");
        c.put(2, "two");
        QCOMPARE(*c.get(1), std::string("one"));  // 1 is now the most recent
        c.put(3, "three");                       // evicts 2
        QVERIFY(!c.get(2));
        QVERIFY(c.get(1) && c.get(3));
        c.put(3, "drei");
        QCOMPARE(*c.get(3), std::string("drei"));
        QCOMPARE(int(c.size()), 2);
    }
};

QTEST_APPLESS_MAIN(TestSampler)
#include "test_sampler.moc"
