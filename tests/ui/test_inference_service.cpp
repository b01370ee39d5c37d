// The inference thread with a real (untrained, tiny) model: frames arrive batched on the
// UI thread, a run can be cancelled within a step, a model directory with wrong shapes
// is refused with a message naming it, and destroying the service mid-run joins quickly.
// A large model's load is cancelled (Cancel, another model chosen, the window closed)
// within a fraction of its time, and the model loaded before stays in use.
// LibTorch first: its headers use the name `slots`, which Qt defines as a macro.
#include "support/large_model.h"
#include "support/tiny_model.h"

#include "core/image.h"
#include "core/synthetic_scene.h"
#include "ui/inference_service.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace ld;

class TestInferenceService : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        model_ = dir_.filePath("model");
        test::writeTinyModel(model_.toStdString());
        writeSyntheticDataset(dir_.path().toStdString(), 1, 72, 64, 3);
        image_ = dir_.filePath("scene_1.png");
        if (!QFile::exists(image_)) {
            const auto files = QDir(dir_.path()).entryList({"*.png"});
            QVERIFY(!files.isEmpty());
            image_ = dir_.filePath(files.first());
        }
    }

    // The thread count the GUI's Settings chooses reaches the model's worker thread.
    void threadCountReachesTheWorker_data() {
        QTest::addColumn<int>("threads");
        QTest::newRow("two") << 2;
        QTest::newRow("one") << 1;
    }
    void threadCountReachesTheWorker() {
        QFETCH(int, threads);
        InferenceService s;
        QSignalSpy loaded(&s, &InferenceService::modelLoaded);
        s.loadModel(model_, "cpu", threads);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(s.threads(), threads);
    }

    void segmentsWithFrames() {
        InferenceService s;
        QSignalSpy loaded(&s, &InferenceService::modelLoaded);
        s.loadModel(model_, "cpu");
        QVERIFY(loaded.wait(30000));
        QVERIFY(s.hasModel());
        QCOMPARE(s.device(), QString("cpu"));

        QSignalSpy frames(&s, &InferenceService::frames);
        QSignalSpy finished(&s, &InferenceService::finished);
        SegmentRequest r;
        r.imagePath = image_;
        r.phrases = {"circle"};
        r.settings.steps = 6;
        const quint64 id = s.submit(r);
        QVERIFY(s.isBusy());
        QVERIFY(finished.wait(30000));
        const auto result = finished.first().first().value<SegmentResultPtr>();
        QCOMPARE(result->request.id, id);
        QCOMPARE(result->segmentation.phrases.size(), size_t(1));
        const auto& p = result->segmentation.phrases.front();
        QCOMPARE(p.soft.width(), 72);
        QCOMPARE(p.soft.height(), 64);
        int total = 0;
        for (const auto& f : frames) {
            QCOMPARE(f.at(0).toULongLong(), id);
            for (const TrajectoryImage& t : f.at(1).value<QVector<TrajectoryImage>>()) {
                QCOMPARE(t.step, total);
                QVERIFY(!t.x0.isNull());
                ++total;
            }
        }
        QCOMPARE(total, 6);
        QVERIFY(!s.isBusy());
    }

    void cancelsWithinAStep() {
        InferenceService s;
        QSignalSpy loaded(&s, &InferenceService::modelLoaded);
        s.loadModel(model_, "cpu");
        QVERIFY(loaded.wait(30000));
        QSignalSpy frames(&s, &InferenceService::frames);
        QSignalSpy cancelled(&s, &InferenceService::cancelled);
        QSignalSpy finished(&s, &InferenceService::finished);
        SegmentRequest r;
        r.imagePath = image_;
        r.phrases = {"square"};
        r.settings.steps = 1000;
        const quint64 id = s.submit(r);
        // A queued second request is dropped before it starts.
        const quint64 second = s.submit(r);
        QVERIFY(frames.wait(30000));
        s.cancel(id);
        s.cancel(second);
        QVERIFY(cancelled.wait(10000));
        if (cancelled.count() < 2) QVERIFY(cancelled.wait(10000));
        QCOMPARE(finished.count(), 0);
        int total = 0;
        for (const auto& f : frames) total += int(f.at(1).value<QVector<TrajectoryImage>>().size());
        QVERIFY2(total < 1000, qPrintable(QString::number(total)));
        // Frames are batched: far fewer signals than steps.
        QVERIFY(frames.count() <= total);
    }

    void destroyingMidRunJoins() {
        QElapsedTimer clock;
        {
            InferenceService s;
            QSignalSpy loaded(&s, &InferenceService::modelLoaded);
            s.loadModel(model_, "cpu");
            QVERIFY(loaded.wait(30000));
            QSignalSpy frames(&s, &InferenceService::frames);
            SegmentRequest r;
            r.imagePath = image_;
            r.phrases = {"circle"};
            r.settings.steps = 1000;
            s.submit(r);
            QVERIFY(frames.wait(30000));
            clock.start();
        }
        QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
    }

    void cancelledLoadKeepsTheModelInUse_data() {
        QTest::addColumn<QString>("how");
        QTest::newRow("cancelLoad") << "cancel";
        QTest::newRow("another model chosen") << "another";
        QTest::newRow("the service destroyed") << "destroy";
    }
    void cancelledLoadKeepsTheModelInUse() {
        QFETCH(QString, how);
        if (large_.isEmpty()) {
            large_ = dir_.filePath("large");
            test::writeLargeModel(large_.toStdString());
            InferenceService s;
            QSignalSpy loaded(&s, &InferenceService::modelLoaded);
            QElapsedTimer whole;
            whole.start();
            s.loadModel(large_, "cpu");
            QVERIFY(loaded.wait(120000));
            wholeMs_ = whole.elapsed();
            qInfo("a whole load of the large model through the service: %lld ms", wholeMs_);
            QVERIFY2(wholeMs_ >= 300, "the test model loads too fast to measure a cancel");
        }
        auto s = std::make_unique<InferenceService>();
        QSignalSpy loaded(s.get(), &InferenceService::modelLoaded);
        s->loadModel(model_, "cpu");
        QVERIFY(loaded.wait(30000));
        QSignalSpy cancelled(s.get(), &InferenceService::modelLoadCancelled);
        QSignalSpy failed(s.get(), &InferenceService::modelFailed);
        s->loadModel(large_, "cpu");
        QVERIFY(s->isLoading());
        // Into the large load, early: the first (cold) load measured is the slowest, so a
        // cancel timed at a larger share of it can come after a later load has ended.
        QTest::qWait(int(wholeMs_ / 10));
        QElapsedTimer clock;
        clock.start();
        qint64 latency = -1;
        if (how == "destroy") {  // the window closed
            s.reset();
            latency = clock.elapsed();
        } else if (how == "cancel") {
            s->cancelLoad();
            QVERIFY(cancelled.wait(30000));
            latency = clock.elapsed();
            QCOMPARE(cancelled.first().first().toString(), large_);
            QCOMPARE(loaded.count(), 1);
        } else {
            s->loadModel(model_, "cpu");  // the large one is not wanted any more
            QVERIFY(loaded.wait(30000));
            latency = clock.elapsed();
            QCOMPARE(loaded.count(), 2);
            QCOMPARE(cancelled.count(), 0);  // the answer to a superseded load is not passed on
        }
        qInfo("%s: %lld ms after the cancel (whole load %lld ms)", QTest::currentDataTag(), latency, wholeMs_);
        // How soon is a figure (README), not a check: building the U-Net (random
        // initialisation, about half of the load) cannot stop, and the machine is shared.
        if (!s) return;
        QCOMPARE(failed.count(), 0);
        QVERIFY(!s->isLoading());
        QVERIFY(s->hasModel());
        QCOMPARE(s->modelDir(), model_);
        QCOMPARE(s->modelName(), QString("tiny test model"));
        // And it still segments.
        QSignalSpy finished(s.get(), &InferenceService::finished);
        SegmentRequest r;
        r.imagePath = image_;
        r.phrases = {"circle"};
        r.settings.steps = 2;
        s->submit(r);
        QVERIFY(finished.wait(30000));
    }

    void badInputIsReported_data() {
        QTest::addColumn<QString>("what");
        QTest::newRow("wrong shapes") << "shapes";
        QTest::newRow("not a model") << "empty";
    }
    void badInputIsReported() {
        QFETCH(QString, what);
        QTemporaryDir bad;
        const QString dir = bad.filePath("broken-model");
        if (what == "shapes") {
            test::writeTinyModel(dir.toStdString());
            // Weights written for other widths than the config now claims.
            test::TinyModelSpec other;
            other.imageLatentChannels = 8;
            const auto vocab = PhraseVocabulary::build(other.phrases, 8);
            auto cfg = test::tinyUNetConfig(other, 16);
            cfg.blockOutChannels = {32, 64};
            test::writeJsonFile((dir + "/unet/config.json").toStdString(), cfg.toJson());
        } else {
            QDir().mkpath(dir);
        }
        InferenceService s;
        QSignalSpy failed(&s, &InferenceService::modelFailed);
        s.loadModel(dir, "cpu");
        QVERIFY(failed.wait(30000));
        QVERIFY2(failed.first().at(1).toString().contains("broken-model"), qPrintable(failed.first().at(1).toString()));
        QVERIFY(!s.hasModel());
        // A request without a model fails with a message instead of crashing.
        QSignalSpy requestFailed(&s, &InferenceService::failed);
        SegmentRequest r;
        r.imagePath = image_;
        r.phrases = {"circle"};
        s.submit(r);
        QVERIFY(requestFailed.wait(10000));
    }

    void corruptImageFailsTheRequest() {
        InferenceService s;
        QSignalSpy loaded(&s, &InferenceService::modelLoaded);
        s.loadModel(model_, "cpu");
        QVERIFY(loaded.wait(30000));
        QTemporaryDir bad;
        QFile f(bad.filePath("corrupt.jpg"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\xff\xd8\xff garbage");
        f.close();
        QSignalSpy failed(&s, &InferenceService::failed);
        SegmentRequest r;
        r.imagePath = f.fileName();
        r.phrases = {"circle"};
        s.submit(r);
        QVERIFY(failed.wait(10000));
        QVERIFY(failed.first().at(1).toString().contains("corrupt.jpg"));
    }

private:
    QTemporaryDir dir_;
    QString model_, image_;
    QString large_;
    qint64 wholeMs_ = 0;
};

QTEST_MAIN(TestInferenceService)
#include "test_inference_service.moc"
