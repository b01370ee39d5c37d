// Mask-PNG folders: the instance layout (written by default) and the semantic layout
// round-trip their pixels, the class-index golden file, the membranes' image/ + label/
// layout, and the PNGs that must be refused.
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/formats/format_util.h"
#include "core/formats/mask_folder.h"
#include "core/segmentation.h"

#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>

using namespace ld;
namespace fs = std::filesystem;

namespace {
const std::string kData = std::string(LABELDIFF_TEST_DATA) + "/masks";
const std::string kMembranes = std::string(LABELDIFF_SHARED_DIR) + "/data/membranes";

BinaryMask rect(int h, int w, int x0, int y0, int x1, int y1) {
    BinaryMask m(h, w);
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) m.set(y, x, true);
    return m;
}

std::string categoryName(const Dataset& d, int64_t id) {
    const Category* c = d.findCategory(id);
    return c ? c->name : "?";
}

// Two images (one in a sub-folder), overlapping instances, a category name with a slash.
Dataset syntheticDataset() {
    Dataset d;
    d.images.push_back({1, "one.jpg", 12, 8, nlohmann::json::object()});
    d.images.push_back({2, "deep/two.png", 6, 5, nlohmann::json::object()});
    d.categories.push_back({3, "tv/monitor", "", true, std::nullopt});
    d.categories.push_back({9, "cat", "", true, std::nullopt});
    auto add = [&](int64_t image, int64_t cat, const BinaryMask& m) {
        Annotation a;
        a.id = int64_t(d.annotations.size()) + 1;
        a.imageId = image;
        a.categoryId = cat;
        a.segmentation = Segmentation::fromMask(m);
        setAreaAndBbox(a, m.height(), m.width());
        d.annotations.push_back(a);
    };
    add(1, 3, subtract(rect(8, 12, 1, 1, 7, 7), rect(8, 12, 3, 3, 5, 5)));
    add(1, 9, rect(8, 12, 6, 2, 11, 6));  // overlaps the first
    add(1, 9, rect(8, 12, 0, 7, 2, 8));
    add(2, 9, rect(5, 6, 1, 1, 4, 3));
    return d;
}
}  // namespace

class TestMaskFolder : public QObject {
    Q_OBJECT

private slots:
    void registered() {
        QVERIFY(findDatasetFormat("masks") == &maskFolderFormat());
        QVERIFY(maskFolderFormat().supportsPath(kData + "/semantic"));
        QVERIFY(!maskFolderFormat().supportsPath(std::string(LABELDIFF_TEST_DATA) + "/labelme/good"));
    }

    void instanceRoundTrip() {
        QTemporaryDir tmp;
        const Dataset original = syntheticDataset();
        const std::string out = tmp.path().toStdString() + "/masks";
        maskFolderFormat().write(original, out, {});
        QVERIFY(fs::exists(out + "/one/0_tv_monitor.png"));
        QVERIFY(fs::exists(out + "/one/1_cat.png"));
        QVERIFY(fs::exists(out + "/deep/two/0_cat.png"));
        QVERIFY(maskFolderFormat().supportsPath(out));
        ReadOptions ro;
        ro.checkImagesOnDisk = false;
        const Dataset back = maskFolderFormat().read(out, ro);
        QCOMPARE(back.images.size(), original.images.size());
        QCOMPARE(back.annotations.size(), original.annotations.size());
        for (const ImageInfo& oi : original.images) {
            const std::string stem = fs::path(oi.fileName).replace_extension().generic_string();
            const ImageInfo* bi = nullptr;
            for (const auto& im : back.images)
                if (fs::path(im.fileName).replace_extension().generic_string() == stem) bi = &im;
            QVERIFY2(bi, stem.c_str());
            QCOMPARE(bi->width, oi.width);
            QCOMPARE(bi->height, oi.height);
            std::vector<const Annotation*> oa, ba;
            for (const auto& a : original.annotations)
                if (a.imageId == oi.id) oa.push_back(&a);
            for (const auto& a : back.annotations)
                if (a.imageId == bi->id) ba.push_back(&a);
            QCOMPARE(ba.size(), oa.size());
            for (size_t k = 0; k < oa.size(); ++k) {
                QCOMPARE(categoryName(back, ba[k]->categoryId), categoryName(original, oa[k]->categoryId));
                QVERIFY(toMask(ba[k]->segmentation, oi.height, oi.width) == toMask(oa[k]->segmentation, oi.height, oi.width));
            }
        }
    }

    void semanticRoundTrip() {
        QTemporaryDir tmp;
        const Dataset original = syntheticDataset();
        const std::string out = tmp.path().toStdString() + "/sem";
        Warnings w;
        WriteOptions wo;
        wo.warnings = &w;
        writeMaskFolder(original, out, wo, MaskFolderLayout::Semantic);
        QVERIFY(fs::exists(out + "/one.png"));
        QVERIFY(fs::exists(out + "/deep/two.png"));
        QCOMPARE(w.count("overlapping annotations (later ones painted over earlier ones)"), 1);
        ReadOptions ro;
        ro.checkImagesOnDisk = false;
        const Dataset back = maskFolderFormat().read(out, ro);
        // Per image and class: the union of the class's instances, later ones on top.
        const ImageInfo* one = nullptr;
        for (const auto& im : back.images)
            if (im.fileName == "one.jpg") one = &im;
        QVERIFY(one);
        BinaryMask cats = unite(rect(8, 12, 6, 2, 11, 6), rect(8, 12, 0, 7, 2, 8));
        BinaryMask tv = subtract(subtract(rect(8, 12, 1, 1, 7, 7), rect(8, 12, 3, 3, 5, 5)), cats);
        int found = 0;
        for (const auto& a : back.annotations) {
            if (a.imageId != one->id) continue;
            const std::string name = categoryName(back, a.categoryId);
            QVERIFY(toMask(a.segmentation, 8, 12) == (name == "cat" ? cats : tv));
            ++found;
        }
        QCOMPARE(found, 2);
    }

    void semanticGolden_data() {
        QTest::addColumn<QString>("category");
        QTest::addColumn<int>("area");
        QTest::newRow("road") << "road" << 9;
        QTest::newRow("car") << "car" << 5;
    }

    void semanticGolden() {
        QFETCH(QString, category);
        QFETCH(int, area);
        const Dataset d = maskFolderFormat().read(kData + "/semantic", {});
        QCOMPARE(int(d.images.size()), 1);
        QCOMPARE(d.images[0].fileName, std::string("street.jpg"));
        QCOMPARE(d.images[0].width, 6);
        QCOMPARE(d.images[0].height, 4);
        QCOMPARE(int(d.annotations.size()), 2);
        QCOMPARE(d.warnings.count("pixels of value 255 (void) ignored"), 1);
        const Category* c = d.findCategory(category.toStdString());
        QVERIFY(c);
        bool seen = false;
        for (const auto& a : d.annotations)
            if (a.categoryId == c->id) {
                QCOMPARE(int(a.area), area);
                seen = true;
            }
        QVERIFY(seen);
    }

    void badInput_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("reason");
        QTest::newRow("masks of different sizes") << "bad_size" << "1_dog.png";
        QTest::newRow("corrupt PNG") << "corrupt" << "corrupt";
        QTest::newRow("mask and image differ in size") << "image_size" << "but the image";
        QTest::newRow("missing folder") << "absent" << "not found";
    }

    void badInput() {
        QFETCH(QString, what);
        QFETCH(QString, reason);
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        std::string path = kData + "/" + what.toStdString();
        if (what == "corrupt") {
            path = dir + "/m";
            fs::create_directories(path + "/img");
            const std::string good = readFile(kData + "/semantic/street.png");
            writeFileAtomic(path + "/img/0_cat.png", good.substr(0, good.size() - 30));
        } else if (what == "image_size") {
            path = dir + "/m";
            fs::create_directories(path + "/img");
            fs::create_directories(dir + "/images");
            cv::imwrite(path + "/img/0_cat.png", cv::Mat(4, 6, CV_8UC1, cv::Scalar(255)));
            cv::imwrite(dir + "/images/img.png", cv::Mat(5, 6, CV_8UC3, cv::Scalar(1, 2, 3)));
        }
        try {
            maskFolderFormat().read(path, {});
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(reason), e.what());
        }
    }

    // The ISBI membranes: image/N.png + label/N.png (255 = membrane), named by classes.txt.
    void membranes() {
        if (!fs::exists(kMembranes)) QSKIP("../shared/data/membranes is absent");
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString() + "/membranes";
        fs::create_directories(root);
        fs::create_directory_symlink(kMembranes + "/image", root + "/image");
        fs::create_directory_symlink(kMembranes + "/label", root + "/label");
        writeFileAtomic(root + "/classes.txt", "_background_\nmembrane\n");
        QVERIFY(maskFolderFormat().supportsPath(root));
        const Dataset d = maskFolderFormat().read(root, {});
        QCOMPARE(int(d.categories.size()), 1);
        QCOMPARE(d.categories[0].name, std::string("membrane"));
        QCOMPARE(int(d.images.size()), 30);
        QVERIFY(d.warnings.empty());
        QCOMPARE(int(d.annotations.size()), 30);
        for (const auto& a : d.annotations) {
            const ImageInfo* im = d.findImage(a.imageId);
            QCOMPARE(im->width, 512);
            QVERIFY(fs::exists(fs::path(d.imagesDir) / im->fileName));
            const cv::Mat label = cv::imread((fs::path(kMembranes) / "label" / im->fileName).string(), cv::IMREAD_GRAYSCALE);
            QCOMPARE(int(a.area), cv::countNonZero(label));
        }
        // Without classes.txt the class is named after the folder.
        fs::remove(root + "/classes.txt");
        QCOMPARE(maskFolderFormat().read(root, {}).categories[0].name, std::string("membranes"));
    }
};

QTEST_GUILESS_MAIN(TestMaskFolder)
#include "test_mask_folder.moc"
