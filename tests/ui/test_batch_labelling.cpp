// One batch-labelling policy, seen from both sides: `labeldiff-cli label` (the real
// binary) and the GUI's "Label all images" (the real window) label the same dataset (same
// images, phrases, seed and settings, with a person's annotation to keep) and end with
// identical annotations: ids, images, categories, masks and scores. With several phrases
// the model's masks of an image do not overlap (DiGSeg's per-pixel argmax, in both). Each
// proposal's uncertainty (issue 18) is the same on both sides too (the CLI's through COCO's
// "extra"), from an ensemble of 3.
// LibTorch first: its headers use the name `slots`, which Qt defines as a macro.
#include "support/tiny_model.h"

#include "core/formats/dataset_format.h"
#include "core/segmentation.h"
#include "core/synthetic_scene.h"
#include "ui/batch_labeler.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/task_progress.h"

#include "open_with_model.h"
#include "support/cli_process.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <map>

using namespace ld;

namespace {

// Every field the COCO file keeps, from either side, ordered by id.
struct Labelled {
    int64_t id, imageId, categoryId;
    BinaryMask mask;
    std::optional<double> score;
    std::optional<UncertaintyScore> uncertainty;
};

std::optional<UncertaintyScore> uncertaintyOf(const Annotation& a) {
    return a.provenance ? a.provenance->uncertainty : std::nullopt;
}
std::optional<UncertaintyScore> uncertaintyOf(const ProjectAnnotation& a) { return a.provenance.uncertainty; }

}  // namespace

class TestBatchLabelling : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString model_;

    // <row>/images/scene_*.png and <row>/instances.json: the phrases as categories, and a
    // person's annotation of the first phrase on the first image, which both must keep.
    QString writeInput(const QString& row, const QStringList& phrases) const {
        const std::string images = (dir_.filePath(row) + "/images").toStdString();
        Dataset scenes = writeSyntheticDataset(images, 3, 80, 64, 5);
        Dataset d;
        d.imagesDir = images;
        d.images = scenes.images;
        for (int i = 0; i < phrases.size(); ++i) {
            Category c;
            c.id = i + 1;
            c.name = phrases[i].toStdString();
            d.categories.push_back(c);
        }
        BinaryMask manual(d.images[0].height, d.images[0].width);
        manual.mat()(cv::Rect(4, 6, 20, 14)).setTo(1);
        Annotation a;
        a.id = 1;
        a.imageId = d.images[0].id;
        a.categoryId = 1;
        a.segmentation = Segmentation::fromMask(manual);
        d.annotations.push_back(a);
        const QString coco = dir_.filePath(row) + "/instances.json";
        WriteOptions w;
        w.imagesDir = images;
        findDatasetFormat("coco")->write(d, coco.toStdString(), w);
        return coco;
    }

    // A Dataset (the CLI's COCO) or a Project (the GUI's document).
    template <class Labels>
    static std::vector<Labelled> labelledOf(const Labels& d) {
        std::vector<Labelled> out;
        for (const auto& a : d.annotations) {
            const auto* img = d.findImage(a.imageId);
            out.push_back({a.id, a.imageId, a.categoryId, toMask(a.segmentation, img->height, img->width), a.score,
                           uncertaintyOf(a)});
        }
        std::sort(out.begin(), out.end(), [](const Labelled& x, const Labelled& y) { return x.id < y.id; });
        return out;
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        model_ = dir_.filePath("model");
        test::writeTinyModel(model_.toStdString());
    }

    void sameAnnotationsFromCliAndGui_data() {
        QTest::addColumn<QStringList>("phrases");
        QTest::addColumn<int>("seed");
        QTest::addColumn<double>("threshold");  // < 0: the card's
        // τ 0: an untrained model's masks are not empty, and the argmax decides every pixel.
        QTest::newRow("one phrase") << QStringList{"circle"} << 0 << 0.0;
        QTest::newRow("two phrases share the pixels") << QStringList{"circle", "square"} << 3 << 0.0;
        QTest::newRow("two phrases, tau 0.5") << QStringList{"square", "circle"} << 7 << 0.5;
        QTest::newRow("two phrases, the card's tau") << QStringList{"circle", "square"} << 11 << -1.0;
    }

    void sameAnnotationsFromCliAndGui() {
        QFETCH(QStringList, phrases);
        QFETCH(int, seed);
        QFETCH(double, threshold);
        const QString row = QString::fromLatin1(QTest::currentDataTag()).replace(' ', '-');
        const QString input = writeInput(row, phrases);
        const std::string images = (dir_.filePath(row) + "/images").toStdString();

        // The CLI.
        const QString out = dir_.filePath(row) + "/cli";
        QStringList args{"label", "--model", model_, "--images", input, "--out", out, "--seed", QString::number(seed),
                         "--steps", "2", "--ensemble", "3", "--threads", "1"};
        for (const auto& p : phrases) args << "--prompt" << p;
        if (threshold >= 0) args << "--threshold" << QString::number(threshold);
        const auto r = test::runCli(args);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        ReadOptions ro;
        ro.imagesDir = images;
        const Dataset cli = findDatasetFormat("coco")->read((out + "/instances.json").toStdString(), ro);

        // The GUI.
        MainWindow w;
        QVERIFY(test::openWithModel(w, model_, input));
        BatchOptions o;
        o.unannotatedOnly = false;  // the CLI labels every image
        o.keepExisting = true;
        o.settings.seed = uint64_t(seed);
        o.settings.steps = 2;
        o.settings.ensemble = 3;
        o.settings.threshold = threshold;
        QSignalSpy finished(&w, &MainWindow::batchFinished);
        QVERIFY(w.startBatch(o));
        QVERIFY(finished.wait(60000));
        QVERIFY2(w.batchLabeler()->failures().isEmpty(), qPrintable(w.batchLabeler()->failures().join("; ")));
        const Project& gui = w.document()->project();

        const auto a = labelledOf(cli), b = labelledOf(gui);
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].id, b[i].id);
            QCOMPARE(a[i].imageId, b[i].imageId);
            QCOMPARE(a[i].categoryId, b[i].categoryId);
            QVERIFY2(a[i].mask == b[i].mask, qPrintable(QString("annotation %1").arg(a[i].id)));
            QCOMPARE(a[i].score.has_value(), b[i].score.has_value());
            if (a[i].score) QCOMPARE(*a[i].score, *b[i].score);
            QCOMPARE(a[i].uncertainty.has_value(), b[i].uncertainty.has_value());
            if (a[i].uncertainty) QVERIFY(*a[i].uncertainty == *b[i].uncertainty);
        }

        // The person's annotation is kept as it was, and its category gets no model mask on
        // that image.
        const ProjectAnnotation& manual = gui.annotations.front();
        QCOMPARE(manual.provenance.source, Provenance::Source::Manual);
        std::map<int64_t, BinaryMask> claimed;  // image -> pixels of the model's masks
        int made = 0;
        for (const auto& ann : gui.annotations) {
            if (ann.provenance.source != Provenance::Source::Model) continue;
            ++made;
            QVERIFY(!ann.provenance.reviewed);
            QCOMPARE(ann.provenance.seed, uint64_t(seed));
            QVERIFY(ann.provenance.uncertainty);
            QVERIFY(ann.provenance.uncertainty->meanStd >= 0 && ann.provenance.uncertainty->meanStd <= 0.5);
            QVERIFY(!(ann.imageId == manual.imageId && ann.categoryId == manual.categoryId));
            const ProjectImage* img = gui.findImage(ann.imageId);
            const BinaryMask m = toMask(ann.segmentation, img->height, img->width);
            auto [it, first] = claimed.try_emplace(ann.imageId, m);
            if (!first) {
                QCOMPARE(cv::countNonZero(cv::Mat(it->second.mat() & m.mat())), 0);
                it->second.mat() |= m.mat();
            }
        }
        if (threshold == 0.0) QVERIFY2(made >= 2, qPrintable(QString::number(made)));
    }
};

QTEST_MAIN(TestBatchLabelling)
#include "test_batch_labelling.moc"
