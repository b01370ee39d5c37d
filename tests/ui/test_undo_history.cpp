// A batch result landing while a person undoes and redoes must not take their Redo away.
// Each row: the person makes a change and undoes it (so it waits on the redo side), then
// a batch result for image 2 arrives. Either it slides in beneath the redo entries, and
// then redoing everything gives exactly what making the change after the batch would have
// given, undoing everything gives the project as it started; or it conflicts with the redo
// entry and is left out, the person's redo intact. The last test drives the real window's
// "Label all images" with a tiny model while an edit waits to be redone.
// LibTorch first: its headers use the name `slots`, which Qt defines as a macro.
#include "support/tiny_model.h"

#include "open_with_model.h"

#include "core/synthetic_scene.h"
#include "ui/batch_labeler.h"
#include "ui/edit_commands.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/task_progress.h"
#include "ui/undo_history.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <functional>

using namespace ld;

namespace {

constexpr int kSide = 10;

ProjectAnnotation annotation(int64_t imageId, int64_t categoryId, int x, Provenance::Source source) {
    BinaryMask m(kSide, kSide);
    m.mat()(cv::Rect(x, 1, 3, 4)).setTo(1);
    ProjectAnnotation a;
    a.imageId = imageId;
    a.categoryId = categoryId;
    a.segmentation = Segmentation::fromMask(m);
    a.provenance.source = source;
    return a;
}

// Images 1-3, categories 1 "a" and 2 "b"; image 3 has a "b" annotation.
Project startingProject() {
    Project p;
    for (int64_t id = 1; id <= 3; ++id) {
        ProjectImage img;
        img.id = id;
        img.fileName = "img" + std::to_string(id) + ".png";
        img.width = img.height = kSide;
        p.images.push_back(img);
    }
    for (int64_t id : {1, 2}) {
        ProjectCategory c;
        c.id = id;
        c.name = id == 1 ? "a" : "b";
        p.categories.push_back(c);
    }
    ProjectAnnotation b = annotation(3, 2, 5, Provenance::Source::Manual);
    b.id = 1;
    p.annotations.push_back(b);
    p.images[2].status = ImageStatus::Labelled;
    return p;
}

// Everything but annotation ids, which depend on the order of creation.
QStringList contentOf(const Project& p) {
    QStringList out;
    for (const auto& c : p.categories) out << QString("category %1 %2").arg(c.id).arg(QString::fromStdString(c.name));
    for (const auto& i : p.images) out << QString("image %1 status %2").arg(i.id).arg(int(i.status));
    for (const auto& a : p.annotations) {
        QString counts;
        for (uint32_t n : a.segmentation.rle.counts) counts += QString::number(n) + ",";
        out << QString("annotation on %1 of %2 counts %3 source %4")
                   .arg(a.imageId)
                   .arg(a.categoryId)
                   .arg(counts)
                   .arg(int(a.provenance.source));
    }
    out.sort();
    return out;
}

// What the person does (and then undoes).
using Change = std::function<void(LabelDocument&, PromptPanel&)>;

void editImage(LabelDocument& doc, int64_t imageId) {
    auto list = doc.annotationsOf(imageId);
    ProjectAnnotation a = annotation(imageId, 1, 0, Provenance::Source::Manual);
    a.id = doc.newAnnotationId();
    list.push_back(a);
    doc.undoStack()->push(new ImageEditCommand(&doc, imageId, list, ImageStatus::Labelled, "brush"));
}

// The batch's proposal for image 2: category "a", model-made.
ImageEditCommand* batchResult(LabelDocument& doc) {
    auto list = doc.annotationsOf(2);
    ProjectAnnotation a = annotation(2, 1, 6, Provenance::Source::Model);
    a.id = doc.newAnnotationId();
    list.push_back(a);
    const ImageStatus status = ImageEditCommand::statusFor(doc.image(2)->status, list);
    return new ImageEditCommand(&doc, 2, list, status, "Label img2.png by model");
}

}  // namespace

Q_DECLARE_METATYPE(Change)
Q_DECLARE_METATYPE(HistoryPlacement)

class TestUndoHistory : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void batchResultBeneathRedo_data() {
        QTest::addColumn<Change>("change");
        QTest::addColumn<bool>("undone");
        QTest::addColumn<HistoryPlacement>("placement");
        QTest::newRow("nothing to redo") << Change([](LabelDocument& d, PromptPanel&) { editImage(d, 1); }) << false
                                         << HistoryPlacement::Pushed;
        QTest::newRow("an edit of another image") << Change([](LabelDocument& d, PromptPanel&) { editImage(d, 1); })
                                                  << true << HistoryPlacement::BeneathRedo;
        QTest::newRow("an edit of the same image") << Change([](LabelDocument& d, PromptPanel&) { editImage(d, 2); })
                                                   << true << HistoryPlacement::Refused;
        QTest::newRow("a category added") << Change([](LabelDocument&, PromptPanel& p) { p.addCategory("c"); }) << true
                                          << HistoryPlacement::BeneathRedo;
        QTest::newRow("the batch's category renamed")
            << Change([](LabelDocument&, PromptPanel& p) { p.renameCategory(1, "a2"); }) << true
            << HistoryPlacement::BeneathRedo;
        QTest::newRow("another category merged into the batch's")
            << Change([](LabelDocument&, PromptPanel& p) { p.mergeCategory(2, 1); }) << true
            << HistoryPlacement::BeneathRedo;
        QTest::newRow("the batch's category merged away")
            << Change([](LabelDocument&, PromptPanel& p) { p.mergeCategory(1, 2); }) << true
            << HistoryPlacement::Refused;
        QTest::newRow("two edits of other images")
            << Change([](LabelDocument& d, PromptPanel&) {
                   editImage(d, 1);
                   editImage(d, 3);
               })
            << true << HistoryPlacement::BeneathRedo;
    }
    void batchResultBeneathRedo() {
        QFETCH(Change, change);
        QFETCH(bool, undone);
        QFETCH(HistoryPlacement, placement);

        LabelDocument doc;
        PromptPanel panel(&doc);
        doc.reset(startingProject(), QString(), QString(), false);
        const QStringList start = contentOf(doc.project());
        change(doc, panel);
        const int made = doc.undoStack()->index();
        if (undone) doc.undoStack()->setIndex(0);
        const QStringList beforeBatch = contentOf(doc.project());

        QCOMPARE(pushKeepingRedo(doc.undoStack(), batchResult(doc)), placement);
        const bool applied = placement != HistoryPlacement::Refused;
        QCOMPARE(doc.annotationsOf(2).size(), size_t(applied ? 1 : 0));
        // The person's entries are all still there to redo.
        QCOMPARE(doc.undoStack()->count() - doc.undoStack()->index(), undone ? made : 0);
        QCOMPARE(contentOf(doc.project()) == beforeBatch, !applied);

        // Redo everything: what the change made after the batch would have given.
        doc.undoStack()->setIndex(doc.undoStack()->count());
        LabelDocument reference;
        PromptPanel referencePanel(&reference);
        reference.reset(startingProject(), QString(), QString(), false);
        if (applied) pushKeepingRedo(reference.undoStack(), batchResult(reference));
        change(reference, referencePanel);
        QCOMPARE(contentOf(doc.project()), contentOf(reference.project()));

        // Undo everything: the project as it started.
        doc.undoStack()->setIndex(0);
        QCOMPARE(contentOf(doc.project()), start);
    }

    // The saved state stays reachable when it lies beneath the batch result, and is not
    // pretended where the batch result lies beneath it.
    void savedState_data() {
        QTest::addColumn<bool>("savedBeforeUndo");
        QTest::newRow("saved after undoing") << false;
        QTest::newRow("saved before undoing") << true;
    }
    void savedState() {
        QFETCH(bool, savedBeforeUndo);
        QTemporaryDir dir;
        LabelDocument doc;
        doc.reset(startingProject(), dir.filePath("project.labeldiff"), dir.path(), false);
        editImage(doc, 1);
        if (savedBeforeUndo) doc.save();
        doc.undoStack()->undo();
        if (!savedBeforeUndo) doc.save();
        QCOMPARE(pushKeepingRedo(doc.undoStack(), batchResult(doc)), HistoryPlacement::BeneathRedo);
        QVERIFY(doc.isDirty());
        doc.undoStack()->redo();
        QVERIFY(doc.isDirty());  // the file has the edit without the batch result
        doc.undoStack()->setIndex(0);
        QCOMPARE(doc.isDirty(), savedBeforeUndo);
    }

    // The real "Label all images" with a tiny model, while an edit of the first image waits
    // to be redone: the other images are labelled, the first is left alone, the redo works.
    void batchKeepsTheRedo() {
        QTemporaryDir dir;
        const QString images = dir.filePath("images");
        QDir().mkpath(images);
        writeSyntheticDataset(images.toStdString(), 3, 80, 64, 7);
        const QString model = dir.filePath("model");
        test::TinyModelSpec spec;
        spec.defaults.steps = 2;
        test::writeTinyModel(model.toStdString(), spec);

        MainWindow w;
        QVERIFY(test::openWithModel(w, model, images));
        LabelDocument& doc = *w.document();
        w.promptPanel()->addCategory("circle");
        const int64_t first = doc.project().images.front().id;
        editImage(doc, first);
        const QStringList edited = contentOf(doc.project());
        w.action("undo")->trigger();
        QVERIFY(w.action("redo")->isEnabled());

        BatchOptions o;
        o.settings.steps = 2;
        o.settings.threshold = 0.0;  // an untrained model: masks that are not empty
        QSignalSpy finished(&w, &MainWindow::batchFinished);
        QVERIFY(w.startBatch(o));
        QVERIFY(finished.wait(60000));
        QVERIFY2(w.batchLabeler()->failures().isEmpty(), qPrintable(w.batchLabeler()->failures().join("; ")));
        QCOMPARE(w.batchLabeler()->labelled(), 2);
        QCOMPARE(w.batchLabeler()->leftAlone(), 1);
        QVERIFY2(finished.first().first().toString().contains("redone"), qPrintable(finished.first().first().toString()));
        for (const auto& img : doc.project().images)
            QCOMPARE(doc.annotationsOf(img.id).empty(), img.id == first);

        QVERIFY(w.action("redo")->isEnabled());
        w.action("redo")->trigger();
        QCOMPARE(doc.annotationsOf(first).size(), size_t(1));
        QCOMPARE(doc.annotationsOf(first).front().provenance.source, Provenance::Source::Manual);
        for (const QString& line : edited)
            if (line.startsWith("annotation on ")) QVERIFY2(contentOf(doc.project()).contains(line), qPrintable(line));
        QCOMPARE(int(doc.project().annotations.size()), 3);
    }
};

QTEST_MAIN(TestUndoHistory)
#include "test_undo_history.moc"
