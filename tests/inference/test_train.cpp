// The trainer end to end at a tiny size: an overfit run on a handful of synthetic scenes
// drives the loss down and the IoU up; an interrupted-and-resumed run gives exactly the
// loss curve and weights of an uninterrupted one; every objective trains and writes a
// model directory that opens; fine-tuning the shipped model leaves it intact; freeze
// patterns hold parameters fixed.
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/synthetic_scene.h"
#include "inference/io/model_directory.h"
#include "inference/io/safetensors.h"
#include "inference/training/trainer.h"
#include "inference/training/training_eval.h"
#include "inference/models/unets/unet.h"

#include "support/tiny_training.h"

#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <filesystem>
#include <numeric>

using namespace ld;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string writeScenes(const std::string& dir, int count, int size) {
    fs::create_directories(dir);
    Dataset ds = writeSyntheticDataset(dir, count, size, size, 7);
    const std::string path = dir + "/instances.json";
    findDatasetFormat("coco")->write(ds, path, {});
    return path;
}

json tinyConfig(const std::string& root, const std::string& coco) {
    return json{{"output", root + "/model"},
                {"checkpoint_dir", root + "/checkpoints"},
                {"seed", 3},
                {"model", ld::test::tinyTrainingModel()},
                {"data",
                 {{"train", coco},
                  {"val", coco},
                  {"absent_fraction", 0.25},
                  {"augment", false},
                  {"cache_scale", 1.0}}},
                {"objective", {{"type", "sample"}, {"timesteps", "long_tail"}, {"shift", 0.1}, {"p_drop", 0.0}}},
                {"steps", 300},
                {"batch", 8},
                {"optim", {{"lr", 0.003}, {"warmup", 20}, {"ema", 0.0}}},
                {"checkpoint_every", 0},
                {"validate_every", 0},
                {"log_every", 50}};
}

double meanOf(const std::vector<double>& v, size_t from, size_t to) {
    return std::accumulate(v.begin() + long(from), v.begin() + long(to), 0.0) / double(to - from);
}

}  // namespace

class TestTrain : public QObject {
    Q_OBJECT
private slots:
    void overfitLowersLossAndRaisesIou() {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const std::string coco = writeScenes(root + "/data", 4, 64);
        TrainConfig cfg = TrainConfig::fromJson(tinyConfig(root, coco), "", "test");
        int events = 0;
        TrainResult r = Trainer(cfg).run([&](const TrainProgress&) { ++events; });
        QVERIFY(!r.cancelled);
        QCOMPARE(int(r.losses.size()), 300);
        QVERIFY(events >= 6);
        const double first = meanOf(r.losses, 0, 20), last = meanOf(r.losses, 280, 300);
        QVERIFY2(last < 0.5 * first, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));

        // IoU on the training scenes: the initial (untrained) directory against the result.
        DataSource src;
        src.path = coco;
        auto classes = datasetClasses({src});
        auto data = loadLabelledImages({src}, classes, 0);
        EvalOptions eo;
        auto before = evaluateModel(ModelDirectory::open(root + "/checkpoints/initial"), data, {}, eo);
        auto after = evaluateModel(ModelDirectory::open(cfg.output), data, {}, eo);
        QVERIFY2(after.tunedMiou > before.tunedMiou + 0.15,
                 qPrintable(QString("mIoU %1 -> %2").arg(before.tunedMiou).arg(after.tunedMiou)));
        QVERIFY(after.miou > before.miou);
        // The card carries the tuned thresholds and the provenance.
        auto model = ModelDirectory::open(cfg.output);
        QCOMPARE(model->card().classThresholds.size(), classes.size());
        QCOMPARE(model->card().training.value("steps", 0), 300);
        QVERIFY(model->card().training.contains("validation"));
        QVERIFY(fs::exists(cfg.log));
    }

    void resumeContinuesExactly() {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const std::string coco = writeScenes(root + "/data", 3, 64);
        json j = tinyConfig(root + "/a", coco);
        j["steps"] = 24;
        j["batch"] = 4;
        j["optim"]["ema"] = 0.9;
        j["objective"]["p_drop"] = 0.2;
        j["data"]["augment"] = true;
        j["final_validation"] = false;
        TrainConfig a = TrainConfig::fromJson(j, "", "a");
        TrainResult full = Trainer(a).run();

        j["output"] = root + "/b/model";
        j["checkpoint_dir"] = root + "/b/checkpoints";
        TrainConfig b = TrainConfig::fromJson(j, "", "b");
        TrainResult first = Trainer(b).run({}, nullptr, {}, 12);
        QVERIFY(first.cancelled);
        QCOMPARE(first.steps, int64_t(12));
        QVERIFY(fs::exists(first.lastCheckpoint + "/training_state/state.json"));
        QVERIFY(fs::exists(first.lastCheckpoint + "/model_card.json"));  // a complete model directory
        ModelDirectory::open(first.lastCheckpoint);
        TrainResult second = Trainer(b).run({}, nullptr, first.lastCheckpoint);
        QVERIFY(!second.cancelled);
        QCOMPARE(int(second.losses.size()), 12);
        for (int i = 0; i < 12; ++i) {
            QCOMPARE(first.losses[size_t(i)], full.losses[size_t(i)]);
            const double x = full.losses[size_t(12 + i)], y = second.losses[size_t(i)];
            QVERIFY2(std::abs(x - y) <= 1e-6 * std::max(1.0, std::abs(x)),
                     qPrintable(QString("step %1: %2 vs %3").arg(13 + i).arg(x, 0, 'g', 10).arg(y, 0, 'g', 10)));
        }
        auto wa = loadSafetensors(a.output + "/unet/diffusion_pytorch_model.safetensors");
        auto wb = loadSafetensors(b.output + "/unet/diffusion_pytorch_model.safetensors");
        for (const auto& [k, v] : wa) QVERIFY2(torch::allclose(v, wb.at(k), 1e-5, 1e-6), k.c_str());
    }

    void everyObjectiveTrains_data() {
        QTest::addColumn<QString>("objective");
        QTest::addColumn<QString>("noise");
        QTest::addColumn<bool>("pooledPhrase");
        QTest::newRow("epsilon, uniform") << "epsilon" << "gaussian" << false;
        QTest::newRow("v, annealed multires") << "v_prediction" << "multires_annealed" << false;
        QTest::newRow("v, pooled phrase") << "v_prediction" << "gaussian" << true;
        QTest::newRow("flow") << "flow" << "gaussian" << false;
        QTest::newRow("discriminative") << "discriminative" << "gaussian" << false;
    }
    void everyObjectiveTrains() {
        QFETCH(QString, objective);
        QFETCH(QString, noise);
        QFETCH(bool, pooledPhrase);
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const std::string coco = writeScenes(root + "/data", 2, 64);
        json j = tinyConfig(root, coco);
        j["steps"] = 6;
        j["batch"] = 4;
        j["objective"] = {{"type", objective.toStdString()}, {"noise", noise.toStdString()}, {"timesteps", "uniform"}};
        // Zero terminal SNR cannot be sampled with ε-prediction.
        if (objective == "epsilon") j["model"]["scheduler"] = json::object();
        j["model"]["pooled_phrase"] = pooledPhrase;
        j["data"]["val_max_images"] = 1;
        TrainConfig cfg = TrainConfig::fromJson(j, "", "test");
        TrainResult r = Trainer(cfg).run();
        QCOMPARE(int(r.losses.size()), 6);
        for (double l : r.losses) QVERIFY(std::isfinite(l));
        auto model = ModelDirectory::open(cfg.output);
        QCOMPARE(model->card().isDiscriminative(), objective == "discriminative");
        if (objective == "flow") QCOMPARE(model->card().scheduler, std::string("flow"));
        // The written U-Net takes the pooled phrase, and validation sampled through it.
        QCOMPARE(model->unet->config().additionEmbedType, std::string(pooledPhrase ? "text_time" : ""));
        QVERIFY(r.validation.contains("miou"));
        // The sampler serves every objective; the baseline in one pass whatever was asked.
        Sampler sampler(model);
        SamplerSettings asked;
        asked.steps = 5;
        asked.ensemble = 3;
        const PhraseSegmentation seg = sampler.segment(cv::Mat(40, 30, CV_8UC3, cv::Scalar(90, 140, 200)), "circle", asked);
        QCOMPARE(seg.mask.width(), 30);
        QCOMPARE(int(seg.timings.stepMs.size()), objective == "discriminative" ? 1 : 5);
    }

    void timeLimitEndsTheRunWithAModel() {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const std::string coco = writeScenes(root + "/data", 2, 64);
        json j = tinyConfig(root, coco);
        j["steps"] = 1000000;
        j["batch"] = 2;
        j["time_limit_minutes"] = 0.02;
        j["data"]["val_max_images"] = 1;
        TrainConfig cfg = TrainConfig::fromJson(j, "", "test");
        TrainResult r = Trainer(cfg).run();
        QVERIFY(r.timeLimited);
        QVERIFY(!r.cancelled);
        QVERIFY(r.steps < 1000000);
        QVERIFY(fs::exists(r.lastCheckpoint + "/training_state/state.json"));
        QCOMPARE(ModelDirectory::open(cfg.output)->card().training.value("steps", int64_t(-1)), r.steps);
        j["time_limit_minutes"] = -1;
        QVERIFY_THROWS_EXCEPTION(Error, TrainConfig::fromJson(j, "", "test"));
    }

    // The panel's "fine-tune the default model" path: the shipped model is the starting
    // point, its folder is left as it was, and the result is a complete model that differs
    // only where training was allowed to change it.
    void fineTunesTheDefaultModel() {
        const fs::path shipped = fs::path(LABELDIFF_SOURCE_DIR) / "resources/models/facade-small";
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const std::string base = root + "/base";
        fs::copy(shipped, base, fs::copy_options::recursive);
        const std::string coco = writeScenes(root + "/data", 2, 96);
        json j = tinyConfig(root, coco);
        j.erase("model");
        j["base_model"] = base;
        j["steps"] = 2;
        j["batch"] = 2;
        j["freeze"] = {"^text_encoder\\."};
        j["data"]["val_max_images"] = 1;
        TrainConfig cfg = TrainConfig::fromJson(j, "", "test");
        TrainResult r = Trainer(cfg).run();
        QCOMPARE(int(r.losses.size()), 2);
        for (double l : r.losses) QVERIFY(std::isfinite(l));
        QVERIFY(r.validation.contains("miou"));

        for (const auto& e : fs::recursive_directory_iterator(shipped)) {
            if (!e.is_regular_file()) continue;
            const fs::path copy = fs::path(base) / fs::relative(e.path(), shipped);
            QVERIFY2(fs::exists(copy), copy.c_str());
            QVERIFY2(readFile(copy.string()) == readFile(e.path().string()), copy.c_str());
        }
        auto tuned = ModelDirectory::open(cfg.output);
        QCOMPARE(tuned->card().training.value("base_model", std::string()), base);
        QCOMPARE(tuned->card().resolution, ModelDirectory::open(base)->card().resolution);
        const std::string unet = "/unet/diffusion_pytorch_model.safetensors";
        auto before = loadSafetensors(base + unet), after = loadSafetensors(cfg.output + unet);
        QCOMPARE(after.size(), before.size());
        QVERIFY(!torch::equal(before.at("conv_in.weight"), after.at("conv_in.weight")));
        auto textBefore = loadSafetensors(base + "/text_encoder/model.safetensors");
        auto textAfter = loadSafetensors(cfg.output + "/text_encoder/model.safetensors");
        for (const auto& [k, v] : textBefore) QVERIFY2(torch::equal(v, textAfter.at(k)), k.c_str());
    }

    void freezePatternsHold() {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const std::string coco = writeScenes(root + "/data", 2, 64);
        json j = tinyConfig(root, coco);
        j["steps"] = 3;
        j["batch"] = 2;
        j["freeze"] = {"^image_encoder\\.", "^text_encoder\\."};
        j["final_validation"] = false;
        TrainConfig cfg = TrainConfig::fromJson(j, "", "test");
        Trainer(cfg).run();
        for (const char* f : {"image_encoder/model.safetensors", "text_encoder/model.safetensors"}) {
            auto before = loadSafetensors(root + "/checkpoints/initial/" + f);
            auto after = loadSafetensors(cfg.output + "/" + f);
            for (const auto& [k, v] : before) QVERIFY2(torch::equal(v, after.at(k)), k.c_str());
        }
        auto before = loadSafetensors(root + "/checkpoints/initial/unet/diffusion_pytorch_model.safetensors");
        auto after = loadSafetensors(cfg.output + "/unet/diffusion_pytorch_model.safetensors");
        QVERIFY(!torch::equal(before.at("conv_in.weight"), after.at("conv_in.weight")));
    }
};

QTEST_APPLESS_MAIN(TestTrain)
#include "test_train.moc"
