// The shared pixel limit: sizes stated by a file (COCO images, RLE, project images,
// panoptic images) are refused or skipped before anything is allocated from them, with an
// error naming the file and the limit. Before the limit a 150-byte COCO file made the mask
// export allocate 4 GB per annotation.
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/formats/folder_dataset.h"
#include "core/pixel_limit.h"
#include "core/project.h"
#include "core/rle.h"

#include <QTemporaryDir>
#include <QtTest>

#include <string>

namespace {

std::string be32(uint32_t v) {
    return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

uint32_t crc32(const std::string& bytes) {
    uint32_t c = 0xffffffffu;
    for (unsigned char b : bytes) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

// A PNG signature and a header stating width × height (8-bit RGB); no image data follows.
std::string pngHeader(uint32_t width, uint32_t height) {
    const std::string ihdr = "IHDR" + be32(width) + be32(height) + std::string{8, 2, 0, 0, 0};
    return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + ihdr + be32(crc32(ihdr));
}

}  // namespace

using namespace ld;

class TestPixelLimit : public QObject {
    Q_OBJECT
private slots:
    void limitItself_data() {
        QTest::addColumn<qint64>("width");
        QTest::addColumn<qint64>("height");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("16k square") << qint64(16384) << qint64(16384) << true;
        QTest::newRow("one more row") << qint64(16384) << qint64(16385) << false;
        QTest::newRow("65535 square") << qint64(65535) << qint64(65535) << false;
        QTest::newRow("thin and long") << qint64(1) << qint64(kMaxPixels) << true;
        QTest::newRow("2^40 wide") << (qint64(1) << 40) << qint64(1) << false;
    }
    void limitItself() {
        QFETCH(qint64, width);
        QFETCH(qint64, height);
        QFETCH(bool, accepted);
        try {
            checkPixelLimit(width, height, "f", "image");
            QVERIFY(accepted);
        } catch (const Error& e) {
            QVERIFY2(!accepted, e.what());
            QVERIFY2(std::string(e.what()).find("limit of 268435456") != std::string::npos, e.what());
        }
    }

    void statedSizesAreRefused_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("coco image") << "coco"
                                    << R"({"images": [{"id": 1, "file_name": "a.png", "width": 65535, "height": 65535}],
                                          "annotations": [], "categories": []})"
                                    << "limit";
        QTest::newRow("coco rle") << "coco"
                                  << R"({"images": [{"id": 1, "file_name": "a.png", "width": 0, "height": 0}],
                                        "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                                          "segmentation": {"size": [65535, 65535], "counts": [0, 4294836225]}}],
                                        "categories": [{"id": 1, "name": "x"}]})"
                                  << "limit";
        QTest::newRow("labelme image") << "labelme"
                                       << R"({"version": "5.5.0", "shapes": [], "imagePath": "a.png",
                                             "imageHeight": 1000000, "imageWidth": 1000000})"
                                       << "limit";
        QTest::newRow("project image") << ""
                                       << R"({"labeldiff_project": 1,
                                             "images": [{"id": 1, "file_name": "a.png", "width": 1073741824, "height": 2}]})"
                                       << "limit";
    }
    void statedSizesAreRefused() {
        QFETCH(QString, format);
        QFETCH(QString, text);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        const std::string path = dir.filePath("hostile.json").toStdString();
        writeFileAtomic(path, text.toStdString());
        try {
            if (format.isEmpty()) {
                loadProject(path);
            } else {
                ReadOptions ro;
                ro.checkImagesOnDisk = false;
                const Dataset d = findDatasetFormat(format.toStdString())->read(path, ro);
                // A reader that skips what it cannot hold (with a warning) must hold nothing large.
                QVERIFY(!d.warnings.empty());
                for (const auto& im : d.images) QVERIFY(int64_t(im.width) * im.height <= kMaxPixels);
                for (const auto& a : d.annotations)
                    QVERIFY(int64_t(a.segmentation.rle.width) * a.segmentation.rle.height <= kMaxPixels);
                return;
            }
            QFAIL("a file stating a size beyond the limit was read");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(mentions), e.what());
        }
    }

    // An image folder (what `label` and the GUI open) lists only images that a dataset or
    // project may state and still load again; the others are left out with a warning that
    // names them. Before, a 30000² PNG was listed and `label` wrote an instances.json that
    // no reader would load.
    void folderLeavesOutImagesPastTheLimits_data() {
        QTest::addColumn<qint64>("width");
        QTest::addColumn<qint64>("height");
        QTest::addColumn<bool>("listed");
        QTest::newRow("16384 square") << qint64(16384) << qint64(16384) << true;
        QTest::newRow("30000 square") << qint64(30000) << qint64(30000) << false;
        QTest::newRow("one more row") << qint64(16384) << qint64(16385) << false;
        QTest::newRow("a million wide") << qint64(1000000) << qint64(2) << true;
        QTest::newRow("two million wide") << qint64(2000000) << qint64(1) << false;
        QTest::newRow("2^31 - 1 tall") << qint64(1) << qint64(2147483647) << false;
    }
    void folderLeavesOutImagesPastTheLimits() {
        QFETCH(qint64, width);
        QFETCH(qint64, height);
        QFETCH(bool, listed);
        QTemporaryDir dir;
        writeFileAtomic(dir.filePath("a.png").toStdString(), pngHeader(4, 3));
        writeFileAtomic(dir.filePath("b.png").toStdString(), pngHeader(uint32_t(width), uint32_t(height)));
        const Dataset d = openDatasetOrFolder(dir.path().toStdString());
        QCOMPARE(int(d.images.size()), listed ? 2 : 1);
        QCOMPARE(d.images[0].fileName, std::string("a.png"));
        QCOMPARE(d.images[0].id, int64_t(1));
        bool named = false;
        for (const auto& [what, n] : d.warnings.all()) named = named || what.find("b.png") != std::string::npos;
        QCOMPARE(named, !listed);
        if (listed) QCOMPARE(int64_t(d.images[1].width), int64_t(width));
    }

    void rleDecodeRefusesHugeSizes() {
        QVERIFY_THROWS_EXCEPTION(Error, decodeRle(Rle{65535, 65535, {0}}));
    }
};

QTEST_GUILESS_MAIN(TestPixelLimit)
#include "test_pixel_limit.moc"
