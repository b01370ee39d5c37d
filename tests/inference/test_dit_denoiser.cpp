// A DiT as the model directory's denoiser: transformer/ folders of both diffusers classes
// open and run through the sampler, a directory rewritten from memory gives the same
// masks, a model without any denoiser is one clear error, and a from-scratch DiT built by
// the trainer's model spec learns and reloads.
#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/synthetic_scene.h"
#include "inference/io/model_directory.h"
#include "inference/io/model_writer.h"
#include "inference/models/transformers/pixart_transformer.h"
#include "inference/pipeline/sampler.h"
#include "inference/training/trainer.h"

#include "support/tiny_model.h"
#include "support/tiny_training.h"

#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>

#include <filesystem>
#include <numeric>

using namespace ld;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

cv::Mat testImage(int w, int h) {
    cv::Mat m(h, w, CV_8UC3);
    cv::randu(m, cv::Scalar(0, 0, 0), cv::Scalar(255, 255, 255));
    return m;
}

double meanOf(const std::vector<double>& v, size_t from, size_t to) {
    return std::accumulate(v.begin() + long(from), v.begin() + long(to), 0.0) / double(to - from);
}

}  // namespace

class TestDitDenoiser : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    std::string tinyModel(const std::string& denoiser) {
        test::TinyModelSpec spec;
        spec.denoiser = denoiser;
        return test::writeTinyModel((dir_.path() + "/" + QString::fromStdString(denoiser)).toStdString(), spec);
    }

private slots:
    void initTestCase() {
        tinyModel("pixart");
        tinyModel("sd3");
    }

    void transformerFolderIsTheDenoiser_data() {
        QTest::addColumn<QString>("denoiser");
        QTest::newRow("PixArt") << "pixart";
        QTest::newRow("SD3") << "sd3";
    }
    void transformerFolderIsTheDenoiser() {
        QFETCH(QString, denoiser);
        const auto m = ModelDirectory::open((dir_.path() + "/" + denoiser).toStdString());
        QCOMPARE(QString::fromStdString(m->card().denoiser), denoiser);
        QVERIFY(!m->unet);
        QCOMPARE(bool(m->pixart), denoiser == "pixart");
        QCOMPARE(bool(m->sd3), denoiser == "sd3");
        QVERIFY(m->describe().find("denoiser: " + denoiser.toStdString()) != std::string::npos);
    }

    void segmentGivesAMaskAtImageSize_data() { transformerFolderIsTheDenoiser_data(); }
    void segmentGivesAMaskAtImageSize() {
        QFETCH(QString, denoiser);
        auto s = Sampler::open((dir_.path() + "/" + denoiser).toStdString(), {"cpu"});
        SamplerSettings settings;
        settings.guidance = 2.0;  // both branches in one DiT batch
        const auto r = s->segment(testImage(45, 30), "circle", settings);
        QCOMPARE(r.mask.mat().cols, 45);
        QCOMPARE(r.mask.mat().rows, 30);
        QCOMPARE(int(r.timings.stepMs.size()), 4);
    }

    void rewrittenModelGivesIdenticalMasks() {
        const std::string original = (dir_.path() + "/pixart").toStdString();
        const std::string copy = (dir_.path() + "/pixart-rewritten").toStdString();
        const auto model = ModelDirectory::open(original);
        writeModelDirectory(*model, model->card(), copy);
        QCOMPARE(readModelCard(copy + "/" + kModelCardFileName).denoiser, std::string("pixart"));
        const cv::Mat image = testImage(32, 32);
        const auto a = Sampler::open(original, {"cpu"})->segment(image, "square", {});
        const auto b = Sampler::open(copy, {"cpu"})->segment(image, "square", {});
        QCOMPARE(cv::norm(a.soft.mat(), b.soft.mat(), cv::NORM_INF), 0.0);
    }

    void noDenoiserIsOneClearError() {
        const std::string path = (dir_.path() + "/none").toStdString();
        test::writeTinyModel(path);
        auto card = readModelCard(path + "/" + kModelCardFileName);
        card.components.erase("unet");
        writeModelCard(path + "/" + kModelCardFileName, card);
        try {
            Sampler::open(path, {"cpu"});
            QFAIL("a model without a denoiser opened");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("no denoiser") != std::string::npos, e.what());
        }
    }

    void cardNamingAnotherDenoiserIsAProblem() {
        const std::string path = (dir_.path() + "/mislabelled").toStdString();
        test::writeTinyModel(path);  // a U-Net
        auto card = readModelCard(path + "/" + kModelCardFileName);
        card.denoiser = "pixart";
        writeModelCard(path + "/" + kModelCardFileName, card);
        QVERIFY_THROWS_EXCEPTION(Error, ModelDirectory::open(path));
    }

    // Every from-scratch DiT a training spec can ask for: PixArt with the image latent on
    // channels or as GenMask's token sequence, and SD3's MMDiT.
    void fromScratchDitTrainsAndReloads_data() {
        QTest::addColumn<QString>("denoiser");
        QTest::addColumn<QString>("shortcut");
        QTest::newRow("PixArt, image on channels") << "dit" << "channels";
        QTest::newRow("PixArt, image as tokens at t = 0") << "dit" << "sequence";
        QTest::newRow("SD3 MMDiT") << "sd3" << "channels";
    }
    void fromScratchDitTrainsAndReloads() {
        QFETCH(QString, denoiser);
        QFETCH(QString, shortcut);
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        fs::create_directories(root + "/data");
        Dataset ds = writeSyntheticDataset(root + "/data", 4, 64, 64, 7);
        const std::string coco = root + "/data/instances.json";
        findDatasetFormat("coco")->write(ds, coco, {});
        json spec = test::tinyTrainingModel();
        spec["denoiser"] = denoiser.toStdString();
        spec["image_shortcut"] = shortcut.toStdString();
        spec["num_layers"] = 2;
        spec["num_attention_heads"] = 2;
        spec["attention_head_dim"] = 8;
        spec["patch_size"] = 1;
        const json config{{"output", root + "/model"},
                          {"checkpoint_dir", root + "/checkpoints"},
                          {"seed", 3},
                          {"model", spec},
                          {"data", {{"train", coco}, {"val", coco}, {"augment", false}, {"cache_scale", 1.0}}},
                          {"objective", {{"type", "sample"}, {"timesteps", "long_tail"}, {"shift", 0.1}, {"p_drop", 0.0}}},
                          {"steps", 120},
                          {"batch", 4},
                          {"optim", {{"lr", 0.003}, {"warmup", 10}, {"ema", 0.0}}},
                          {"checkpoint_every", 0},
                          {"validate_every", 0},
                          {"log_every", 50}};
        TrainConfig cfg = TrainConfig::fromJson(config, "", "test");
        TrainResult r = Trainer(cfg).run();
        QCOMPARE(int(r.losses.size()), 120);
        const double first = meanOf(r.losses, 0, 10), last = meanOf(r.losses, 110, 120);
        QVERIFY2(last < 0.7 * first, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));

        const auto trained = ModelDirectory::open(cfg.output);
        const auto initial = ModelDirectory::open(root + "/checkpoints/initial");
        if (denoiser == "sd3") {
            QVERIFY(trained->sd3);
            QCOMPARE(trained->card().denoiser, std::string("sd3"));
            QCOMPARE(trained->sd3->config().numLayers, 2);
            QVERIFY(!torch::equal(trained->sd3->proj_out->weight, initial->sd3->proj_out->weight));
        } else {
            QVERIFY(trained->pixart);
            QCOMPARE(trained->card().denoiser, std::string("pixart"));
            QCOMPARE(trained->pixart->config().numLayers, 2);
            QCOMPARE(QString::fromStdString(trained->pixart->config().imageShortcut), shortcut);
            QVERIFY(!torch::equal(trained->pixart->proj_out->weight, initial->pixart->proj_out->weight));
        }
    }
};

QTEST_GUILESS_MAIN(TestDitDenoiser)
#include "test_dit_denoiser.moc"
