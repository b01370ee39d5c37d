// File names from a dataset someone else made: only relative paths that stay inside the
// images folder are taken on read (the others are skipped with a counted warning), and no
// export writes outside the folder it was given, whatever the names in memory.
#include "core/atomic_file.h"
#include "core/dataset_format.h"
#include "core/format_util.h"
#include "core/segmentation.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

using namespace ld;
namespace fs = std::filesystem;

class TestDatasetPaths : public QObject {
    Q_OBJECT
private slots:
    void insideRelativePath_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("inside");  // "" = refused
        QTest::newRow("plain") << "a.png" << "a.png";
        QTest::newRow("sub folder") << "sub/a.png" << "sub/a.png";
        QTest::newRow("dot segments inside") << "sub/./x/../a.png" << "sub/a.png";
        QTest::newRow("parent") << "../a.png" << "";
        QTest::newRow("parent after a folder") << "sub/../../a.png" << "";
        QTest::newRow("absolute") << "/etc/passwd" << "";
        QTest::newRow("empty") << "" << "";
        QTest::newRow("only dots") << "." << "";
    }
    void insideRelativePath() {
        QFETCH(QString, name);
        QFETCH(QString, inside);
        const auto got = ld::insideRelativePath(name.toStdString());
        QCOMPARE(got ? QString::fromStdString(*got) : QString(), inside);
    }

    void cocoSkipsNamesLeavingTheFolder() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("instances.json").toStdString();
        writeFileAtomic(path, R"({"images": [
            {"id": 1, "file_name": "ok.png", "width": 4, "height": 4},
            {"id": 2, "file_name": "../outside.png", "width": 4, "height": 4},
            {"id": 3, "file_name": "/etc/passwd", "width": 4, "height": 4}],
          "annotations": [], "categories": [{"id": 1, "name": "x"}]})");
        ReadOptions ro;
        ro.checkImagesOnDisk = false;
        const Dataset d = findDatasetFormat("coco")->read(path, ro);
        QCOMPARE(int(d.images.size()), 1);
        QCOMPARE(d.images[0].fileName, std::string("ok.png"));
        QCOMPARE(d.warnings.count("images whose file_name leaves the images folder skipped"), 2);
    }

    // Exports that write a file per image, given names that point outside.
    void exportsStayInTheirFolder_data() {
        QTest::addColumn<QString>("format");
        QTest::newRow("labelme") << "labelme";
        QTest::newRow("masks") << "masks";
        QTest::newRow("panoptic") << "panoptic";
    }
    void exportsStayInTheirFolder() {
        QFETCH(QString, format);
        QTemporaryDir dir;
        Dataset d;
        d.imagesDir = dir.filePath("images").toStdString();
        Category x;
        x.id = 1;
        x.name = "x";
        d.categories.push_back(x);
        const char* names[] = {"../../escape1.png", "/tmp/escape2.png", "sub/../../escape3.png"};
        int64_t id = 1;
        for (const char* n : names) {
            ImageInfo im;
            im.id = id;
            im.fileName = n;
            im.width = 8;
            im.height = 8;
            d.images.push_back(im);
            Annotation a;
            a.id = id;
            a.imageId = id;
            a.categoryId = 1;
            a.segmentation = Segmentation::fromPolygons({{1, 1, 6, 1, 6, 6, 1, 6}});
            setAreaAndBbox(a, 8, 8);
            d.annotations.push_back(a);
            ++id;
        }
        const fs::path out = fs::path(dir.path().toStdString()) / "deep" / "out";
        const std::string target = format == "panoptic" ? (out / "panoptic.json").string() : out.string();
        findDatasetFormat(format.toStdString())->write(d, target, {});
        // Nothing beside "out" in its parent, nothing anywhere above it.
        for (const auto& e : fs::recursive_directory_iterator(dir.path().toStdString())) {
            const std::string p = e.path().lexically_relative(out).generic_string();
            QVERIFY2(e.path() == out || p.rfind("..", 0) != 0 || e.path() == out.parent_path(),
                     qPrintable(QString::fromStdString(e.path().string())));
        }
        QVERIFY(!fs::exists("/tmp/escape2.json") && !fs::exists("/tmp/escape2.png"));
    }
};

QTEST_GUILESS_MAIN(TestDatasetPaths)
#include "test_dataset_paths.moc"
