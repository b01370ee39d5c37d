// Round trips on real data: COCO → masks → COCO and COCO → labelme → COCO keep every
// pixel of every instance (../shared/data/coco128 and labelme-examples), and labelme's
// examples survive labelme → COCO → labelme.
#include "core/formats/dataset_format.h"
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/segmentation.h"

#include <QtTest>

#include <filesystem>
#include <map>
#include <set>

using namespace ld;
namespace fs = std::filesystem;

namespace {
const std::string kShared = std::string(LABELDIFF_SHARED_DIR) + "/data";

std::string stemOf(const std::string& fileName) { return fs::path(fileName).stem().string(); }

// Every image (matched by file stem) has the same instances in the same order: same
// category name, same crowd flag where kept, same pixels.
void compareDatasets(const Dataset& a, const Dataset& b, bool crowdKept) {
    QCOMPARE(b.images.size(), a.images.size());
    std::map<std::string, const ImageInfo*> byStem;
    for (const auto& im : b.images) byStem[stemOf(im.fileName)] = &im;
    std::map<int64_t, std::vector<const Annotation*>> annA, annB;
    for (const auto& x : a.annotations) annA[x.imageId].push_back(&x);
    for (const auto& x : b.annotations) annB[x.imageId].push_back(&x);
    size_t compared = 0;
    for (const ImageInfo& ia : a.images) {
        auto it = byStem.find(stemOf(ia.fileName));
        QVERIFY2(it != byStem.end(), ia.fileName.c_str());
        const ImageInfo& ib = *it->second;
        QCOMPARE(ib.width, ia.width);
        QCOMPARE(ib.height, ia.height);
        const auto& la = annA[ia.id];
        const auto& lb = annB[ib.id];
        QVERIFY2(la.size() == lb.size(), ia.fileName.c_str());
        for (size_t k = 0; k < la.size(); ++k) {
            QCOMPARE(b.findCategory(lb[k]->categoryId)->name, a.findCategory(la[k]->categoryId)->name);
            if (crowdKept) QCOMPARE(lb[k]->iscrowd, la[k]->iscrowd);
            const Rle ra = toRle(la[k]->segmentation, ia.height, ia.width);
            const Rle rb = toRle(lb[k]->segmentation, ib.height, ib.width);
            QVERIFY2(ra == rb, qPrintable(QString("%1: instance %2 changed").arg(ia.fileName.c_str()).arg(k)));
            ++compared;
        }
    }
    QCOMPARE(compared, a.annotations.size());
}

struct Source {
    std::string json;
    std::string images;
};
}  // namespace

class TestRoundtripE2e : public QObject {
    Q_OBJECT

private slots:
    void viaFormat_data() {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("format");
        QTest::addColumn<bool>("crowdKept");
        QTest::newRow("coco128 → masks") << "coco128" << "masks" << false;
        QTest::newRow("coco128 → labelme") << "coco128" << "labelme" << true;
        QTest::newRow("labelme2coco → masks") << "labelme-examples" << "masks" << false;
        QTest::newRow("labelme2coco → labelme") << "labelme-examples" << "labelme" << true;
    }

    void viaFormat() {
        QFETCH(QString, source);
        QFETCH(QString, format);
        QFETCH(bool, crowdKept);
        const std::map<QString, Source> sources = {
            {"coco128", {kShared + "/coco128/instances.json", kShared + "/coco128/images"}},
            {"labelme-examples", {kShared + "/labelme-examples/labelme2coco_annotations.json", ""}}};
        const Source& src = sources.at(source);
        if (!fs::exists(src.json)) QSKIP(qPrintable("../shared/data/" + source + " is absent"));
        const DatasetFormat* coco = findDatasetFormat("coco");
        const DatasetFormat* target = findDatasetFormat(format.toStdString());
        QVERIFY(coco && target);
        ReadOptions ro;
        ro.checkImagesOnDisk = false;
        ro.imagesDir = src.images;
        const Dataset original = coco->read(src.json, ro);
        QVERIFY(!original.annotations.empty());

        QTemporaryDir tmp;
        const std::string mid = tmp.path().toStdString() + "/mid";
        WriteOptions wo;
        wo.imagesDir = src.images;
        target->write(original, mid, wo);
        Dataset back = target->read(mid, ro);
        // Images without annotations have no file in an instance mask folder.
        if (format == "masks") {
            Dataset annotated = original;
            std::set<int64_t> used;
            for (const auto& a : original.annotations) used.insert(a.imageId);
            annotated.images.clear();
            for (const auto& im : original.images)
                if (used.count(im.id)) annotated.images.push_back(im);
            compareDatasets(annotated, back, crowdKept);
        } else {
            compareDatasets(original, back, crowdKept);
        }

        // ... and on to COCO again.
        const std::string again = tmp.path().toStdString() + "/again.json";
        coco->write(back, again, wo);
        const Dataset cocoAgain = coco->read(again, ro);
        compareDatasets(back, cocoAgain, crowdKept);
    }

    void labelmeToCocoToLabelme() {
        const std::string dir = kShared + "/labelme-examples/data_annotated";
        if (!fs::exists(dir)) QSKIP("../shared/data/labelme-examples is absent");
        const DatasetFormat* coco = findDatasetFormat("coco");
        QVERIFY(coco);
        const Dataset original = labelmeFormat().read(dir, {});
        QTemporaryDir tmp;
        const std::string json = tmp.path().toStdString() + "/coco.json";
        coco->write(original, json, {});
        ReadOptions ro;
        ro.imagesDir = original.imagesDir;
        const Dataset viaCoco = coco->read(json, ro);
        const std::string out = tmp.path().toStdString() + "/labelme";
        labelmeFormat().write(viaCoco, out, {});
        const Dataset back = labelmeFormat().read(out, {});
        QCOMPARE(back.warnings.count("image files missing"), 0);  // imagePath points at the originals
        compareDatasets(original, back, true);
    }
};

QTEST_GUILESS_MAIN(TestRoundtripE2e)
#include "test_roundtrip_e2e.moc"
