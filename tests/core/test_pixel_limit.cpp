// The shared pixel limit: sizes stated by a file (COCO images, RLE, project images,
// panoptic images) are refused or skipped before anything is allocated from them, with an
// error naming the file and the limit. Before the limit a 150-byte COCO file made the mask
// export allocate 4 GB per annotation.
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/pixel_limit.h"
#include "core/project.h"
#include "core/rle.h"

#include <QTemporaryDir>
#include <QtTest>

#include <string>

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

    void rleDecodeRefusesHugeSizes() {
        QVERIFY_THROWS_EXCEPTION(Error, decodeRle(Rle{65535, 65535, {0}}));
    }
};

QTEST_GUILESS_MAIN(TestPixelLimit)
#include "test_pixel_limit.moc"
