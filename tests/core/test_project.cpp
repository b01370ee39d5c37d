#include <QtTest>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/formats/dataset_format.h"
#include "core/labelled_subset.h"
#include "core/opened_project.h"
#include "core/project.h"
#include "core/rle.h"
#include "core/synthetic_scene.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <csignal>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

const QString kGolden = QStringLiteral(LABELDIFF_TEST_DATA "/project/golden_project.json");

ld::BinaryMask square(int h, int w, int x0, int y0, int size) {
    ld::BinaryMask m(h, w);
    for (int y = y0; y < y0 + size; ++y)
        for (int x = x0; x < x0 + size; ++x) m.set(y, x, true);
    return m;
}

// The project the golden file holds: every kind of field, one of each.
ld::Project sampleProject() {
    ld::Project p;
    p.images = {{1, "images/cat.jpg", 8, 6, ld::ImageStatus::Reviewed, {}},
                {2, "dog.png", 5, 4, ld::ImageStatus::Labelled, {}},
                {3, "empty.png", 3, 3, ld::ImageStatus::Unlabelled, {}}};
    ld::ProjectCategory cat{1, "cat", "a tabby cat", {230, 25, 75}, 0.55f, true};
    ld::ProjectCategory sky{2, "sky", "", {60, 180, 75}, std::nullopt, false};
    p.categories = {cat, sky};
    ld::ProjectAnnotation manual;
    manual.id = 10;
    manual.imageId = 1;
    manual.categoryId = 1;
    manual.segmentation = ld::Segmentation::fromMask(square(6, 8, 2, 1, 3));
    manual.provenance.reviewed = true;
    ld::ProjectAnnotation model;
    model.id = 11;
    model.imageId = 2;
    model.categoryId = 2;
    model.segmentation = ld::Segmentation::fromPolygons({{0, 0, 5, 0, 5, 2, 0, 2}});
    model.score = 0.875;
    model.provenance.source = ld::Provenance::Source::Model;
    model.provenance.model = "models/labeldiff-tiny";
    model.provenance.settings = {{"steps", 1}, {"guidance", 1.5}, {"ensemble", 3}, {"spacing", "trailing"}};
    model.provenance.seed = 18446744073709551615ull;  // the full uint64 range survives
    p.annotations = {manual, model};
    p.phraseHistory = {"a tabby cat", "the sky above the roofs", "ünïcödé ✓"};
    p.threshold = 0.7f;  // stored tidily as 0.7
    return p;
}

void writeText(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text);
}

QByteArray readText(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

}  // namespace

class TestProject : public QObject {
    Q_OBJECT

private slots:
    void savedJsonMatchesGolden() {
        QTemporaryDir dir;
        const QString path = dir.filePath("project.labeldiff.json");
        ld::saveProject(sampleProject(), path.toStdString());
        const QByteArray saved = readText(path);
        const QByteArray golden = readText(kGolden);
        QVERIFY2(!golden.isEmpty(), qPrintable("missing golden file " + kGolden));
        if (saved != golden) qWarning().noquote() << "saved:\n" << saved;
        QCOMPARE(saved, golden);
    }

    void roundTrip() {
        const ld::Project original = sampleProject();
        const ld::Project back = ld::loadProject(kGolden.toStdString());
        QCOMPARE(back.images.size(), original.images.size());
        for (size_t i = 0; i < back.images.size(); ++i) {
            QCOMPARE(back.images[i].id, original.images[i].id);
            QCOMPARE(back.images[i].fileName, original.images[i].fileName);
            QCOMPARE(back.images[i].width, original.images[i].width);
            QCOMPARE(back.images[i].status, original.images[i].status);
        }
        QCOMPARE(back.categories.size(), size_t(2));
        QCOMPARE(back.categories[0].prompt, std::string("a tabby cat"));
        QCOMPARE(*back.categories[0].threshold, 0.55);
        QVERIFY(!back.categories[1].threshold);
        QCOMPARE(back.categories[1].isThing, false);
        QCOMPARE(back.thresholdFor(1), 0.55);
        QCOMPARE(back.thresholdFor(2), 0.7);
        QCOMPARE(back.phraseHistory, original.phraseHistory);
        QCOMPARE(back.annotations.size(), size_t(2));
        for (size_t i = 0; i < 2; ++i) {
            const auto& a = back.annotations[i];
            const auto& o = original.annotations[i];
            const ld::ProjectImage* im = back.findImage(a.imageId);
            QVERIFY(im);
            QVERIFY(ld::toMask(a.segmentation, im->height, im->width) ==
                    ld::toMask(o.segmentation, im->height, im->width));
            QCOMPARE(a.provenance.source, o.provenance.source);
            QCOMPARE(a.provenance.seed, o.provenance.seed);
            QCOMPARE(a.provenance.reviewed, o.provenance.reviewed);
            QCOMPARE(a.provenance.model, o.provenance.model);
            QVERIFY(a.provenance.settings == o.provenance.settings ||
                    (o.provenance.settings.is_null() && a.provenance.settings.is_null()));
            QCOMPARE(bool(a.score), bool(o.score));
        }
        // Saving what was loaded gives the same bytes.
        QTemporaryDir dir;
        const QString path = dir.filePath("again.json");
        ld::saveProject(back, path.toStdString());
        QCOMPARE(readText(path), readText(kGolden));
    }

    void toleratesAndKeepsUnknownFields() {
        QTemporaryDir dir;
        const QString path = dir.filePath("p.json");
        writeText(path, R"({"labeldiff_project": 1, "future_feature": {"x": [1, 2]},
            "images": [{"id": 4, "file_name": "a.png", "width": 2, "height": 2, "exposure": 3}],
            "categories": [{"id": 1, "name": "thing", "new_field": true}],
            "thresholds": {"global": 0.4, "ensemble": 0.1}})");
        const ld::Project p = ld::loadProject(path.toStdString());
        QCOMPARE(p.images.size(), size_t(1));
        QCOMPARE(p.images[0].status, ld::ImageStatus::Unlabelled);
        QCOMPARE(p.threshold, 0.4);
        QCOMPARE(p.categories[0].prompt, std::string());
        QVERIFY(p.extra.contains("future_feature"));
        ld::saveProject(p, path.toStdString());
        const ld::Project again = ld::loadProject(path.toStdString());
        QVERIFY(again.extra["future_feature"] == (nlohmann::json{{"x", {1, 2}}}));
    }

    void malformedIsAnErrorNamingTheFile_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("reasonContains");
        const QByteArray img = R"("images": [{"id": 1, "file_name": "a.png", "width": 4, "height": 4}])";
        const QByteArray cat = R"("categories": [{"id": 1, "name": "c"}])";
        auto project = [&](const QByteArray& rest) { return "{\"labeldiff_project\": 1, " + rest + "}"; };
        QTest::newRow("empty file") << QByteArray() << "JSON";
        QTest::newRow("not JSON") << QByteArray("{\"labeldiff_project\": 1,") << "JSON";
        QTest::newRow("a list") << QByteArray("[]") << "object";
        QTest::newRow("no version") << QByteArray("{\"images\": []}") << "labeldiff_project";
        QTest::newRow("newer version") << QByteArray("{\"labeldiff_project\": 99}") << "newer";
        QTest::newRow("images not a list") << project("\"images\": {}") << "images";
        QTest::newRow("width a string") << project(R"("images": [{"id": 1, "file_name": "a", "width": "4", "height": 4}])")
                                        << "images[0].width";
        QTest::newRow("missing file name") << project(R"("images": [{"id": 1, "width": 4, "height": 4}])")
                                           << "file_name";
        QTest::newRow("bad status") << project(R"("images": [{"id": 1, "file_name": "a", "width": 4, "height": 4, "status": "done"}])")
                                    << "status";
        QTest::newRow("duplicate image id") << project(R"("images": [{"id": 1, "file_name": "a", "width": 4, "height": 4},
                                                          {"id": 1, "file_name": "b", "width": 4, "height": 4}])")
                                            << "duplicate";
        QTest::newRow("colour out of range") << project(R"("categories": [{"id": 1, "name": "c", "color": [0, 300, 0]}])")
                                             << "color";
        QTest::newRow("threshold above 1") << project(R"("categories": [{"id": 1, "name": "c", "threshold": 1.5}])")
                                           << "threshold";
        QTest::newRow("annotation of unknown image")
            << project(img + "," + cat + R"(, "annotations": [{"id": 1, "image_id": 7, "category_id": 1, "segmentation": []}])")
            << "annotations[0].image_id";
        QTest::newRow("malformed RLE")
            << project(img + "," + cat +
                       R"(, "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [4, 4], "counts": "\u007f\u007f"}}])")
            << "annotations[0].segmentation";
        QTest::newRow("RLE of another size")
            << project(img + "," + cat +
                       R"(, "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [2, 2], "counts": [4]}}])")
            << "annotations[0].segmentation";
        QTest::newRow("unknown provenance")
            << project(img + "," + cat +
                       R"(, "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [], "provenance": {"source": "magic"}}])")
            << "provenance.source";
        QTest::newRow("negative seed")
            << project(img + "," + cat +
                       R"(, "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [], "provenance": {"source": "model", "seed": -1}}])")
            << "seed";
        QTest::newRow("history not strings") << project("\"phrase_history\": [1]") << "phrase_history[0]";
        QTest::newRow("global threshold") << project("\"thresholds\": {\"global\": \"high\"}") << "thresholds.global";
    }
    void malformedIsAnErrorNamingTheFile() {
        QFETCH(QByteArray, content);
        QFETCH(QString, reasonContains);
        QTemporaryDir dir;
        const QString path = dir.filePath("bad.json");
        writeText(path, content);
        try {
            ld::loadProject(path.toStdString());
            QFAIL("expected ld::Error");
        } catch (const ld::Error& e) {
            QCOMPARE(QString::fromStdString(e.subject()), path);
            QVERIFY2(QString::fromStdString(e.reason()).contains(reasonContains), e.what());
        }
    }

    // Annotations whose category is gone (a merge or an undo during a batch) load under a
    // placeholder category instead of making the project unloadable.
    void orphanedAnnotationsKeepAPlaceholderCategory() {
        const auto j = nlohmann::json::parse(R"({"labeldiff_project": 1,
            "images": [{"id": 1, "file_name": "a.png", "width": 4, "height": 4}],
            "categories": [{"id": 1, "name": "c"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 9, "segmentation": [[0, 0, 3, 0, 3, 3]]},
                            {"id": 2, "image_id": 1, "category_id": 9, "segmentation": [[0, 0, 2, 0, 2, 2]]}]})");
        ld::Warnings w;
        const ld::Project p = ld::projectFromJson(j, "p.labeldiff", w);
        QCOMPARE(p.annotations.size(), size_t(2));
        QCOMPARE(p.categories.size(), size_t(2));
        QVERIFY(p.findCategory(9));
        QCOMPARE(p.findCategory(9)->name, std::string("missing category 9"));
        QCOMPARE(w.count("annotations of a missing category kept under a placeholder category"), 1);
    }

    void missingFileIsAnError() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("none.json").toStdString();
        try {
            ld::loadProject(path);
            QFAIL("expected ld::Error");
        } catch (const ld::Error& e) {
            QCOMPARE(e.subject(), path);
        }
    }

    void failedSaveLeavesPreviousFile_data() {
        QTest::addColumn<QString>("how");
        QTest::newRow("missing directory") << "missing";
        QTest::newRow("write fails half-way") << "fsize";
        QTest::newRow("read-only directory") << "readonly";
    }
    void failedSaveLeavesPreviousFile() {
        QFETCH(QString, how);
        QTemporaryDir dir;
        QString path = dir.filePath("project.json");
        ld::Project previous;
        previous.phraseHistory = {"previous"};
        ld::saveProject(previous, path.toStdString());
        const QByteArray before = readText(path);

        ld::Project big = sampleProject();
        big.phraseHistory.assign(2000, std::string(50, 'x'));  // > 100 kB
        rlimit old {};
        auto oldHandler = SIG_DFL;
        if (how == "missing") {
            path = dir.filePath("gone/project.json");
        } else if (how == "fsize") {
            oldHandler = std::signal(SIGXFSZ, SIG_IGN);
            QCOMPARE(::getrlimit(RLIMIT_FSIZE, &old), 0);
            rlimit small = old;
            small.rlim_cur = 4096;
            QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
        } else {
            if (::geteuid() == 0) QSKIP("running as root: directory permissions are not enforced");
            QCOMPARE(::chmod(dir.path().toLocal8Bit().constData(), 0500), 0);
        }
        bool threw = false;
        try {
            ld::saveProject(big, path.toStdString());
        } catch (const ld::Error& e) {
            threw = true;
            QCOMPARE(QString::fromStdString(e.subject()), path);
        }
        if (how == "fsize") {
            ::setrlimit(RLIMIT_FSIZE, &old);
            std::signal(SIGXFSZ, oldHandler);
        } else if (how == "readonly") {
            ::chmod(dir.path().toLocal8Bit().constData(), 0700);
        }
        QVERIFY(threw);
        QCOMPARE(readText(dir.filePath("project.json")), before);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"project.json"});
        QCOMPARE(ld::loadProject(dir.filePath("project.json").toStdString()).phraseHistory,
                 std::vector<std::string>{"previous"});
    }

    void toDatasetAndBack() {
        const ld::Project p = sampleProject();
        const ld::Dataset d = ld::projectToDataset(p, "/data/pets");
        QCOMPARE(d.imagesDir, std::string("/data/pets"));
        QCOMPARE(d.images.size(), size_t(3));
        QCOMPARE(d.images[0].fileName, std::string("images/cat.jpg"));
        QCOMPARE(d.categories.size(), size_t(2));
        QCOMPARE(d.categories[1].isThing, false);
        QVERIFY(d.categories[0].color && (*d.categories[0].color)[0] == 230);
        QCOMPARE(d.annotations.size(), size_t(2));
        QCOMPARE(d.annotations[0].area, 9.0);  // the 3x3 square at (2, 1)
        QVERIFY(d.annotations[0].bbox == (ld::BBox{2, 1, 3, 3}));
        QCOMPARE(d.annotations[1].area, 10.0);  // polygon 0..5 × 0..2 on a 5x4 image
        QVERIFY(d.annotations[1].provenance);
        QCOMPARE(d.annotations[1].provenance->seed, p.annotations[1].provenance.seed);
        QCOMPARE(*d.annotations[1].score, 0.875);

        const ld::Project back = ld::projectFromDataset(d);
        QCOMPARE(back.images[0].status, ld::ImageStatus::Reviewed);   // its only annotation is reviewed
        QCOMPARE(back.images[1].status, ld::ImageStatus::Labelled);
        QCOMPARE(back.images[2].status, ld::ImageStatus::Unlabelled);
        QCOMPARE(back.categories[0].prompt, std::string("cat"));
        QCOMPARE(back.annotations[1].provenance.model, std::string("models/labeldiff-tiny"));
        QVERIFY(ld::toMask(back.annotations[0].segmentation, 6, 8) == square(6, 8, 2, 1, 3));

        ld::Dataset plain = d;
        plain.annotations[0].provenance.reset();
        plain.categories[1].color.reset();
        const ld::Project fromPlain = ld::projectFromDataset(plain);
        QCOMPARE(fromPlain.annotations[0].provenance.source, ld::Provenance::Source::Manual);
        QCOMPARE(fromPlain.images[0].status, ld::ImageStatus::Labelled);
        QVERIFY(fromPlain.categories[1].color != (std::array<uint8_t, 3>{0, 0, 0}));
    }

    void labelledSubsetKeepsWhatAPersonLabelled() {
        const ld::Project p = sampleProject();
        const ld::Project s = ld::labelledSubset(p);
        QCOMPARE(s.images.size(), size_t(2));  // "empty.png" is unlabelled
        QCOMPARE(s.images[0].fileName, std::string("images/cat.jpg"));
        QCOMPARE(s.images[1].fileName, std::string("dog.png"));
        QCOMPARE(s.annotations.size(), p.annotations.size());
        QCOMPARE(s.categories.size(), p.categories.size());
        ld::Project none = p;
        for (auto& im : none.images) im.status = ld::ImageStatus::Unlabelled;
        QVERIFY(ld::labelledSubset(none).images.empty());
        QVERIFY(ld::labelledSubset(none).annotations.empty());
    }

    // What "Open" makes of a path: the project file beside the images when there is one,
    // else the dataset (or bare image folder) as a new project saved beside its images.
    void openProjectOrDataset_data() {
        QTest::addColumn<QString>("open");           // relative to the temporary folder
        QTest::addColumn<bool>("withProjectFile");
        QTest::addColumn<bool>("unsaved");
        QTest::newRow("project file") << "project.labeldiff" << true << false;
        QTest::newRow("folder with a project") << "" << true << false;
        QTest::newRow("COCO file") << "instances.json" << false << true;
        QTest::newRow("folder with a dataset") << "" << false << true;
    }
    void openProjectOrDataset() {
        QFETCH(QString, open);
        QFETCH(bool, withProjectFile);
        QFETCH(bool, unsaved);
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        const ld::Dataset ds = ld::writeSyntheticDataset(root, 2, 64, 64, 5);
        QVERIFY(ds.annotations.size() > 1);
        ld::findDatasetFormat("coco")->write(ds, root + "/instances.json", {});
        // The project holds one annotation, the dataset more: which one was opened shows.
        size_t annotations = ds.annotations.size();
        if (withProjectFile) {
            ld::Project p = ld::projectFromDataset(ds);
            p.annotations.resize(1);
            annotations = 1;
            ld::saveProject(p, root + "/" + ld::kProjectFileName);
        }
        const ld::OpenedProject r = ld::openProjectOrDataset(open.isEmpty() ? root : root + "/" + open.toStdString());
        QCOMPARE(r.project.annotations.size(), annotations);
        QCOMPARE(r.project.images.size(), size_t(2));
        QCOMPARE(r.unsaved, unsaved);
        QCOMPARE(QString::fromStdString(r.imagesDir), QDir(dir.path()).absolutePath());
        QCOMPARE(QString::fromStdString(r.projectPath), QDir(dir.path()).absoluteFilePath("project.labeldiff"));
    }

    void importedDatasetIsUnsaved() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        const ld::Dataset ds = ld::writeSyntheticDataset(root, 1, 64, 64, 2);
        ld::findDatasetFormat("coco")->write(ds, root + "/instances.json", {});
        const ld::OpenedProject r = ld::importDataset(*ld::findDatasetFormat("coco"), root + "/instances.json", "");
        QVERIFY(r.unsaved);
        QCOMPARE(r.project.annotations.size(), ds.annotations.size());
        QCOMPARE(QString::fromStdString(r.projectPath), QDir(dir.path()).absoluteFilePath("project.labeldiff"));
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::openProjectOrDataset(root + "/no such thing"));
    }
};

QTEST_GUILESS_MAIN(TestProject)
#include "test_project.moc"
