// Issue 18's learning from reviews, the core side: the project's model history round-trips
// through the project file and a bad value is an ld::Error naming the file and the field;
// what a fine-tune from reviews trains on (the reviewed images only, categories named by
// their prompts) and its config (the base model's own objective and phrase sampling, a
// held-out share of the reviewed images).
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "core/model_history.h"
#include "core/project.h"
#include "core/review_finetune.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

using json = nlohmann::json;

namespace {

ld::ModelHistory twoModels() {
    ld::ModelHistory h;
    ld::ModelHistoryEntry start;
    start.model = "/models/facade-small";
    start.name = "LabelDiff facade-small";
    start.added = "2026-12-08T01:00:00Z";
    start.heldOutMiou = 0.4375;
    start.reviewedImages = 8;
    start.heldOutImages = 2;
    ld::ModelHistoryEntry improved;
    improved.model = "/data/project/labeldiff-models/improved-20261208-011000";
    improved.name = "improved-20261208-011000";
    improved.added = "2026-12-08T01:10:00Z";
    improved.base = start.model;
    improved.heldOutMiou = 0.5;
    improved.reviewedImages = 8;
    improved.heldOutImages = 2;
    improved.steps = 100;
    h.entries = {start, improved};
    h.active = 1;
    return h;
}

ld::Project smallProject() {
    ld::Project p;
    p.images = {{1, "a.png", 8, 6, ld::ImageStatus::Reviewed, {}},
                {2, "b.png", 8, 6, ld::ImageStatus::Labelled, {}},
                {3, "c.png", 8, 6, ld::ImageStatus::Reviewed, {}}};
    p.categories = {{1, "window", "a window", {230, 25, 75}, std::nullopt, true},
                    {2, "car", "", {60, 180, 75}, std::nullopt, true}};
    ld::BinaryMask m(6, 8);
    m.set(2, 3, true);
    for (int64_t id = 1; id <= 3; ++id) {
        ld::ProjectAnnotation a;
        a.id = 10 + id;
        a.imageId = id;
        a.categoryId = 1;
        a.segmentation = ld::Segmentation::fromMask(m);
        p.annotations.push_back(a);
    }
    return p;
}

}  // namespace

class TestModelHistory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripsThroughTheProjectFile() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.labeldiff").toStdString();
        ld::Project p = smallProject();
        ld::saveProject(p, path);
        // A project that never improved its model writes nothing new.
        QVERIFY(!ld::readJsonFile(path).contains("model_history"));
        p.modelHistory = twoModels();
        ld::saveProject(p, path);
        const ld::Project back = ld::loadProject(path);
        QVERIFY(back.modelHistory == p.modelHistory);
        QCOMPARE(back.modelHistory.activeEntry()->name, std::string("improved-20261208-011000"));
        QVERIFY(back.extra.find("model_history") == back.extra.end());
    }

    void historyRecordsAndFinds() {
        ld::ModelHistory h = twoModels();
        QCOMPARE(h.find("/models/facade-small"), 0);
        QCOMPARE(h.find("/elsewhere"), -1);
        ld::ModelHistoryEntry again = h.entries[0];
        again.heldOutMiou = 0.25;
        QCOMPARE(h.record(again), 0);  // the same directory: updated, not added
        QCOMPARE(h.entries.size(), size_t(2));
        QCOMPARE(*h.entries[0].heldOutMiou, 0.25);
        ld::ModelHistoryEntry third;
        third.model = "/models/other";
        QCOMPARE(h.record(third), 2);
        QVERIFY(ld::beats(0.51, 0.5));
        QVERIFY(!ld::beats(0.5, 0.5));
        QVERIFY(!ld::beats(0.49, 0.5));
        const std::string now = ld::utcTimestamp();
        QCOMPARE(now.size(), size_t(20));
        QCOMPARE(now.back(), 'Z');
    }

    void badValuesNameTheField_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");  // JSON replacing model_history[key] (a path)
        QTest::addColumn<QString>("field");
        QTest::newRow("score above 1") << "/entries/1/held_out_miou" << "1.5" << "model_history.entries[1].held_out_miou";
        QTest::newRow("score not a number") << "/entries/0/held_out_miou" << "\"high\"" << "model_history.entries[0].held_out_miou";
        QTest::newRow("no model") << "/entries/0/model" << "null" << "model_history.entries[0]: missing \"model\"";
        QTest::newRow("empty model") << "/entries/1/model" << "\"\"" << "model_history.entries[1].model";
        QTest::newRow("model twice") << "/entries/1/model" << "\"/models/facade-small\"" << "model_history.entries[1].model";
        QTest::newRow("active past the end") << "/active" << "2" << "model_history.active";
        QTest::newRow("active negative") << "/active" << "-1" << "model_history.active";
        QTest::newRow("more held out than reviewed") << "/entries/0/held_out_images" << "9" << "model_history.entries[0].held_out_images";
        QTest::newRow("steps negative") << "/entries/1/steps" << "-5" << "model_history.entries[1].steps";
        QTest::newRow("entries not a list") << "/entries" << "{}" << "model_history.entries";
        QTest::newRow("entry not an object") << "/entries/0" << "3" << "model_history.entries[0]";
        QTest::newRow("history not an object") << "" << "[]" << "model_history";
    }

    void badValuesNameTheField() {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, field);
        ld::Project p = smallProject();
        p.modelHistory = twoModels();
        json j = ld::projectToJson(p);
        json& history = j["model_history"];
        const json v = json::parse(value.toStdString());
        if (key.isEmpty()) history = v;
        else history[json::json_pointer(key.toStdString())] = v;
        ld::Warnings warnings;
        try {
            ld::projectFromJson(j, "p.labeldiff", warnings);
            QFAIL("accepted");
        } catch (const ld::Error& e) {
            QCOMPARE(QString::fromStdString(e.subject()), QString("p.labeldiff"));
            QVERIFY2(QString::fromStdString(e.reason()).startsWith(field), e.what());
        }
    }

    void reviewedImagesOnly() {
        const ld::Project set = ld::reviewedTrainingSet(smallProject());
        QCOMPARE(set.images.size(), size_t(2));
        QCOMPARE(set.images[0].id, int64_t(1));
        QCOMPARE(set.images[1].id, int64_t(3));
        QCOMPARE(set.annotations.size(), size_t(2));
        for (const auto& a : set.annotations) QVERIFY(a.imageId != 2);
        // Every category stays (an absent one teaches "not here"), named as the model is asked.
        QCOMPARE(set.categories.size(), size_t(2));
        QCOMPARE(set.categories[0].name, std::string("a window"));
        QCOMPARE(set.categories[1].name, std::string("car"));
    }

    void finetuneConfigFollowsTheBaseModel() {
        QTemporaryDir dir;
        const std::string trained = dir.filePath("trained").toStdString();
        QDir().mkpath(QString::fromStdString(trained));
        const json objective = {{"type", "sample"}, {"timesteps", "long_tail"}, {"shift", 0.1}, {"p_drop", 0.1}};
        ld::writeFileAtomic(trained + "/model_card.json",
                            json{{"name", "m"},
                                 {"prediction_type", "sample"},
                                 {"training", {{"objective", objective},
                                               {"data", {{"phrases_per_image", 3}, {"absent_fraction", 0.3},
                                                         {"val_fraction", 0.1}, {"train", "elsewhere"}}}}}}
                                .dump());
        ld::ReviewFinetune r;
        r.baseModel = trained;
        r.data = "/tmp/reviewed.json";
        r.imagesDir = "/data/project";
        r.output = "/data/project/labeldiff-models/improved";
        r.steps = 40;
        const json c = ld::reviewFinetuneConfig(r);
        QCOMPARE(c["base_model"].get<std::string>(), trained);
        QCOMPARE(c["output"].get<std::string>(), r.output);
        QCOMPARE(c["checkpoint_dir"].get<std::string>(), r.output + ".checkpoints");
        QCOMPARE(c["objective"]["type"].get<std::string>(), std::string("sample"));
        QCOMPARE(c["objective"]["shift"].get<double>(), 0.1);
        QCOMPARE(c["objective"]["p_drop"].get<double>(), 0.0);
        QCOMPARE(c["data"]["phrases_per_image"].get<int>(), 3);
        QCOMPARE(c["data"]["absent_fraction"].get<double>(), 0.3);
        QCOMPARE(c["data"]["val_fraction"].get<double>(), 0.25);  // the held-out share, not the base's
        QCOMPARE(c["data"]["train"][0]["path"].get<std::string>(), r.data);
        QCOMPARE(c["data"]["train"][0]["images"].get<std::string>(), r.imagesDir);
        QCOMPARE(c["steps"].get<int>(), 40);
        QCOMPARE(c["threads"].get<int>(), 1);
        QCOMPARE(c["optim"]["warmup"].get<int>(), 4);

        // A model trained elsewhere: the objective its prediction type implies.
        const std::string foreign = dir.filePath("foreign").toStdString();
        QDir().mkpath(QString::fromStdString(foreign));
        ld::writeFileAtomic(foreign + "/model_card.json", json{{"name", "f"}, {"prediction_type", "v_prediction"}}.dump());
        r.baseModel = foreign;
        QCOMPARE(ld::reviewFinetuneConfig(r)["objective"]["type"].get<std::string>(), std::string("v_prediction"));

        r.baseModel = dir.filePath("missing").toStdString();
        try {
            ld::reviewFinetuneConfig(r);
            QFAIL("accepted a model without a card");
        } catch (const ld::Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains("model_card.json"), e.what());
        }
    }
};

QTEST_MAIN(TestModelHistory)
#include "test_model_history.moc"
