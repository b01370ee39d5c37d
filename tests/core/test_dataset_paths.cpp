// File names from a dataset someone else made: only relative paths that stay inside the
// images folder, as text and after resolving symbolic links, are taken on read (the others
// are skipped with a counted warning), and no export writes outside the folder it was
// given, whatever the names in memory.
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/folder_confinement.h"
#include "core/formats/format_util.h"
#include "core/formats/output_names.h"
#include "core/overlay.h"
#include "core/segmentation.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <set>

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

    // Real links, as a folder handed over (an archive, a shared drive) can hold them: the
    // name is inside as text, the file it reaches may not be.
    void symlinksLeavingTheFolderAreSkipped_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("fileName");  // as the dataset lists it
        QTest::addColumn<QString>("links");     // "link>target;..." under images/; '@' = the temp dir
        QTest::addColumn<bool>("kept");
        for (const QString format : {"coco", "panoptic"}) {
            auto row = [&](const char* name, const char* fileName, const char* links, bool kept) {
                QTest::newRow(qPrintable(format + ": " + name)) << format << QString(fileName) << QString(links) << kept;
            };
            row("plain file", "ok.png", "", true);
            row("link to a file inside", "alias.png", "alias.png>ok.png", true);
            row("folder link inside", "same/ok.png", "same>.", true);
            row("link up and back in", "up/images/ok.png", "up>..", true);
            row("dangling link inside", "gone.png", "gone.png>missing.png", true);
            row("relative link out", "a.png", "a.png>../../outside/secret.png", false);
            row("absolute link out", "a.png", "a.png>@/outside/secret.png", false);
            row("folder link out", "sub/secret.png", "sub>../../outside", false);
            row("folder link out, file absent", "sub/none.png", "sub>@/outside", false);
            row("link up, file beside the folder", "up/notes.txt", "up>..", false);
            row("chain ending outside", "a.png", "a.png>b.png;b.png>../../outside/secret.png", false);
            row("link loop", "a.png", "a.png>b.png;b.png>a.png", false);
            row("sibling folder sharing the name's prefix", "x/secret.png", "x>../images2", false);
        }
    }
    void symlinksLeavingTheFolderAreSkipped() {
        QFETCH(QString, format);
        QFETCH(QString, fileName);
        QFETCH(QString, links);
        QFETCH(bool, kept);
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const fs::path images = root / "data" / "images";
        fs::create_directories(images);
        fs::create_directories(root / "outside");
        fs::create_directories(root / "data" / "images2");
        writeFileAtomic((images / "ok.png").string(), "not decoded here");
        writeFileAtomic((root / "outside" / "secret.png").string(), "secret");
        writeFileAtomic((root / "data" / "images2" / "secret.png").string(), "secret");
        for (const QString& l : links.split(';', Qt::SkipEmptyParts)) {
            const QStringList parts = l.split('>');
            QString target = parts[1];
            target.replace('@', tmp.path());
            fs::create_symlink(target.toStdString(), images / parts[0].toStdString());
        }
        const bool coco = format == "coco";
        const std::string path = (root / "data" / (coco ? "instances.json" : "panoptic_val.json")).string();
        const std::string annotation =
            R"({"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 3, 0, 3, 3]], "iscrowd": 0})";
        writeFileAtomic(path, R"({"images": [{"id": 1, "file_name": ")" + fileName.toStdString() +
                                  R"(", "width": 4, "height": 4}], "annotations": [)" + (coco ? annotation : "") +
                                  R"(], "categories": [{"id": 1, "name": "x"}]})");
        ReadOptions ro;
        ro.checkImagesOnDisk = false;
        const Dataset d = findDatasetFormat(format.toStdString())->read(path, ro);
        QCOMPARE(fs::weakly_canonical(d.imagesDir), fs::weakly_canonical(images));
        QCOMPARE(int(d.images.size()), kept ? 1 : 0);
        int warned = 0;
        for (const auto& [what, n] : d.warnings.all())
            if (what.find("leaves the images folder") != std::string::npos) warned += n;
        QCOMPARE(warned, kept ? 0 : 1);
        if (coco) {
            QCOMPARE(int(d.annotations.size()), kept ? 1 : 0);
            QCOMPARE(d.warnings.count("annotation of an unknown image dropped"), kept ? 0 : 1);
        }
    }

    // The images folder itself may be a link (data kept on another disk): what is inside
    // the folder it points to is inside.
    void imagesFolderMayBeALink() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        fs::create_directories(root / "disk" / "photos");
        writeFileAtomic((root / "disk" / "photos" / "ok.png").string(), "x");
        fs::create_directories(root / "data");
        fs::create_directory_symlink(root / "disk" / "photos", root / "data" / "images");
        QVERIFY(resolvesInsideFolder((root / "data" / "images").string(), "ok.png"));
        QVERIFY(resolvesInsideFolder((root / "data" / "images").string() + "/", "ok.png"));
        QVERIFY(!resolvesInsideFolder((root / "data" / "images").string(), "../images-other/ok.png"));
        Dataset d;
        d.imagesDir = (root / "data" / "images").string();
        ImageInfo im;
        im.id = 1;
        im.fileName = "ok.png";
        d.images = {im, im};
        d.images[1].id = 2;
        d.images[1].fileName = "../photos/ok.png";  // lexically out, back in through the link
        QCOMPARE(dropImagesResolvingOutside(d, "out"), size_t(0));
        QCOMPARE(int(d.images.size()), 2);
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

    // Export names that would collide are made unique by one documented rule
    // (core/formats/output_names.h): "file name:id" pairs in dataset order → the stems.
    void uniqueOutputStems_data() {
        QTest::addColumn<QStringList>("images");
        QTest::addColumn<QStringList>("stems");
        QTest::newRow("no clash") << QStringList{"a.png:1", "b.jpg:2"} << QStringList{"a", "b"};
        QTest::newRow("same stem") << QStringList{"a.png:1", "a.jpg:2"} << QStringList{"a-1", "a-2"};
        QTest::newRow("ids, not positions") << QStringList{"a.png:5", "a.jpg:3", "a.bmp:9"} << QStringList{"a-5", "a-3", "a-9"};
        QTest::newRow("case only") << QStringList{"A.png:1", "a.png:2"} << QStringList{"A-1", "a-2"};
        QTest::newRow("other folders") << QStringList{"a.png:1", "x/a.png:2"} << QStringList{"a", "x/a"};
        QTest::newRow("clash in a folder") << QStringList{"x/a.png:1", "x/a.jpg:2", "a.png:3"} << QStringList{"x/a-1", "x/a-2", "a"};
        QTest::newRow("renamed name taken") << QStringList{"a.png:1", "a.jpg:2", "a-1.png:3"}
                                            << QStringList{"a-1-2", "a-2", "a-1"};
        QTest::newRow("renamed twice taken") << QStringList{"a.png:1", "a.jpg:2", "a-1.png:3", "a-1-2.png:4"}
                                             << QStringList{"a-1-3", "a-2", "a-1", "a-1-2"};
        QTest::newRow("names leaving the folder") << QStringList{"../x.png:1", "/tmp/x.png:2"} << QStringList{"x-1", "x-2"};
        QTest::newRow("no extension") << QStringList{"a:1", "a.png:2"} << QStringList{"a-1", "a-2"};
    }
    void uniqueOutputStems() {
        QFETCH(QStringList, images);
        QFETCH(QStringList, stems);
        std::vector<ImageInfo> list;
        for (const QString& s : images) {
            ImageInfo im;
            im.fileName = s.section(':', 0, 0).toStdString();
            im.id = s.section(':', 1, 1).toLongLong();
            list.push_back(im);
        }
        const OutputStems out = ld::uniqueOutputStems(list, outputStemOf);
        QStringList got;
        int renamed = 0;
        std::set<std::string> distinct;
        for (size_t i = 0; i < list.size(); ++i) {
            const fs::path& stem = out.byImage.at(list[i].id);
            got << QString::fromStdString(stem.generic_string());
            renamed += stem != outputStemOf(list[i]) ? 1 : 0;
            std::string lower = stem.generic_string();
            for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
            distinct.insert(lower);
        }
        QCOMPARE(got, stems);
        QCOMPARE(out.renamed, renamed);
        QCOMPARE(distinct.size(), list.size());
        // The same images give the same names.
        QVERIFY(ld::uniqueOutputStems(list, outputStemOf).byImage == out.byImage);
    }

    // a.png, a.jpg and A.png (each annotated) exported to every per-image format: before,
    // the second was refused ("two images would share ..."); now each has its own file,
    // the output reads back with all three, and the same dataset gives the same files.
    void collidingNamesAreExported_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("target");  // relative to the output folder
        QTest::newRow("labelme") << "labelme" << "";
        QTest::newRow("masks") << "masks" << "";
        QTest::newRow("panoptic") << "panoptic" << "panoptic.json";
        QTest::newRow("png-narrative") << "png-narrative" << "png_coco_out.json";
    }
    void collidingNamesAreExported() {
        QFETCH(QString, format);
        QFETCH(QString, target);
        QTemporaryDir dir;
        Dataset d;
        d.imagesDir = dir.filePath("images").toStdString();
        Category x;
        x.id = 1;
        x.name = "x";
        d.categories.push_back(x);
        const char* names[] = {"a.png", "a.jpg", "A.png"};
        for (int64_t id = 1; id <= 3; ++id) {
            ImageInfo im;
            im.id = id;
            im.fileName = names[id - 1];
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
        }
        auto exportTo = [&](const std::string& folder, Warnings& w) {
            const fs::path out = fs::path(dir.path().toStdString()) / folder;
            const std::string path = target.isEmpty() ? out.string() : (out / target.toStdString()).string();
            WriteOptions wo;
            wo.warnings = &w;
            findDatasetFormat(format.toStdString())->write(d, path, wo);
            std::set<std::string> files;
            for (const auto& e : fs::recursive_directory_iterator(out))
                if (e.is_regular_file()) files.insert(e.path().lexically_relative(out).generic_string());
            return std::make_pair(path, files);
        };
        Warnings w1, w2;
        const auto [path, files] = exportTo("out1", w1);
        QCOMPARE(w1.count(kRenamedOutputs), 3);
        QCOMPARE(exportTo("out2", w2).second, files);
        if (format == "png-narrative") return;  // its images are the panoptic companion's, read with it
        ReadOptions ro;
        ro.checkImagesOnDisk = false;
        const Dataset back = findDatasetFormat(format.toStdString())->read(path, ro);
        QCOMPARE(int(back.images.size()), 3);
        QCOMPARE(int(back.annotations.size()), 3);
    }
};

QTEST_GUILESS_MAIN(TestDatasetPaths)
#include "test_dataset_paths.moc"
