// Panoptic Narrative Grounding JSON: string ids as the released files write them,
// resolution of segment ids through the companion panoptic file (ids repeated across
// images included), round trips of captions, noun phrases and their pixels.
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/formats/format_util.h"
#include "core/json_read.h"
#include "core/segmentation.h"

#include <QtTest>

#include <filesystem>

using namespace ld;
namespace fs = std::filesystem;

namespace {
const std::string kNarr = std::string(LABELDIFF_TEST_DATA) + "/narrative/png_coco_tiny.json";

const Annotation* find(const Dataset& d, int64_t id) {
    for (const auto& a : d.annotations)
        if (a.id == id) return &a;
    return nullptr;
}

// The pixels a noun phrase points at (union of its segments).
BinaryMask phraseMask(const Dataset& d, const Narrative& n, const NarrativeSegment& s) {
    const ImageInfo* im = d.findImage(n.imageId);
    BinaryMask m(im->height, im->width);
    for (int64_t id : s.segmentIds) m = unite(m, toMask(find(d, id)->segmentation, im->height, im->width));
    return m;
}
}  // namespace

class TestNarrative : public QObject {
    Q_OBJECT

private slots:
    void registered() {
        QVERIFY(findDatasetFormat("png-narrative") == &narrativeFormat());
        QVERIFY(narrativeFormat().supportsPath(kNarr));
        QVERIFY(!narrativeFormat().supportsPath(std::string(LABELDIFF_TEST_DATA) + "/panoptic/tiny.json"));
    }

    void phrases_data() {
        QTest::addColumn<int>("narrative");
        QTest::addColumn<int>("segment");
        QTest::addColumn<QString>("utterance");
        QTest::addColumn<QString>("noun");
        QTest::addColumn<bool>("plural");
        QTest::addColumn<QVector<qint64>>("annotationIds");
        QTest::newRow("thing") << 0 << 0 << "a person" << "a person" << false << QVector<qint64>{1};
        QTest::newRow("not a noun") << 0 << 1 << "under" << "" << false << QVector<qint64>{};
        QTest::newRow("stuff, id 300") << 0 << 2 << "the sky" << "the sky" << false << QVector<qint64>{300};
        // Segment id 1 of image 2 is annotation 301 (image 1 has a segment 1 too).
        QTest::newRow("plural, repeated id") << 1 << 0 << "two people" << "two people" << true << QVector<qint64>{301, 9};
        QTest::newRow("unknown id dropped") << 1 << 1 << "a ghost" << "a ghost" << false << QVector<qint64>{};
    }

    void phrases() {
        QFETCH(int, narrative);
        QFETCH(int, segment);
        QFETCH(QString, utterance);
        QFETCH(QString, noun);
        QFETCH(bool, plural);
        QFETCH(QVector<qint64>, annotationIds);
        const Dataset d = narrativeFormat().read(kNarr, {});
        QCOMPARE(int(d.narratives.size()), 2);
        const NarrativeSegment& s = d.narratives[size_t(narrative)].segments[size_t(segment)];
        QCOMPARE(QString::fromStdString(s.utterance), utterance);
        QCOMPARE(QString::fromStdString(s.noun), noun);
        QCOMPARE(s.plural, plural);
        QCOMPARE(QVector<qint64>(s.segmentIds.begin(), s.segmentIds.end()), annotationIds);
        for (int64_t id : s.segmentIds) QCOMPARE(find(d, id)->imageId, d.narratives[size_t(narrative)].imageId);
    }

    void fileLevel() {
        const Dataset d = narrativeFormat().read(kNarr, {});
        QCOMPARE(d.narratives[0].imageId, int64_t(1));
        QCOMPARE(QString::fromStdString(d.narratives[1].caption), QString("two people and a ghost"));
        QCOMPARE(int(d.images.size()), 2);
        QCOMPARE(int(d.annotations.size()), 4);
        QCOMPARE(d.warnings.count("narrative segment ids not in the panoptic file dropped"), 1);
    }

    void roundTrip_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("released naming") << "png_coco_again.json";
        QTest::newRow("other naming") << "mine.json";
    }

    void roundTrip() {
        QFETCH(QString, name);
        QTemporaryDir tmp;
        const Dataset d = narrativeFormat().read(kNarr, {});
        const std::string out = tmp.path().toStdString() + "/" + name.toStdString();
        narrativeFormat().write(d, out, {});
        const std::string companion = name.startsWith("png_coco_") ? "/panoptic_again.json" : "/mine_panoptic.json";
        QVERIFY(fs::exists(tmp.path().toStdString() + companion));
        const nlohmann::json j = readJsonFile(out);
        QVERIFY(j.is_array());
        QVERIFY(j[0]["image_id"].is_string());
        QVERIFY(j[0]["segments"][0]["segment_ids"][0].is_string());
        QVERIFY(j[0]["segments"][0]["noun"].is_boolean());

        const Dataset back = narrativeFormat().read(out, {});
        QCOMPARE(back.narratives.size(), d.narratives.size());
        for (size_t i = 0; i < d.narratives.size(); ++i) {
            const Narrative& a = d.narratives[i];
            const Narrative& b = back.narratives[i];
            QCOMPARE(b.imageId, a.imageId);
            QCOMPARE(b.caption, a.caption);
            QCOMPARE(b.segments.size(), a.segments.size());
            for (size_t k = 0; k < a.segments.size(); ++k) {
                QCOMPARE(b.segments[k].utterance, a.segments[k].utterance);
                QCOMPARE(b.segments[k].noun, a.segments[k].noun);
                QCOMPARE(b.segments[k].plural, a.segments[k].plural);
                QCOMPARE(b.segments[k].segmentIds.size(), a.segments[k].segmentIds.size());
                QVERIFY(phraseMask(back, b, b.segments[k]) == phraseMask(d, a, a.segments[k]));
            }
        }
    }

    void nounStringKept() {
        Dataset d;
        Narrative n;
        n.imageId = 7;
        n.caption = "the big dog runs";
        n.segments.push_back({"the big dog", {}, "dog", false});
        d.narratives.push_back(n);
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/n.json";
        narrativeFormat().write(d, out, {});
        const Dataset back = narrativeFormat().read(out, {});
        QCOMPARE(QString::fromStdString(back.narratives[0].segments[0].noun), QString("dog"));
        QCOMPARE(back.warnings.count("no companion panoptic file (segment ids left unresolved)"), 1);
    }

    void withoutCompanion() {
        QTemporaryDir tmp;
        const std::string copy = tmp.path().toStdString() + "/png_coco_tiny.json";
        fs::copy_file(kNarr, copy);
        const Dataset d = narrativeFormat().read(copy, {});
        QCOMPARE(d.warnings.count("no companion panoptic file (segment ids left unresolved)"), 1);
        QCOMPARE(d.narratives[1].segments[0].segmentIds, (std::vector<int64_t>{1, 9}));  // as written
        QVERIFY(d.annotations.empty());
    }

    void badInput_data() {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("reason");
        QTest::newRow("truncated") << "[{\"image_id\": \"1\", " << "malformed JSON";
        QTest::newRow("not a list") << "{\"caption\": 3}" << "not a narrative grounding file";
    }

    void badInput() {
        QFETCH(QString, content);
        QFETCH(QString, reason);
        QTemporaryDir tmp;
        const std::string path = tmp.path().toStdString() + "/bad.json";
        writeFileAtomic(path, content.toStdString());
        try {
            narrativeFormat().read(path, {});
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains("bad.json"), e.what());
            QVERIFY2(QString::fromStdString(e.what()).contains(reason), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestNarrative)
#include "test_narrative.moc"
