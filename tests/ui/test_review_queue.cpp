// Issue 18's review queue in the real window, offscreen: a folder whose COCO file holds model
// proposals with uncertainty scores (read from COCO's "extra"); the browser sorted and
// filtered most uncertain first; N and Space pressed on the window; the review records
// (accepted, edited with IoU, rejected) undone, saved, reloaded and exported.
#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/project.h"
#include "core/review_queue.h"
#include "core/rle.h"
#include "core/synthetic_scene.h"
#include "ui/annotation_editor.h"
#include "ui/image_browser.h"
#include "ui/image_canvas.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/review_controller.h"

#include <QAction>
#include <QListWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/imgproc.hpp>

namespace {

// Disputed pixels per image: image 0 was labelled by hand, 1..3 carry proposals.
const std::vector<int64_t> kDisputed = {-1, 300, 1800, 90};

ld::Dataset proposalsDataset(const std::string& dir) {
    ld::Dataset ds = ld::writeSyntheticDataset(dir, 4, 160, 120, 11);
    for (ld::Annotation& a : ds.annotations) {
        const size_t image = size_t(std::find_if(ds.images.begin(), ds.images.end(),
                                                 [&](const ld::ImageInfo& i) { return i.id == a.imageId; }) -
                                    ds.images.begin());
        ld::Provenance p;
        if (kDisputed[image] >= 0) {
            p.source = ld::Provenance::Source::Model;
            p.model = "facade-small";
            p.settings = {{"ensemble", 4}};
            // Each of the image's proposals disputes the same share; the image's pixels
            // disputed add up over its proposals.
            p.uncertainty = ld::UncertaintyScore{0.1, 0.4, kDisputed[image]};
        } else {
            p.reviewed = true;
        }
        a.provenance = p;
    }
    return ds;
}

}  // namespace

class TestReviewQueue : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        const ld::Dataset ds = proposalsDataset(dir_.path().toStdString());
        ids_.clear();
        for (const auto& im : ds.images) ids_.push_back(im.id);
        for (size_t i = 1; i < 4; ++i)
            QVERIFY2(std::any_of(ds.annotations.begin(), ds.annotations.end(), [&](const ld::Annotation& a) { return a.imageId == ids_[i]; }),
                     "every image with proposals needs one");
        ld::findDatasetFormat("coco")->write(ds, (dir_.path() + "/instances.json").toStdString(), {});
    }

    // The sort order is remembered (QSettings): leave the other tests project order.
    void cleanup() { QSettings().setValue(QStringLiteral("browser/sortByUncertainty"), false); }

    // Most uncertain first: 1800 disputed pixels, then 300, then 90; the hand-labelled image
    // is not in the queue and comes last when sorted, hidden when filtered.
    void browserSortsAndFiltersByUncertainty() {
        ld::MainWindow w;
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        const std::vector<int64_t> queue = {ids_[2], ids_[1], ids_[3]};
        QCOMPARE(ld::reviewQueue(w.document()->project()), queue);
        w.browser()->setSortByUncertainty(false);
        QCOMPARE(w.browser()->visibleOrder(), ids_);
        w.browser()->setSortByUncertainty(true);
        QCOMPARE(w.browser()->visibleOrder(), (std::vector<int64_t>{ids_[2], ids_[1], ids_[3], ids_[0]}));
        w.browser()->setReviewQueueFilter();
        QCOMPARE(w.browser()->visibleOrder(), queue);
        // The rows still open the right images.
        w.browser()->list()->setCurrentRow(0);
        QCOMPARE(w.browser()->currentIndex(), w.document()->imageIndex(ids_[2]));
        QVERIFY(shown.wait(10000));
        QCOMPARE(w.currentImageId(), ids_[2]);
        w.browser()->setSortByUncertainty(false);
        QCOMPARE(w.browser()->visibleOrder(), (std::vector<int64_t>{ids_[1], ids_[2], ids_[3]}));
        QCOMPARE(w.currentImageId(), ids_[2]);  // sorting does not change the image shown
    }

    // N opens the most uncertain image; the canvas rings its uncertain proposals (Shift+U
    // turns that off); one proposal is edited and one deleted; Space records accepted,
    // edited with IoU and rejected, marks the image reviewed and opens the next uncertain
    // one; undo takes the records back; they survive the project file and a COCO export.
    void keysReviewOneImagePerKeystroke() {
        QTemporaryDir work;
        ld::MainWindow w;
        QSignalSpy shown(&w, &ld::MainWindow::imageShown);
        w.openPath(dir_.path());
        QVERIFY(shown.wait(10000));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QCOMPARE(w.action("nextUncertain")->shortcut(), QKeySequence(Qt::Key_N));
        QCOMPARE(w.action("acceptAndNext")->shortcut(), QKeySequence(Qt::Key_Space));

        QTest::keyClick(&w, Qt::Key_N);
        QVERIFY(shown.wait(10000));
        QCOMPARE(w.currentImageId(), ids_[2]);
        std::vector<ld::ProjectAnnotation> before = w.document()->annotationsOf(ids_[2]);
        QVERIFY(before.size() >= 2);
        QCOMPARE(w.canvas()->highlightedAnnotations().size(), before.size());  // disagreement 0.4 ≥ 0.1
        QTest::keyClick(&w, Qt::Key_U, Qt::ShiftModifier);
        QVERIFY(w.canvas()->highlightedAnnotations().empty());
        QTest::keyClick(&w, Qt::Key_U, Qt::ShiftModifier);
        QCOMPARE(w.canvas()->highlightedAnnotations().size(), before.size());

        // Edit the first proposal (erase a 6 px brush stroke through it), delete the second.
        const ld::ProjectAnnotation& first = before[0];
        const ld::BinaryMask firstMask = ld::toMask(first.segmentation, 120, 160);
        cv::Rect box = cv::boundingRect(firstMask.mat());
        w.editor()->select(first.id);
        const ld::StrokePoint a{double(box.x), double(box.y + box.height / 2)};
        const ld::StrokePoint b{double(box.x + box.width), double(box.y + box.height / 2)};
        QVERIFY(w.editor()->stroke({a, b}, 3.0, true, first.categoryId));
        const ld::BinaryMask edited = ld::toMask(w.document()->annotation(first.id)->segmentation, 120, 160);
        const double expectedIou = ld::iou(firstMask, edited);
        QVERIFY(expectedIou > 0 && expectedIou < 1);
        w.editor()->select(before[1].id);
        QVERIFY(w.editor()->remove());

        QTest::keyClick(&w, Qt::Key_Space);
        QVERIFY(shown.wait(10000));
        QCOMPARE(w.currentImageId(), ids_[1]);  // the next most uncertain
        // By file name and content, not ids: a COCO export may renumber them.
        const std::string file = w.document()->image(ids_[2])->fileName;
        auto check = [&](const ld::Project& p) {
            const ld::ProjectImage* im = nullptr;
            for (const auto& i : p.images)
                if (i.fileName == file) im = &i;
            QVERIFY(im);
            QCOMPARE(im->status, ld::ImageStatus::Reviewed);
            QCOMPARE(im->rejected.size(), size_t(1));
            QCOMPARE(im->rejected[0].categoryId, before[1].categoryId);
            QVERIFY(im->rejected[0].uncertainty && im->rejected[0].uncertainty->disputed == kDisputed[2]);
            int edited = 0, accepted = 0;
            for (const auto& ann : p.annotations) {
                if (ann.imageId != im->id) continue;
                QVERIFY(ann.provenance.reviewed);
                QVERIFY(ann.provenance.review);
                if (ann.provenance.review->action == ld::ReviewAction::Edited) {
                    ++edited;
                    QVERIFY(std::abs(ann.provenance.review->iou - expectedIou) < 1e-12);
                    QCOMPARE(ann.categoryId, first.categoryId);
                } else {
                    QCOMPARE(ann.provenance.review->action, ld::ReviewAction::Accepted);
                    ++accepted;
                }
            }
            QCOMPARE(edited, 1);
            QCOMPARE(accepted, int(before.size()) - 2);
        };
        check(w.document()->project());
        if (QTest::currentTestFailed()) return;

        // Saved beside the images (a project saved elsewhere names them relative to its own
        // folder) and reloaded; exported to COCO by the window and read back.
        const QString projectPath = dir_.filePath("review.labeldiff");
        QVERIFY(w.save(projectPath));
        check(ld::loadProject(projectPath.toStdString()));
        if (QTest::currentTestFailed()) return;
        const QString coco = work.filePath("export.json");
        QSignalSpy exported(&w, &ld::MainWindow::exported);
        w.exportTo(QStringLiteral("coco"), coco);
        QVERIFY(exported.wait(10000));
        ld::ReadOptions ro;
        ro.checkImagesOnDisk = false;
        check(ld::projectFromDataset(ld::findDatasetFormat("coco")->read(coco.toStdString(), ro)));
        if (QTest::currentTestFailed()) return;

        // One undo takes the whole review back.
        w.document()->undoStack()->undo();
        const ld::ProjectImage* im = w.document()->image(ids_[2]);
        QVERIFY(im->rejected.empty());
        QVERIFY(im->status != ld::ImageStatus::Reviewed);
        for (const auto& ann : w.document()->annotationsOf(ids_[2])) QVERIFY(!ann.provenance.review);

        // Space on each remaining image empties the queue; N then says so and stays.
        w.document()->undoStack()->redo();
        QTest::keyClick(&w, Qt::Key_Space);  // image 1 -> image 3
        QVERIFY(shown.wait(10000));
        QCOMPARE(w.currentImageId(), ids_[3]);
        QTest::keyClick(&w, Qt::Key_Space);  // image 3 reviewed, the queue is empty
        QVERIFY(ld::reviewQueue(w.document()->project()).empty());
        QCOMPARE(w.currentImageId(), ids_[3]);
        for (const auto& ann : w.document()->project().annotations)
            if (ann.imageId == ids_[1] || ann.imageId == ids_[3])
                QCOMPARE(ann.provenance.review->action, ld::ReviewAction::Accepted);
    }

private:
    QTemporaryDir dir_;
    std::vector<int64_t> ids_;
};

QTEST_MAIN(TestReviewQueue)
#include "test_review_queue.moc"
