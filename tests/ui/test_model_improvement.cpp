// Issue 18's "Improve the model from my reviews" in the real window, offscreen, with a tiny
// model: six reviewed images and two pending ones; the run starts from the Training menu on
// its own low-priority thread, is paused (a checkpoint written, nothing running) and
// resumed to the end; both models are scored on the held-out reviewed images and land in
// the project's model history; switching to the new model proposes again for the pending
// images only; the history returns to the earlier model in one click, survives the project
// file, and a reopened project comes back with the model it was last labelled with.
#include "support/tiny_model.h"

#include "core/formats/dataset_format.h"
#include "core/model_history.h"
#include "core/project.h"
#include "core/segmentation_json.h"
#include "core/synthetic_scene.h"
#include "ui/inference_service.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/model_history_panel.h"
#include "ui/model_improver.h"
#include "ui/review_loop.h"

#include "open_with_model.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace ld;

namespace {

const std::vector<std::string> kPhrases = {"facade", "window"};
constexpr int kReviewed = 6;
constexpr int kImages = 8;
constexpr int64_t kOldProposal = 9001;

// Scenes with their facade and window masks: the first six reviewed by a person, the
// seventh with a pending proposal of an older model, the eighth not labelled.
Dataset scenes(const std::string& dir) {
    Dataset ds = writeSyntheticDataset(dir, kImages, 64, 64, 21);
    std::vector<Category> kept;
    for (const Category& c : ds.categories)
        if (std::find(kPhrases.begin(), kPhrases.end(), c.name) != kPhrases.end()) kept.push_back(c);
    ds.categories = kept;
    std::vector<Annotation> annotations;
    for (Annotation a : ds.annotations) {
        if (!ds.findCategory(a.categoryId)) continue;
        const size_t image = size_t(std::find_if(ds.images.begin(), ds.images.end(),
                                                 [&](const ImageInfo& i) { return i.id == a.imageId; }) -
                                    ds.images.begin());
        if (image >= kReviewed) continue;
        Provenance p;
        p.reviewed = true;
        a.provenance = p;
        annotations.push_back(a);
    }
    // The pending proposal: the sixth image's first mask, on the seventh.
    Annotation old = annotations.front();
    old.id = kOldProposal;
    old.imageId = ds.images[kReviewed].id;
    Provenance p;
    p.source = Provenance::Source::Model;
    p.model = "an older model";
    old.provenance = p;
    annotations.push_back(old);
    ds.annotations = annotations;
    return ds;
}

std::vector<ProjectAnnotation> reviewedAnnotations(const Project& p) {
    std::vector<ProjectAnnotation> out;
    for (const auto& a : p.annotations)
        if (p.findImage(a.imageId)->status == ImageStatus::Reviewed) out.push_back(a);
    return out;
}

bool sameAnnotations(const std::vector<ProjectAnnotation>& a, const std::vector<ProjectAnnotation>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].id != b[i].id || a[i].categoryId != b[i].categoryId || segmentationToJson(a[i].segmentation) != segmentationToJson(b[i].segmentation))
            return false;
    return true;
}

}  // namespace

class TestModelImprovement : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString model_, images_;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        model_ = QDir::cleanPath(dir_.filePath("tiny"));
        test::TinyModelSpec spec;
        spec.phrases = kPhrases;
        test::writeTinyModel(model_.toStdString(), spec);
        images_ = dir_.filePath("project");
        const Dataset ds = scenes(images_.toStdString());
        findDatasetFormat("coco")->write(ds, (images_ + "/instances.json").toStdString(), {});
    }

    void improvePauseResumeSwitchAndReturn() {
        MainWindow w;
        QVERIFY(test::openWithModel(w, model_, images_));
        auto* loop = w.findChild<ReviewLoop*>();
        QVERIFY(loop);
        ModelImprover* improver = loop->improver();
        ModelHistoryPanel* panel = loop->panel();
        QCOMPARE(improver->reviewedImages(), kReviewed);
        QCOMPARE(improver->activeModel(), model_);
        QVERIFY(w.document()->project().modelHistory.entries.empty());
        const std::vector<ProjectAnnotation> reviewed = reviewedAnnotations(w.document()->project());
        QCOMPARE(w.document()->annotation(kOldProposal)->provenance.model, std::string("an older model"));

        // Started from the menu; paused at once (the trainer honours it before its first
        // step), which writes a checkpoint; resumed from it to the end.
        panel->stepsBox()->setValue(30);
        QCOMPARE(improver->steps(), 30);
        improver->setConfigOverrides({{"batch", 2}, {"data", {{"cache_scale", 1.0}}}});
        QSignalSpy ready(improver, &ModelImprover::improvementReady);
        QVERIFY(!loop->dock()->isVisible());
        w.action("improveModel")->trigger();
        QVERIFY(loop->dock()->isVisibleTo(&w));
        QCOMPARE(improver->state(), ModelImprover::State::Training);
        QVERIFY(!panel->improveButton()->isEnabled());
        QVERIFY(panel->pauseButton()->isEnabled());
        QVERIFY(improver->task());
        QTRY_COMPARE_WITH_TIMEOUT(improver->threadNice(), ModelImprover::kNice, 10000);
        panel->pauseButton()->click();
        QCOMPARE(improver->state(), ModelImprover::State::Pausing);
        QTRY_COMPARE_WITH_TIMEOUT(improver->state(), ModelImprover::State::Paused, 60000);
        QVERIFY(QFileInfo(improver->lastCheckpoint() + "/training_state").isDir());
        QVERIFY(improver->step() < 30);
        QVERIFY(!improver->task());  // the status bar is free while paused
        QVERIFY(panel->resumeButton()->isEnabled());
        QVERIFY(!panel->pauseButton()->isEnabled());
        QVERIFY(ready.isEmpty());
        w.action("pauseImprovement")->trigger();  // the menu's Pause/Resume resumes
        QCOMPARE(improver->state(), ModelImprover::State::Training);
        QVERIFY(ready.wait(300000));
        QCOMPARE(improver->state(), ModelImprover::State::Ready);
        QCOMPARE(improver->step(), qint64(30));
        QVERIFY(improver->heldOutImages() >= 1);
        QVERIFY(improver->heldOutImages() < kReviewed);
        const QString improved = improver->candidate();
        QVERIFY(QFileInfo(improved + "/model_card.json").isFile());
        QVERIFY(QDir(improved).absolutePath().startsWith(QDir(images_).absolutePath() + "/labeldiff-models/"));

        // Both models in the history, scored on the same held-out images.
        const ModelHistory h = w.document()->project().modelHistory;
        QCOMPARE(h.entries.size(), size_t(2));
        QCOMPARE(QString::fromStdString(h.entries[0].model), model_);
        QCOMPARE(QString::fromStdString(h.entries[1].model), improved);
        QCOMPARE(QString::fromStdString(h.entries[1].base), model_);
        QCOMPARE(h.active, 0);
        QVERIFY(h.entries[0].heldOutMiou && h.entries[1].heldOutMiou);
        QCOMPARE(*h.entries[0].heldOutMiou, improver->baseMiou());
        QCOMPARE(*h.entries[1].heldOutMiou, improver->candidateMiou());
        QCOMPARE(h.entries[1].reviewedImages, kReviewed);
        QCOMPARE(h.entries[1].heldOutImages, improver->heldOutImages());
        QCOMPARE(h.entries[1].steps, int64_t(30));
        QCOMPARE(ready.first().at(3).toBool(), beats(improver->candidateMiou(), improver->baseMiou()));
        // The offer: "Switch" only when the new model scored better.
        QCOMPARE(panel->switchButton()->isEnabled(), improver->candidateBeatsBase());
        QCOMPARE(panel->historyTable()->rowCount(), 2);
        QVERIFY(panel->historyTable()->item(0, 0)->text().contains("(in use)"));
        QVERIFY(w.document()->isDirty());
        // docs/take_model_history_screenshot.sh: the window with the offer and the history.
        if (const QString shots = qEnvironmentVariable("LABELDIFF_SCREENSHOT_DIR"); !shots.isEmpty()) {
            w.resize(1400, 1000);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            QVERIFY(w.grab().save(shots + "/screenshot-model-history.png"));
        }

        // Switched to (through the offer when it is made, else from the history): the
        // pending image's proposal is made again, the reviewed images are left alone.
        QSignalSpy switched(loop, &ReviewLoop::switched);
        QSignalSpy batch(&w, &MainWindow::batchFinished);
        if (panel->switchButton()->isEnabled()) {
            panel->switchButton()->click();
        } else {
            panel->historyTable()->selectRow(1);
            panel->useButton()->click();
        }
        QVERIFY(switched.wait(60000));
        QCOMPARE(switched.first().at(0).toString(), improved);
        QVERIFY(switched.first().at(1).toBool());
        QCOMPARE(QDir::cleanPath(w.inference()->modelDir()), improved);
        QCOMPARE(improver->activeModel(), improved);
        QCOMPARE(w.document()->project().modelHistory.active, 1);
        QVERIFY(panel->historyTable()->item(1, 0)->text().contains("(in use)"));
        QVERIFY(batch.wait(60000));
        QVERIFY(!w.document()->annotation(kOldProposal));
        QVERIFY(sameAnnotations(reviewedAnnotations(w.document()->project()), reviewed));

        // Saved and read back with its history.
        const QString projectPath = images_ + "/project.labeldiff";
        QVERIFY(w.save(projectPath));
        QVERIFY(loadProject(projectPath.toStdString()).modelHistory == w.document()->project().modelHistory);

        // One click back to the starting model.
        switched.clear();
        batch.clear();
        panel->historyTable()->selectRow(0);
        QVERIFY(panel->useButton()->isEnabled());
        panel->useButton()->click();
        QVERIFY(switched.wait(60000));
        QCOMPARE(QDir::cleanPath(w.inference()->modelDir()), model_);
        QCOMPARE(w.document()->project().modelHistory.active, 0);
        QVERIFY(batch.wait(60000));
        QVERIFY(w.save(projectPath));

        // A window opening the project comes back with the model it was last labelled with.
        MainWindow again;
        again.openPath(projectPath);
        QTRY_COMPARE_WITH_TIMEOUT(QDir::cleanPath(again.inference()->modelDir()), model_, 60000);
        QVERIFY(!again.document()->isDirty());
    }

    // Too few reviewed images: nothing starts, and the reason is given.
    void refusesWithTooFewReviews() {
        QTemporaryDir work;
        Dataset ds = writeSyntheticDataset(work.path().toStdString(), 3, 64, 64, 5);
        for (Annotation& a : ds.annotations) a.provenance = Provenance{};
        findDatasetFormat("coco")->write(ds, (work.path() + "/instances.json").toStdString(), {});
        MainWindow w;
        QVERIFY(test::openWithModel(w, model_, work.path()));
        auto* loop = w.findChild<ReviewLoop*>();
        QCOMPARE(loop->improver()->reviewedImages(), 0);
        QVERIFY(!loop->panel()->improveButton()->isEnabled());
        QString error;
        QVERIFY(!loop->improver()->start(&error));
        QVERIFY2(error.contains("at least 3"), qPrintable(error));
        QCOMPARE(loop->improver()->state(), ModelImprover::State::Idle);
    }
};

QTEST_MAIN(TestModelImprovement)
#include "test_model_improvement.moc"
