// The training panel end to end with a tiny from-scratch model on synthetic scenes: Start
// reports losses and validation metrics while the UI thread keeps ticking, Stop writes a
// checkpoint, Resume continues to the end with a contiguous loss curve, the tuned
// thresholds and validation previews are shown, the model is registered, made active
// through the inference service and segments an image, and the old-vs-new comparison
// fills its table. Also: the current project's labelled images export to a COCO file
// with a summary, each setting has a tooltip, and "Default model" fine-tunes the shipped one.
// LibTorch first: its headers use the name `slots`, which Qt defines as a macro.
#include "ui/training_worker.h"

#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/default_model.h"
#include "core/synthetic_scene.h"
#include "ui/inference_service.h"
#include "ui/loss_plot.h"
#include "ui/model_registry.h"
#include "ui/task_progress.h"
#include "ui/phrase_similarity_view.h"
#include "ui/training_panel.h"

#include "support/tiny_training.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace ld;
using json = nlohmann::json;

namespace {
json tinyOverrides() {
    return json{{"seed", 3},
                {"model", ld::test::tinyTrainingModel()},
                {"data", {{"absent_fraction", 0.25}, {"augment", false}, {"cache_scale", 1.0}}},
                {"optim", {{"warmup", 10}, {"ema", 0.0}}},
                {"threads", 1}};
}
}  // namespace

class TestTrainingPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        ds_ = writeSyntheticDataset(dir_.filePath("data").toStdString(), 6, 64, 64, 7);
        coco_ = dir_.filePath("data/instances.json");
        findDatasetFormat("coco")->write(ds_, coco_.toStdString(), {});
    }

    void settingsHaveTooltips() {
        ModelRegistry reg;
        TrainingPanel panel(&reg);
        for (QWidget* w : std::initializer_list<QWidget*>{panel.stepsBox(), panel.batchBox(), panel.resolutionBox(),
                                                          panel.deviceBox(), panel.valFractionBox(),
                                                          panel.stopButton(), panel.resumeButton()})
            QVERIFY2(!w->toolTip().isEmpty(), qPrintable(w->metaObject()->className()));
        int combos = 0;
        for (QComboBox* c : panel.findChildren<QComboBox*>()) {
            QVERIFY(!c->toolTip().isEmpty());
            ++combos;
        }
        QVERIFY(combos >= 5);  // source, base, objective, timesteps, noise, device
        QVERIFY(!panel.stopButton()->isEnabled());
        QVERIFY(!panel.resumeButton()->isEnabled());
    }

    void currentProjectExportsLabelledImages() {
        ModelRegistry reg;
        TrainingPanel panel(&reg);
        Project p = projectFromDataset(ds_);
        p.images[0].status = ImageStatus::Unlabelled;  // not offered for training
        const QString images = dir_.filePath("data");
        panel.setProjectProvider([p, images] { return TrainingPanel::ProjectSnapshot{p, images}; });
        QSignalSpy summary(&panel, &TrainingPanel::summaryReady);
        panel.setDataset(TrainingPanel::DataKind::Project);
        QTRY_VERIFY_WITH_TIMEOUT(summary.count() > 0, 20000);
        QVERIFY2(panel.summaryText().contains("5"), qPrintable(panel.summaryText()));
        panel.setOutputDir(dir_.filePath("unused"));
        panel.setBaseModel(TrainingPanel::BaseKind::Scratch);
        QString error;
        const json c = panel.buildConfig(&error);
        QVERIFY2(!c.is_null(), qPrintable(error));
        const std::string path = c["data"]["train"][0]["path"];
        const Dataset exported = findDatasetFormat("coco")->read(path, ReadOptions{images.toStdString(), true});
        QCOMPARE(exported.images.size(), size_t(5));
        QCOMPARE(c["data"]["train"][0]["images"].get<std::string>(), images.toStdString());
        QVERIFY(c.contains("model"));
        QVERIFY(!c.contains("base_model"));
    }

    // The denoiser is chosen for a model trained from scratch; a fine-tune keeps its base's.
    void denoiserChoice_data() {
        QTest::addColumn<int>("index");
        QTest::addColumn<QString>("denoiser");
        QTest::newRow("U-Net") << 0 << "unet";
        QTest::newRow("DiT") << 1 << "dit";
    }
    void denoiserChoice() {
        QFETCH(int, index);
        QFETCH(QString, denoiser);
        ModelRegistry reg;
        TrainingPanel panel(&reg);
        QSignalSpy summary(&panel, &TrainingPanel::summaryReady);
        panel.setDataset(TrainingPanel::DataKind::Coco, coco_);
        QTRY_VERIFY_WITH_TIMEOUT(summary.count() > 0, 20000);
        panel.setOutputDir(dir_.filePath("unused"));
        panel.setBaseModel(TrainingPanel::BaseKind::Scratch);
        QVERIFY(panel.denoiserBox()->isEnabled());
        panel.denoiserBox()->setCurrentIndex(index);
        QString error;
        const json c = panel.buildConfig(&error);
        QVERIFY2(!c.is_null(), qPrintable(error));
        QCOMPARE(QString::fromStdString(c["model"]["denoiser"].get<std::string>()), denoiser);
        QCOMPARE(panel.denoiserBox()->currentText(), index == 0 ? QString("U-Net") : QString("DiT"));
        panel.setBaseModel(TrainingPanel::BaseKind::Default);
        QVERIFY(!panel.denoiserBox()->isEnabled());
    }

    void trainStopResumeRegisterSegment() {
        ModelRegistry reg;
        TrainingPanel panel(&reg);
        panel.resize(1400, 860);
        QSignalSpy summary(&panel, &TrainingPanel::summaryReady);
        panel.setDataset(TrainingPanel::DataKind::Coco, coco_);
        QTRY_VERIFY_WITH_TIMEOUT(summary.count() > 0, 20000);
        QVERIFY2(panel.summaryText().contains("6"), qPrintable(panel.summaryText()));
        panel.setBaseModel(TrainingPanel::BaseKind::Scratch);
        panel.setOutputDir(dir_.filePath("tuned"));
        panel.setConfigOverrides(tinyOverrides());
        panel.stepsBox()->setValue(120);
        panel.batchBox()->setValue(4);
        panel.validateEveryBox()->setValue(20);
        panel.checkpointEveryBox()->setValue(40);
        panel.valFractionBox()->setValue(0.34);

        // The UI thread keeps running while the trainer works.
        QElapsedTimer gap;
        qint64 worstGap = 0;
        QTimer tick;
        tick.setInterval(10);
        connect(&tick, &QTimer::timeout, this, [&] {
            if (gap.isValid()) worstGap = std::max(worstGap, gap.restart());
            else gap.start();
        });
        tick.start();

        QSignalSpy task(&panel, &TrainingPanel::taskStarted);
        QSignalSpy metrics(&panel, &TrainingPanel::metricsReceived);
        QSignalSpy stopped(&panel, &TrainingPanel::trainingStopped);
        QSignalSpy finished(&panel, &TrainingPanel::trainingFinished);
        QSignalSpy failed(&panel, &TrainingPanel::trainingFailed);
        QVERIFY(panel.start());
        QCOMPARE(task.count(), 1);
        QVERIFY(panel.isRunning());
        QVERIFY(panel.stopButton()->isEnabled());
        QVERIFY(!panel.startButton()->isEnabled());
        QVERIFY2(metrics.wait(60000), failed.isEmpty() ? "no metrics" : qPrintable(failed.first().first().toString()));
        QVERIFY(panel.lossPlot()->pointCount(panel.tr("loss")) > 0);
        QVERIFY(panel.iouPlot()->pointCount(panel.tr("mIoU")) >= 1);
        QVERIFY(panel.iouPlot()->seriesCount() >= 2);  // mIoU and per-class IoU
        QVERIFY(panel.lrPlot()->seriesCount() == 1);
        // The phrase-similarity heat map: one row per class, a cosine matrix.
        const PhraseSimilarity& similarity = panel.similarityView()->similarity();
        QCOMPARE(int(similarity.phrases.size()), int(ds_.categories.size()));
        QVERIFY(std::abs(similarity.cosine[0][0] - 1) < 1e-4);
        panel.stop();
        QVERIFY(stopped.wait(30000));
        QVERIFY2(finished.isEmpty(), "the run ended before Stop took effect");
        QVERIFY(!panel.isRunning());
        const qint64 stoppedAt = panel.currentStep();
        QVERIFY(stoppedAt > 0 && stoppedAt < 120);
        QVERIFY(QFileInfo::exists(panel.lastCheckpoint() + "/training_state/state.json"));
        QVERIFY(QFileInfo::exists(panel.lastCheckpoint() + "/model_card.json"));
        QVERIFY(panel.resumeButton()->isEnabled());
        QCOMPARE(panel.lossPlot()->pointCount(panel.tr("loss")), int(stoppedAt));

        // LABELDIFF_SCREENSHOT_DIR set: the panel mid-run (plots and previews live) for docs/.
        const QString shots = qEnvironmentVariable("LABELDIFF_SCREENSHOT_DIR");
        bool shot = false;
        connect(&panel, &TrainingPanel::metricsReceived, this, [&](qint64 step) {
            if (shots.isEmpty() || shot || step < 80 || !panel.isRunning()) return;
            shot = panel.grab().save(shots + "/screenshot-training.png");
        });
        QVERIFY(panel.resume());
        QVERIFY2(finished.wait(60000), failed.isEmpty() ? "not finished" : qPrintable(failed.first().first().toString()));
        tick.stop();
        QVERIFY2(worstGap < 1000, qPrintable(QString("UI thread blocked for %1 ms").arg(worstGap)));
        QCOMPARE(panel.currentStep(), qint64(120));
        QCOMPARE(panel.progressBar()->value(), 120);
        // One raw loss point per step, across the stop: the resumed run continued.
        QCOMPARE(panel.lossPlot()->pointCount(panel.tr("loss")), 120);
        QCOMPARE(panel.lossPlot()->pointCount(LossPlot::smoothedName(panel.tr("loss"))), 120);
        const QString model = panel.trainedModel();
        QVERIFY(QFileInfo::exists(model + "/model_card.json"));
        // Tuned thresholds, one per class; previews of validation images.
        QVERIFY(panel.thresholdTable()->rowCount() >= 1);
        QVERIFY(panel.lastValidation().contains("miou"));
        if (panel.lastPreviews().isEmpty()) {
            QSignalSpy previews(&panel, &TrainingPanel::previewsUpdated);
            QVERIFY(previews.wait(20000));
        }
        QVERIFY(!panel.lastPreviews().isEmpty());
        QVERIFY(!panel.lastPreviews().first().prediction.isNull());
        QVERIFY(!panel.lastPreviews().first().truth.isNull());

        // Register and make active: the inference service loads it and segments with it.
        InferenceService service;
        connect(&panel, &TrainingPanel::makeActiveRequested, &service,
                [&](const QString& dir) { service.loadModel(dir, "cpu"); });
        QSignalSpy loaded(&service, &InferenceService::modelLoaded);
        panel.makeActive();
        QVERIFY(reg.contains(model));
        QVERIFY(loaded.wait(30000));
        QCOMPARE(service.modelDir(), ModelRegistry::normalize(model));
        QSignalSpy segmented(&service, &InferenceService::finished);
        SegmentRequest r;
        r.imagePath = dir_.filePath("data/" + QString::fromStdString(ds_.images[0].fileName));
        r.phrases = {ds_.categories[0].name};
        service.submit(r);
        QVERIFY(segmented.wait(30000));
        const auto result = segmented.first().first().value<SegmentResultPtr>();
        QCOMPARE(result->segmentation.phrases.size(), size_t(1));
        QCOMPARE(result->segmentation.phrases.front().soft.width(), 64);

        // Old (the initial weights) vs new on the validation split.
        QSignalSpy compared(&panel, &TrainingPanel::comparisonReady);
        QVERIFY(panel.compare());
        QVERIFY(compared.wait(60000));
        QVERIFY(panel.comparison()["old"].contains("miou"));
        QVERIFY(panel.comparison()["new"].contains("per_class_iou"));
        QCOMPARE(panel.comparisonTable()->rowCount(), 1 + int(panel.comparison()["new"]["per_class_iou"].size()));
    }

    // "Default model" with nothing registered or active is the shipped model; the panel
    // fine-tunes it (keeping its resolution) and the card names it as the base.
    // Stop pressed right after Start, while the run still waits in the worker's queue: the
    // worker must not reset the token it was given (it did, and ran all its steps).
    void stopBeforeTheRunStartsIsHonoured() {
        ModelRegistry reg;
        TrainingPanel panel(&reg);
        QSignalSpy summary(&panel, &TrainingPanel::summaryReady);
        panel.setDataset(TrainingPanel::DataKind::Coco, coco_);
        QTRY_VERIFY_WITH_TIMEOUT(summary.count() > 0, 20000);
        panel.setBaseModel(TrainingPanel::BaseKind::Scratch);
        panel.setOutputDir(dir_.filePath("stopped-early"));
        panel.setConfigOverrides(tinyOverrides());
        panel.stepsBox()->setValue(400);
        panel.batchBox()->setValue(2);
        panel.validateEveryBox()->setValue(0);
        panel.checkpointEveryBox()->setValue(0);
        QSignalSpy stopped(&panel, &TrainingPanel::trainingStopped);
        QSignalSpy finished(&panel, &TrainingPanel::trainingFinished);
        QVERIFY(panel.start());
        panel.stop();
        QVERIFY(stopped.wait(60000));
        QVERIFY(finished.isEmpty());
        QCOMPARE(panel.currentStep(), qint64(0));
    }

    void fineTunesTheShippedDefault() {
        ModelRegistry reg;
        QVERIFY(reg.defaultModel().isEmpty());
        TrainingPanel panel(&reg);
        QSignalSpy summary(&panel, &TrainingPanel::summaryReady);
        panel.setDataset(TrainingPanel::DataKind::Coco, coco_);
        QTRY_VERIFY_WITH_TIMEOUT(summary.count() > 0, 20000);
        panel.setBaseModel(TrainingPanel::BaseKind::Default);
        const QString shipped = QString::fromStdString(defaultModelDirectory().string());
        QCOMPARE(panel.baseModelDir(), shipped);
        QVERIFY(!panel.resolutionBox()->isEnabled());
        panel.setOutputDir(dir_.filePath("fine-tuned"));
        json overrides = tinyOverrides();
        overrides.erase("model");
        panel.setConfigOverrides(overrides);
        panel.stepsBox()->setValue(3);
        panel.batchBox()->setValue(2);
        panel.validateEveryBox()->setValue(0);
        panel.checkpointEveryBox()->setValue(0);
        QSignalSpy finished(&panel, &TrainingPanel::trainingFinished);
        QSignalSpy failed(&panel, &TrainingPanel::trainingFailed);
        QVERIFY(panel.start());
        QVERIFY2(finished.wait(120000), failed.isEmpty() ? "not finished" : qPrintable(failed.first().first().toString()));
        const json card = json::parse(readFile((panel.trainedModel() + "/model_card.json").toStdString()));
        QCOMPARE(QString::fromStdString(card["training"]["base_model"].get<std::string>()),
                 QFileInfo(shipped).absoluteFilePath());
        QCOMPARE(card["resolution"].get<int>(), json::parse(readFile(shipped.toStdString() + "/model_card.json"))["resolution"].get<int>());
    }

    void destroyingMidRunJoinsQuickly() {
        ModelRegistry reg;
        auto* panel = new TrainingPanel(&reg);
        panel->setDataset(TrainingPanel::DataKind::Coco, coco_);
        panel->setBaseModel(TrainingPanel::BaseKind::Scratch);
        panel->setOutputDir(dir_.filePath("abandoned"));
        panel->setConfigOverrides(tinyOverrides());
        panel->stepsBox()->setValue(100000);
        panel->batchBox()->setValue(2);
        panel->validateEveryBox()->setValue(0);
        panel->checkpointEveryBox()->setValue(0);
        QVERIFY(panel->start());
        QTRY_VERIFY_WITH_TIMEOUT(panel->currentStep() > 2, 30000);
        QElapsedTimer t;
        t.start();
        delete panel;
        QVERIFY2(t.elapsed() < 10000, qPrintable(QString("join took %1 ms").arg(t.elapsed())));
    }

private:
    QTemporaryDir dir_;
    Dataset ds_;
    QString coco_;
};

QTEST_MAIN(TestTrainingPanel)
#include "test_training_panel.moc"
