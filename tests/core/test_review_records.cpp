// Issue 18: the uncertainty of a proposal and what a person did with it survive the project
// file and a COCO export (under "extra": {"labeldiff": ...}), and bad values are errors that
// name the file and the field.
#include <QtTest>

#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/project.h"
#include "core/line_chart.h"
#include "core/provenance_json.h"
#include "core/review_queue.h"
#include "core/uncertainty_score.h"

#include <QFile>
#include <QTemporaryDir>

#include <fstream>

namespace {

ld::BinaryMask rect(int h, int w, int x0, int y0, int x1, int y1) {
    ld::BinaryMask m(h, w);
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) m.set(y, x, true);
    return m;
}

ld::SoftMask constant(int h, int w, float v) {
    ld::SoftMask m(h, w);
    m.mat().setTo(v);
    return m;
}

// A proposal with every new field, on image 1; image 1 also had a rejected proposal.
ld::Project reviewedProject() {
    ld::Project p;
    p.images = {{1, "a.png", 16, 12, ld::ImageStatus::Reviewed, {}}, {2, "b.png", 16, 12, ld::ImageStatus::Labelled, {}}};
    p.categories = {{1, "window", "", {230, 25, 75}, std::nullopt, true},
                    {2, "car", "", {60, 180, 75}, std::nullopt, true}};
    ld::RejectedProposal r;
    r.categoryId = 2;
    r.model = "facade-small";
    r.uncertainty = ld::UncertaintyScore{0.21, 0.75, 40};
    p.images[0].rejected = {r};
    ld::ProjectAnnotation edited;
    edited.id = 1;
    edited.imageId = 1;
    edited.categoryId = 1;
    edited.segmentation = ld::Segmentation::fromMask(rect(12, 16, 2, 2, 8, 8));
    edited.score = 0.625;
    edited.provenance.source = ld::Provenance::Source::Model;
    edited.provenance.model = "facade-small";
    edited.provenance.settings = {{"steps", 1}, {"ensemble", 4}};
    edited.provenance.seed = 7;
    edited.provenance.reviewed = true;
    edited.provenance.uncertainty = ld::UncertaintyScore{0.125, 0.3125, 12};
    edited.provenance.review = ld::ReviewOutcome{ld::ReviewAction::Edited, 0.8125};
    ld::ProjectAnnotation accepted = edited;
    accepted.id = 2;
    accepted.imageId = 2;
    accepted.provenance.uncertainty = ld::UncertaintyScore{0.0625, 0.0, 0};
    accepted.provenance.review = ld::ReviewOutcome{ld::ReviewAction::Accepted, 1.0};
    ld::ProjectAnnotation unreviewed = edited;
    unreviewed.id = 3;
    unreviewed.imageId = 2;
    unreviewed.categoryId = 2;
    unreviewed.provenance.reviewed = false;
    unreviewed.provenance.review.reset();
    p.annotations = {edited, accepted, unreviewed};
    return p;
}

void compareRecords(const ld::Project& back, const ld::Project& original) {
    QCOMPARE(back.annotations.size(), original.annotations.size());
    for (size_t i = 0; i < back.annotations.size(); ++i) {
        const ld::Provenance& b = back.annotations[i].provenance;
        const ld::Provenance& o = original.annotations[i].provenance;
        QCOMPARE(b.reviewed, o.reviewed);
        QCOMPARE(bool(b.uncertainty), bool(o.uncertainty));
        if (o.uncertainty) QVERIFY(*b.uncertainty == *o.uncertainty);
        QCOMPARE(bool(b.review), bool(o.review));
        if (o.review) QVERIFY(*b.review == *o.review);
    }
    QCOMPARE(back.images.size(), original.images.size());
    for (size_t i = 0; i < back.images.size(); ++i) QVERIFY(back.images[i].rejected == original.images[i].rejected);
}

void writeText(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text);
}

}  // namespace

class TestReviewRecords : public QObject {
    Q_OBJECT

private slots:
    // Members agreeing everywhere dispute nothing; one member off on a strip disputes exactly
    // that strip; the std is averaged over the mask and its band only.
    void uncertaintyScore_data() {
        QTest::addColumn<int>("offMembers");  // members (of 4) that say "no" on the strip
        QTest::addColumn<qint64>("disputed");
        QTest::newRow("all agree yes") << 0 << qint64(0);
        QTest::newRow("one of four says no") << 1 << qint64(8 * 64);
        QTest::newRow("half say no") << 2 << qint64(8 * 64);
        QTest::newRow("all say no") << 4 << qint64(0);
    }
    void uncertaintyScore() {
        QFETCH(int, offMembers);
        QFETCH(qint64, disputed);
        const int h = 64, w = 64;  // band 1 px
        const ld::BinaryMask mask = rect(h, w, 16, 16, 48, 48);
        std::vector<ld::SoftMask> members;
        for (int k = 0; k < 4; ++k) {
            ld::SoftMask m = ld::toSoft(mask);
            if (k < offMembers) m.mat()(cv::Rect(0, 0, 8, 64)).setTo(0.0f);  // a strip x < 8, away from the mask
            if (k >= offMembers) m.mat()(cv::Rect(0, 0, 8, 64)).setTo(0.9f);
            members.push_back(m);
        }
        ld::SoftMask stddev = constant(h, w, 0.0f);
        stddev.mat()(cv::Rect(16, 16, 32, 32)).setTo(0.2f);  // inside the mask
        const ld::UncertaintyScore s = ld::uncertaintyScore(mask, stddev, members, 0.5f);
        QCOMPARE(ld::uncertaintyBand(w, h), 1);
        QCOMPARE(qint64(s.disputed), disputed);
        // mask 32×32 grown by a 1 px ellipse band: 34×34 less the 4 corners.
        const double near = 34.0 * 34.0 - 4.0;
        QVERIFY(std::abs(s.meanStd - 0.2 * 1024.0 / near) < 1e-6);
        QVERIFY(std::abs(s.disagreement - double(disputed) / (near + double(disputed))) < 1e-9);
        // One member: nothing to disagree with.
        QCOMPARE(ld::uncertaintyScore(mask, stddev, {members.back()}, 0.5f).disputed, int64_t(0));
        QCOMPARE(ld::imageUncertainty({&s, &s}, w, h), 2.0 * double(disputed) / (w * h));
    }

    void uncertaintyOfOtherSizesIsAnError() {
        const ld::BinaryMask mask = rect(8, 8, 1, 1, 4, 4);
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::uncertaintyScore(mask, constant(8, 9, 0), {}, 0.5f));
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::uncertaintyScore(mask, constant(8, 8, 0), {constant(4, 4, 0)}, 0.5f));
    }

    // Pending images by disputed share of their pixels; unscored pending images after the
    // scored; reviewed proposals and hand-made annotations put no image in the queue.
    void reviewQueueOrder() {
        ld::Project p = reviewedProject();
        p.images.push_back({3, "c.png", 16, 12, ld::ImageStatus::Labelled, {}});
        p.images.push_back({4, "d.png", 16, 12, ld::ImageStatus::Labelled, {}});
        ld::ProjectAnnotation more = p.annotations[2];  // unreviewed, 12 disputed, on image 2
        more.id = 4;
        more.imageId = 3;
        more.provenance.uncertainty = ld::UncertaintyScore{0.2, 0.5, 30};
        ld::ProjectAnnotation unscored = more;
        unscored.id = 5;
        unscored.imageId = 4;
        unscored.provenance.uncertainty.reset();
        p.annotations.push_back(unscored);
        p.annotations.push_back(more);
        QCOMPARE(ld::reviewQueue(p), (std::vector<int64_t>{3, 2, 4}));
        QCOMPARE(*ld::reviewPriority(p, 3), 30.0 / (16 * 12));
        QVERIFY(!ld::reviewPriority(p, 1));  // its only proposal was reviewed
        QVERIFY(!ld::reviewPriority(p, 4));
    }

    void editEffortAndOutcome() {
        const ld::BinaryMask a = rect(12, 16, 2, 2, 8, 8), b = rect(12, 16, 4, 2, 10, 8);
        QCOMPARE(ld::editEffort(a, a), int64_t(0));
        QCOMPARE(ld::editEffort(a, b), int64_t(2 * 2 * 6));
        QCOMPARE(ld::reviewOutcome(a, a).action, ld::ReviewAction::Accepted);
        const ld::ReviewOutcome o = ld::reviewOutcome(a, b);
        QCOMPARE(o.action, ld::ReviewAction::Edited);
        QCOMPARE(o.iou, 24.0 / 48.0);
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::editEffort(a, rect(8, 8, 0, 0, 1, 1)));
    }

    // The chart draws each series in its colour inside the axes.
    void lineChartDrawsTheSeries() {
        ld::LineChart c;
        c.title = "t";
        c.series.push_back({"a", {214, 39, 40}, {{0, 0.4}, {3, 0.5}, {6, 0.55}}});
        const cv::Mat img = ld::drawLineChart(c, 320, 200);
        QCOMPARE(img.type(), CV_8UC3);
        int red = 0;
        for (int y = 0; y < img.rows; ++y)
            for (int x = 0; x < img.cols; ++x) {
                const cv::Vec3b v = img.at<cv::Vec3b>(y, x);
                red += v[2] > 180 && v[1] < 80 && v[0] < 80;
            }
        QVERIFY2(red > 50, qPrintable(QString::number(red)));
    }

    void projectRoundTrip() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.labeldiff.json").toStdString();
        const ld::Project original = reviewedProject();
        ld::saveProject(original, path);
        const ld::Project back = ld::loadProject(path);
        compareRecords(back, original);
        const std::string again = dir.filePath("again.json").toStdString();
        ld::saveProject(back, again);
        QCOMPARE(ld::projectToJson(ld::loadProject(again)), ld::projectToJson(original));
    }

    // Project -> COCO file -> project: the records go through COCO's "extra" fields.
    void cocoRoundTrip() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("instances.json").toStdString();
        const ld::Project original = reviewedProject();
        ld::cocoFormat().write(ld::projectToDataset(original, dir.path().toStdString()), path, {});
        ld::ReadOptions ro;
        ro.checkImagesOnDisk = false;
        const ld::Dataset d = ld::cocoFormat().read(path, ro);
        const nlohmann::json raw = nlohmann::json::parse(std::ifstream(path));
        QCOMPARE(raw["annotations"][0]["extra"]["labeldiff"]["provenance"]["review"]["action"].get<std::string>(),
                 std::string("edited"));
        QCOMPARE(raw["images"][0]["extra"]["labeldiff"]["rejected"][0]["category_id"].get<int>(), 2);
        compareRecords(ld::projectFromDataset(d), original);
    }

    void malformedRecordsNameTheFileAndField_data() {
        QTest::addColumn<bool>("coco");
        QTest::addColumn<QByteArray>("provenanceOrRejected");
        QTest::addColumn<QString>("reasonContains");
        const QByteArray model = R"("source": "model", )";
        QTest::newRow("project: unknown action") << false << QByteArray(model + R"("review": {"action": "liked"})")
                                                 << "provenance.review.action";
        QTest::newRow("project: rejected on a kept annotation")
            << false << QByteArray(model + R"("review": {"action": "rejected"})") << "review.action";
        QTest::newRow("project: IoU above 1") << false << QByteArray(model + R"("review": {"action": "edited", "iou": 1.5})")
                                              << "review.iou";
        QTest::newRow("project: std a string") << false << QByteArray(model + R"("uncertainty": {"mean_std": "high"})")
                                               << "uncertainty.mean_std";
        QTest::newRow("project: negative disputed")
            << false << QByteArray(model + R"("uncertainty": {"disputed_pixels": -3})") << "disputed_pixels";
        QTest::newRow("coco: unknown action") << true << QByteArray(model + R"("review": {"action": "liked"})")
                                              << "extra.labeldiff.provenance.review.action";
        QTest::newRow("coco: disagreement above 1")
            << true << QByteArray(model + R"("uncertainty": {"disagreement": 2})") << "uncertainty.disagreement";
        QTest::newRow("coco: rejected without category") << true << QByteArray("REJECTED")
                                                         << "extra.labeldiff.rejected[0].category_id";
    }
    void malformedRecordsNameTheFileAndField() {
        QFETCH(bool, coco);
        QFETCH(QByteArray, provenanceOrRejected);
        QFETCH(QString, reasonContains);
        QTemporaryDir dir;
        const QString path = dir.filePath("bad.json");
        const bool rejected = provenanceOrRejected == "REJECTED";
        const QByteArray provenance = rejected ? QByteArray(R"("source": "manual")") : provenanceOrRejected;
        if (coco) {
            const QByteArray image = rejected ? R"(, "extra": {"labeldiff": {"rejected": [{"model": "m"}]}})" : "";
            writeText(path, R"({"images": [{"id": 1, "file_name": "a.png", "width": 4, "height": 4)" + image +
                                R"(}], "categories": [{"id": 1, "name": "c"}], "annotations": [{"id": 1, "image_id": 1,
                                "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "extra": {"labeldiff": {"provenance": {)" +
                                provenance + "}}}}]}");
        } else {
            writeText(path, R"({"labeldiff_project": 1, "images": [{"id": 1, "file_name": "a.png", "width": 4, "height": 4}],
                               "categories": [{"id": 1, "name": "c"}], "annotations": [{"id": 1, "image_id": 1,
                               "category_id": 1, "segmentation": [], "provenance": {)" +
                                provenance + "}}]}");
        }
        try {
            if (coco) {
                ld::ReadOptions ro;
                ro.checkImagesOnDisk = false;
                ld::cocoFormat().read(path.toStdString(), ro);
            } else {
                ld::loadProject(path.toStdString());
            }
            QFAIL("expected ld::Error");
        } catch (const ld::Error& e) {
            QCOMPARE(QString::fromStdString(e.subject()), path);
            QVERIFY2(QString::fromStdString(e.reason()).contains(reasonContains), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestReviewRecords)
#include "test_review_records.moc"
