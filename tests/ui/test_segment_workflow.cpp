// The labelling workflow through the real widgets with a tiny untrained model: open a
// folder, type a phrase, receive trajectory frames, scrub, move τ and see the mask
// change, accept, brush-edit with the mouse, undo/redo, export COCO and read it back
// through core, and batch-label without touching a person's annotation.
// LibTorch first: its headers use the name `slots`, which Qt defines as a macro.
#include "support/tiny_model.h"

#include "open_with_model.h"

#include "core/formats/dataset_format.h"
#include "core/synthetic_scene.h"
#include "ui/annotation_editor.h"
#include "ui/batch_labeler.h"
#include "ui/image_canvas.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/model_registry.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/task_progress.h"
#include "ui/trajectory_strip.h"

#include <QAction>
#include <QComboBox>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace ld;

namespace {
int64_t areaOf(const LabelDocument& doc, int64_t annotationId) {
    const ProjectAnnotation* a = doc.annotation(annotationId);
    const ProjectImage* img = a ? doc.image(a->imageId) : nullptr;
    return img ? area(toMask(a->segmentation, img->height, img->width)) : -1;
}
}  // namespace

class TestSegmentWorkflow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        images_ = dir_.filePath("images");
        QDir().mkpath(images_);
        writeSyntheticDataset(images_.toStdString(), 3, 80, 64, 11);
        model_ = dir_.filePath("model");
        test::TinyModelSpec spec;
        spec.defaults.steps = 5;
        test::writeTinyModel(model_.toStdString(), spec);
    }

    void workflow() {
        MainWindow w;
        w.resize(1200, 800);
        w.show();
        w.samplerPanel()->setThreshold(0.5);
        QVERIFY(test::openWithModel(w, model_, images_));
        LabelDocument& doc = *w.document();
        QCOMPARE(int(doc.project().images.size()), 3);

        // Type a phrase and press Return.
        QSignalSpy frames(&w, &MainWindow::framesArrived);
        QSignalSpy proposal(&w, &MainWindow::proposalReady);
        QLineEdit* phrase = w.promptPanel()->phraseBox()->lineEdit();
        QTest::keyClicks(phrase, "circle");
        QSignalSpy problems(&w, &MainWindow::failed);
        QTest::keyClick(phrase, Qt::Key_Return);
        QVERIFY2(proposal.wait(30000), problems.isEmpty() ? "no proposal" : qPrintable(problems.first().first().toString()));
        QVERIFY(frames.count() > 0);
        QCOMPARE(w.trajectory()->frameCount(), 5);
        QCOMPARE(w.proposals().size(), size_t(1));
        QCOMPARE(doc.project().phraseHistory.back(), std::string("circle"));

        // Scrub back: the canvas shows that step's x̂₀ over the image.
        const QImage atEnd = w.canvas()->renderedImage();
        w.trajectory()->slider()->setValue(0);
        QCOMPARE(w.trajectory()->currentStep(), 0);
        QVERIFY(w.canvas()->renderedImage() != atEnd);
        w.trajectory()->scrubTo(4);
        QCOMPARE(w.canvas()->renderedImage(), atEnd);
        QSignalSpy selected(w.trajectory(), &TrajectoryStrip::frameSelected);
        w.trajectory()->scrubTo(0);
        w.trajectory()->play();
        QTRY_VERIFY_WITH_TIMEOUT(!w.trajectory()->isPlaying(), 5000);
        QVERIFY(selected.count() >= 5);

        // τ re-thresholds the kept soft mask: no new sampling.
        const int runs = proposal.count();
        w.samplerPanel()->setThreshold(0.0);
        const int64_t all = area(w.proposals().front().mask);
        QCOMPARE(all, int64_t(80 * 64));
        const QImage wide = w.canvas()->renderedImage();
        w.samplerPanel()->setThreshold(1.0);
        QVERIFY(area(w.proposals().front().mask) < all);
        QVERIFY(w.canvas()->renderedImage() != wide);
        w.samplerPanel()->setThreshold(0.0);
        QCOMPARE(proposal.count(), runs);

        // Accept: the phrase becomes a category, the mask a reviewed model annotation.
        QVERIFY(w.acceptProposals());
        const auto anns = doc.annotationsOf(doc.project().images[0].id);
        QCOMPARE(anns.size(), size_t(1));
        QVERIFY(w.promptPanel()->categoryForPhrase("circle") > 0);
        QCOMPARE(anns[0].provenance.source, Provenance::Source::Model);
        QVERIFY(anns[0].provenance.reviewed);

        // A manual annotation with the brush, by mouse, on a fresh category.
        w.promptPanel()->setCurrentCategory(w.promptPanel()->addCategory("square"));
        w.action("toolBrush")->trigger();
        w.canvas()->setBrushRadius(4);
        w.canvas()->setSelected(0);
        w.editor()->select(0);
        QWidget* vp = w.canvas()->viewport();
        const QPoint a = w.canvas()->mapFromScene(QPointF(10, 10));
        const QPoint b = w.canvas()->mapFromScene(QPointF(30, 12));
        QTest::mousePress(vp, Qt::LeftButton, {}, a);
        QTest::mouseMove(vp, b);
        QTest::mouseRelease(vp, Qt::LeftButton, {}, b);
        const int64_t manual = w.editor()->selected();
        QVERIFY(manual > 0);
        const ProjectAnnotation* m = doc.annotation(manual);
        QCOMPARE(m->provenance.source, Provenance::Source::Manual);
        const int64_t brushed = areaOf(doc, manual);
        QVERIFY2(brushed > 100, qPrintable(QString::number(brushed)));

        // Erase part of it, then undo and redo.
        w.action("toolEraser")->trigger();
        QTest::mousePress(vp, Qt::LeftButton, {}, a);
        QTest::mouseRelease(vp, Qt::LeftButton, {}, a);
        const int64_t erased = areaOf(doc, manual);
        QVERIFY(erased < brushed);
        w.action("undo")->trigger();
        QCOMPARE(areaOf(doc, manual), brushed);
        w.action("redo")->trigger();
        QCOMPARE(areaOf(doc, manual), erased);
        const Segmentation manualBefore = doc.annotation(manual)->segmentation;

        // Export COCO and read it back through core.
        QSignalSpy exported(&w, &MainWindow::exported);
        const QString coco = dir_.filePath("out/instances.json");
        QDir().mkpath(dir_.filePath("out"));
        w.exportTo("coco", coco);
        QVERIFY(exported.wait(10000));
        ReadOptions ro;
        ro.imagesDir = images_.toStdString();
        const Dataset back = findDatasetFormat("coco")->read(coco.toStdString(), ro);
        QCOMPARE(back.annotations.size(), doc.project().annotations.size());
        QCOMPARE(back.images.size(), size_t(3));
        for (const Annotation& ann : back.annotations) {
            const ImageInfo* img = back.findImage(ann.imageId);
            QCOMPARE(int64_t(ann.area), area(toMask(ann.segmentation, img->height, img->width)));
        }
        QCOMPARE(back.categories.front().id, int64_t(1));

        // Batch-label everything, replacing unreviewed model work only.
        BatchOptions o;
        o.unannotatedOnly = false;
        o.keepExisting = false;
        o.settings = w.samplerPanel()->settings();
        o.settings.threshold = 0.0;  // an untrained model: make sure masks are not empty
        o.settings.steps = 2;
        QSignalSpy batch(&w, &MainWindow::batchFinished);
        TaskProgress* task = w.startBatch(o);
        QVERIFY(task);
        QCOMPARE(task->total(), 3);
        QVERIFY(batch.wait(60000));
        QVERIFY2(w.batchLabeler()->failures().isEmpty(), qPrintable(w.batchLabeler()->failures().join("; ")));
        const ProjectAnnotation* still = doc.annotation(manual);
        QVERIFY(still);
        QCOMPARE(still->segmentation.rle.counts, manualBefore.rle.counts);
        QCOMPARE(still->provenance.source, Provenance::Source::Manual);
        int unreviewed = 0;
        for (const auto& ann : doc.project().annotations)
            unreviewed += ann.provenance.source == Provenance::Source::Model && !ann.provenance.reviewed;
        // At least one of the two categories on each of the three images.
        QVERIFY2(unreviewed >= 3, qPrintable(QString::number(unreviewed)));
        for (const auto& img : doc.project().images) QVERIFY(img.status != ImageStatus::Unlabelled);

        // Run it again with "unannotated only": nothing left to do.
        o.unannotatedOnly = true;
        QSignalSpy failed(&w, &MainWindow::failed);
        QVERIFY(!w.startBatch(o));
        QCOMPARE(failed.count(), 1);
    }

    void cancelFromTheProgressIndicator() {
        MainWindow w;
        QVERIFY(test::openWithModel(w, model_, images_));
        QSignalSpy frames(&w, &MainWindow::framesArrived);
        QSignalSpy done(&w, &MainWindow::segmentFinished);
        QSpinBox* steps = nullptr;
        for (QSpinBox* s : w.samplerPanel()->findChildren<QSpinBox*>())
            if (s->specialValueText() == QLatin1String("model default") && s->maximum() == 1000) steps = s;
        QVERIFY(steps);
        steps->setValue(1000);
        QVERIFY(w.segment({"circle"}));
        QVERIFY(frames.wait(30000));
        w.action("cancel")->trigger();  // Esc
        QVERIFY(done.wait(10000));
        QCOMPARE(done.first().first().toBool(), false);
        QVERIFY(w.trajectory()->frameCount() < 1000);
        QVERIFY(w.proposals().empty());
    }

    // Issue 17 through the window: a DiT model (PixArt's cross-attention DiT, SD3's joint
    // MMDiT) is loaded, listed with its type, segments with a live trajectory and its
    // proposal is accepted, exactly as with the U-Net.
    void everyDenoiserLabelsThroughTheWindow_data() {
        QTest::addColumn<QString>("denoiser");
        QTest::addColumn<QString>("shown");
        QTest::newRow("U-Net") << "unet" << "U-Net";
        QTest::newRow("PixArt DiT") << "pixart" << "DiT (PixArt)";
        QTest::newRow("SD3 MMDiT") << "sd3" << "DiT (SD3 MMDiT)";
    }
    void everyDenoiserLabelsThroughTheWindow() {
        QFETCH(QString, denoiser);
        QFETCH(QString, shown);
        QTemporaryDir dir;
        const QString model = dir.filePath("model");
        test::TinyModelSpec spec;
        spec.defaults.steps = 3;
        spec.denoiser = denoiser.toStdString();
        test::writeTinyModel(model.toStdString(), spec);
        QCOMPARE(ModelRegistry::cardInfo(model).denoiser, shown);

        MainWindow w;
        QVERIFY(test::openWithModel(w, model, images_));
        QSignalSpy frames(&w, &MainWindow::framesArrived);
        QSignalSpy proposal(&w, &MainWindow::proposalReady);
        QSignalSpy problems(&w, &MainWindow::failed);
        QVERIFY(w.segment({"circle"}));
        QVERIFY2(proposal.wait(30000), problems.isEmpty() ? "no proposal" : qPrintable(problems.first().first().toString()));
        QVERIFY(frames.count() > 0);
        QCOMPARE(w.trajectory()->frameCount(), 3);
        QCOMPARE(w.proposals().size(), size_t(1));
        w.samplerPanel()->setThreshold(0.0);  // whatever the untrained model says, a mask to accept
        const int64_t image = w.currentImageId();
        const size_t before = w.document()->annotationsOf(image).size();
        QVERIFY(w.acceptProposals());
        const auto anns = w.document()->annotationsOf(image);
        QCOMPARE(anns.size(), before + 1);
        QCOMPARE(anns.back().provenance.source, Provenance::Source::Model);
    }

private:
    QTemporaryDir dir_;
    QString images_, model_;
};

QTEST_MAIN(TestSegmentWorkflow)
#include "test_segment_workflow.moc"
