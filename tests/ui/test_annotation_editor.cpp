// Every edit is one undoable command that restores exactly what was there: brush,
// eraser, polygon, fill holes, remove specks, add/subtract masks, change category,
// delete, mark reviewed, and category add/rename/merge; model proposals become reviewed
// annotations with their provenance.
#include "core/rle.h"
#include "ui/annotation_editor.h"
#include "ui/edit_commands.h"
#include "ui/label_document.h"
#include "ui/prompt_panel.h"
#include "ui/proposal.h"

#include <QListWidget>
#include <QtTest>

#include <opencv2/imgproc.hpp>

using namespace ld;

namespace {

Project smallProject() {
    Project p;
    p.images.push_back({1, "a.png", 40, 30, ImageStatus::Unlabelled});
    p.categories.push_back({1, "cat", "", {255, 0, 0}, std::nullopt, true});
    p.categories.push_back({2, "dog", "", {0, 255, 0}, std::nullopt, true});
    return p;
}

BinaryMask ring() {
    BinaryMask m(30, 40);
    cv::rectangle(m.mat(), cv::Rect(5, 5, 20, 20), 1, cv::FILLED);
    cv::rectangle(m.mat(), cv::Rect(10, 10, 6, 6), 0, cv::FILLED);
    m.mat().at<uint8_t>(28, 38) = 1;  // a speck
    return m;
}

}  // namespace

class TestAnnotationEditor : public QObject {
    Q_OBJECT
private slots:
    void init() {
        doc_ = std::make_unique<LabelDocument>();
        doc_->reset(smallProject(), "/nonexistent/project.labeldiff", "/nonexistent", false);
        editor_ = std::make_unique<AnnotationEditor>(doc_.get());
        editor_->setImage(1);
    }

    void brushCreatesThenGrows() {
        QVERIFY(editor_->stroke({{10, 10}}, 3, false, 1));
        QCOMPARE(doc_->annotationsOf(1).size(), size_t(1));
        QCOMPARE(doc_->image(1)->status, ImageStatus::Labelled);
        const int64_t id = editor_->selected();
        QVERIFY(id > 0);
        const int64_t small = area(toMask(doc_->annotation(id)->segmentation, 30, 40));
        QVERIFY(editor_->stroke({{10, 10}, {30, 10}}, 3, false, 1));
        const int64_t big = area(toMask(doc_->annotation(id)->segmentation, 30, 40));
        QVERIFY(big > small);
        QVERIFY(editor_->stroke({{10, 10}}, 2, true, 1));
        QVERIFY(area(toMask(doc_->annotation(id)->segmentation, 30, 40)) < big);

        doc_->undoStack()->undo();
        QCOMPARE(area(toMask(doc_->annotation(id)->segmentation, 30, 40)), big);
        doc_->undoStack()->undo();
        QCOMPARE(area(toMask(doc_->annotation(id)->segmentation, 30, 40)), small);
        doc_->undoStack()->undo();
        QVERIFY(doc_->annotationsOf(1).empty());
        QCOMPARE(doc_->image(1)->status, ImageStatus::Unlabelled);
        QVERIFY(!doc_->isDirty());
        doc_->undoStack()->redo();
        doc_->undoStack()->redo();
        QCOMPARE(area(toMask(doc_->annotation(id)->segmentation, 30, 40)), big);
        QVERIFY(doc_->isDirty());
    }

    void maskOperations_data() {
        QTest::addColumn<QString>("op");
        QTest::addColumn<int>("expectedArea");
        // ring: 20×20 = 400 minus the 6×6 hole = 364, plus the speck.
        QTest::newRow("fill holes") << "fill" << 401;
        QTest::newRow("remove specks") << "specks" << 364;
        QTest::newRow("delete") << "delete" << 0;
        QTest::newRow("polygon") << "polygon" << 365 + 36;  // the polygon covers the hole
    }
    void maskOperations() {
        QFETCH(QString, op);
        QFETCH(int, expectedArea);
        Proposal p;
        p.imageId = 1;
        p.soft = toSoft(ring());
        p.setThreshold(0.5f);
        QVERIFY(editor_->accept(p, 1));
        const int64_t id = editor_->selected();
        QCOMPARE(area(toMask(doc_->annotation(id)->segmentation, 30, 40)), int64_t(365));
        bool changed = false;
        if (op == "fill") changed = editor_->fillHoles();
        if (op == "specks") changed = editor_->removeSpecks(4);
        if (op == "delete") changed = editor_->remove();
        if (op == "polygon") changed = editor_->polygon({{10, 10}, {16, 10}, {16, 16}, {10, 16}}, 1);
        QVERIFY(changed);
        const ProjectAnnotation* a = doc_->annotation(id);
        QCOMPARE(a ? area(toMask(a->segmentation, 30, 40)) : int64_t(0), int64_t(expectedArea));
        doc_->undoStack()->undo();
        QCOMPARE(area(toMask(doc_->annotation(id)->segmentation, 30, 40)), int64_t(365));
    }

    void acceptedProposalKeepsProvenance() {
        Proposal p;
        p.imageId = 1;
        p.soft = toSoft(ring());
        p.provenance.model = "tiny";
        p.provenance.seed = 42;
        p.setThreshold(0.5f);
        QVERIFY(editor_->accept(p, 2));
        const ProjectAnnotation* a = doc_->annotation(editor_->selected());
        QCOMPARE(a->provenance.source, Provenance::Source::Model);
        QVERIFY(a->provenance.reviewed);
        QCOMPARE(a->provenance.seed, uint64_t(42));
        QCOMPARE(a->categoryId, int64_t(2));
        QVERIFY(editor_->changeCategory(1));
        QCOMPARE(doc_->annotation(a->id)->categoryId, int64_t(1));
        doc_->undoStack()->undo();
        QCOMPARE(doc_->annotation(a->id)->categoryId, int64_t(2));
    }

    // A batch's proposal whose category a person corrected is reviewed work: a later batch
    // with keep-existing off replaces only unreviewed model annotations.
    void changingTheCategoryOfAProposalReviewsIt() {
        ProjectAnnotation a;
        a.id = doc_->newAnnotationId();
        a.imageId = 1;
        a.categoryId = 2;
        a.segmentation = Segmentation::fromMask(ring());
        a.provenance.source = Provenance::Source::Model;
        a.provenance.reviewed = false;
        doc_->setImageAnnotations(1, {a}, ImageStatus::Labelled);
        editor_->select(a.id);
        QVERIFY(editor_->changeCategory(1));
        QVERIFY(doc_->annotation(a.id)->provenance.reviewed);
        doc_->undoStack()->undo();
        QVERIFY(!doc_->annotation(a.id)->provenance.reviewed);
    }

    void combineMasks() {
        QVERIFY(editor_->stroke({{10, 10}}, 4, false, 1));
        const int64_t first = editor_->selected();
        editor_->select(0);
        QVERIFY(editor_->stroke({{14, 10}}, 4, false, 2));
        const int64_t second = editor_->selected();
        const auto areaOf = [&](int64_t id) { return area(toMask(doc_->annotation(id)->segmentation, 30, 40)); };
        const int64_t a = areaOf(first), b = areaOf(second);
        editor_->select(first);
        QVERIFY(editor_->combineWith(second, true));
        QVERIFY(areaOf(first) < a);
        doc_->undoStack()->undo();
        QVERIFY(editor_->combineWith(second, false));
        QVERIFY(areaOf(first) > a && areaOf(first) < a + b);
    }

    void markReviewed() {
        QVERIFY(editor_->stroke({{10, 10}}, 3, false, 1));
        QVERIFY(editor_->markReviewed());
        QCOMPARE(doc_->image(1)->status, ImageStatus::Reviewed);
        doc_->undoStack()->undo();
        QCOMPARE(doc_->image(1)->status, ImageStatus::Labelled);
    }

    void categories() {
        PromptPanel panel(doc_.get());
        const int64_t bird = panel.addCategory("bird");
        QCOMPARE(doc_->project().categories.size(), size_t(3));
        QCOMPARE(panel.addCategory("Bird"), bird);  // no duplicates by case
        QVERIFY(panel.renameCategory(bird, "sparrow"));
        QCOMPARE(doc_->category(bird)->name, std::string("sparrow"));
        QVERIFY(panel.setCategoryColor(bird, QColor(1, 2, 3)));
        QVERIFY(editor_->stroke({{10, 10}}, 3, false, bird));
        const int64_t ann = editor_->selected();
        QVERIFY(panel.mergeCategory(bird, 1));
        QVERIFY(!doc_->category(bird));
        QCOMPARE(doc_->annotation(ann)->categoryId, int64_t(1));
        doc_->undoStack()->undo();  // the whole merge is one step
        QVERIFY(doc_->category(bird));
        QCOMPARE(doc_->annotation(ann)->categoryId, bird);
        QCOMPARE(panel.categoryList()->count(), 3);
    }

private:
    std::unique_ptr<LabelDocument> doc_;
    std::unique_ptr<AnnotationEditor> editor_;
};

QTEST_MAIN(TestAnnotationEditor)
#include "test_annotation_editor.moc"
