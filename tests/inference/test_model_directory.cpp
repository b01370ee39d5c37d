// Model cards (read/write round trip, tolerant of unknown keys, strict on malformed ones)
// and model directories (every component built from its config and checked; all
// problems of all components reported in one error); a load cancelled from another thread
// stops within one tensor.
// LibTorch first: its headers use the name `slots`, which Qt defines as a macro.
#include "support/large_model.h"

#include <QElapsedTimer>
#include <QtTest>

#include "core/error.h"
#include "inference/runtime/cancel_token.h"
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/io/model_card.h"
#include "inference/io/model_directory.h"
#include "inference/io/safetensors.h"
#include "inference/io/state_dict.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"
#include "inference/models/unets/unet.h"
#include "inference/models/unets/unet_config.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace ld;
namespace fs = std::filesystem;

namespace {

void writeText(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

void writeJson(const fs::path& p, const nlohmann::json& j) { writeText(p, j.dump(2)); }

TinyAutoencoderConfig smallAutoencoder() {
    TinyAutoencoderConfig c;
    c.channels = 8;
    c.latentChannels = 4;
    c.encoderBlocks = {1, 1, 1, 1};
    c.decoderBlocks = {1, 1, 1, 1};
    return c;
}

CLIPTextConfig smallText() {
    CLIPTextConfig c;
    c.vocabSize = 1000;
    c.hiddenSize = 32;
    c.intermediateSize = 64;
    c.projectionDim = 32;
    c.numHiddenLayers = 2;
    c.numAttentionHeads = 4;
    return c;
}

// unet/ (tiny: 8 in = 4 image + 4 mask latent channels), vae/ (a small TAESD),
// text_encoder/, scheduler/, and the card.
void writeModel(const fs::path& root) {
    const auto unetConfig = UNet2DConditionConfig::tiny();
    UNet2DConditionModel unet(unetConfig);
    writeJson(root / "unet/config.json", unetConfig.toJson());
    saveSafetensors((root / "unet/diffusion_pytorch_model.safetensors").string(), stateDict(unet));

    const auto ae = smallAutoencoder();
    TinyAutoencoder tiny(ae);
    writeJson(root / "vae/config.json", ae.toJson());
    saveSafetensors((root / "vae/taesd_encoder.safetensors").string(), stateDict(tiny.encoder()));
    saveSafetensors((root / "vae/taesd_decoder.safetensors").string(), stateDict(tiny.decoder()));

    CLIPTextModel text(smallText());
    writeJson(root / "text_encoder/config.json", smallText().toJson());
    saveSafetensors((root / "text_encoder/model.safetensors").string(), stateDict(text));

    writeJson(root / "scheduler/scheduler_config.json",
              {{"_class_name", "DDIMScheduler"}, {"num_train_timesteps", 1000}, {"prediction_type", "epsilon"}});

    ModelCard card;
    card.name = "tiny test model";
    card.components = {{"unet", "unet"}, {"image_encoder", "vae"}, {"text_encoder", "text_encoder"},
                       {"scheduler", "scheduler"}};
    card.resolution = 64;
    card.classThresholds = {{"cat", 0.6}};
    writeModelCard((root / kModelCardFileName).string(), card);
}

}  // namespace

class TestModelDirectory : public QObject {
    Q_OBJECT
private slots:
    void cardRoundTrip() {
        QTemporaryDir dir;
        ModelCard card;
        card.name = "membranes";
        card.description = "fine-tuned on ISBI";
        card.components = {{"unet", "unet"}, {"image_encoder", "image_encoder"}, {"mask_codec", "mask_codec"}};
        card.maskCodec.kind = MaskCodecKind::Linear;
        card.maskCodec.latentChannels = 16;
        card.predictionType = PredictionType::Flow;
        card.scheduler = "flow";
        card.resolution = 256;
        card.defaults.steps = 1;
        card.defaults.spacing = "trailing";
        card.defaults.guidance = 1.0;
        card.defaults.ensemble = 4;
        card.defaults.threshold = 0.7;
        card.classThresholds = {{"membrane", 0.55}, {"cell", 0.8}};
        card.training = {{"base_model", "none"}, {"steps", 2000}, {"dataset", "membranes/"}};
        const std::string path = dir.filePath("model_card.json").toStdString();
        writeModelCard(path, card);
        const ModelCard back = readModelCard(path);
        QCOMPARE(back.name, card.name);
        QCOMPARE(back.description, card.description);
        QVERIFY(back.components == card.components);
        QCOMPARE(back.maskCodec.kind, MaskCodecKind::Linear);
        QCOMPARE(back.maskCodec.latentChannels, 16);
        QCOMPARE(back.predictionType, PredictionType::Flow);
        QCOMPARE(back.scheduler, std::string("flow"));
        QCOMPARE(back.resolution, 256);
        QCOMPARE(back.defaults.steps, 1);
        QCOMPARE(back.defaults.ensemble, 4);
        QCOMPARE(back.defaults.threshold, 0.7);
        QCOMPARE(back.thresholdFor("membrane"), 0.55);
        QCOMPARE(back.thresholdFor("unknown class"), 0.7);
        QCOMPARE(back.training, card.training);
        QCOMPARE(modelCardToJson(back), modelCardToJson(card));
    }

    void unknownKeysAreKept() {
        QTemporaryDir dir;
        const fs::path p = dir.filePath("card.json").toStdString();
        writeJson(p, {{"name", "x"}, {"future_feature", {{"a", 1}}}, {"defaults", {{"steps", 4}, {"new_knob", true}}}});
        const ModelCard c = readModelCard(p.string());
        QCOMPARE(c.name, std::string("x"));
        QCOMPARE(c.defaults.steps, 4);
        QCOMPARE(c.predictionType, PredictionType::Epsilon);
        QVERIFY(modelCardToJson(c).contains("future_feature"));
    }

    void malformedCardsAreRefused_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("not json") << "{\"name\": " << "malformed JSON";
        QTest::newRow("array") << "[1, 2]" << "JSON object";
        QTest::newRow("steps type") << R"({"defaults": {"steps": "ten"}})" << "defaults.steps";
        QTest::newRow("steps zero") << R"({"defaults": {"steps": 0}})" << "defaults.steps";
        QTest::newRow("threshold range") << R"({"defaults": {"threshold": 1.5}})" << "defaults.threshold";
        QTest::newRow("spacing") << R"({"defaults": {"spacing": "sideways"}})" << "defaults.spacing";
        QTest::newRow("prediction") << R"({"prediction_type": "banana"})" << "prediction_type";
        QTest::newRow("escaping folder") << R"({"components": {"unet": "../elsewhere"}})" << "components.unet";
        QTest::newRow("absolute folder") << R"({"components": {"unet": "/etc"}})" << "components.unet";
        QTest::newRow("class threshold") << R"({"class_thresholds": {"cat": "high"}})" << "class_thresholds.cat";
        QTest::newRow("codec") << R"({"mask_codec": {"type": "jpeg"}})" << "jpeg";
        QTest::newRow("newer version") << R"({"version": 99})" << "newer";
        QTest::newRow("other format") << R"({"format": "something-else"})" << "format";
        QTest::newRow("training type") << R"({"training": "yesterday"})" << "training";
        QTest::newRow("deep nesting") << QString("{\"training\": %1%2}").arg(QString(300000, '['), QString(300000, ']'))
                                      << "nested deeper than 128";
    }
    void malformedCardsAreRefused() {
        QFETCH(QString, text);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        const std::string path = dir.filePath("model_card.json").toStdString();
        writeText(path, text.toStdString());
        try {
            readModelCard(path);
            QFAIL("a malformed card was accepted");
        } catch (const Error& e) {
            QCOMPARE(e.subject(), path);
            QVERIFY2(QString::fromStdString(e.what()).contains(mentions), e.what());
        }
    }

    void loadsAWholeDirectory() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        writeModel(root);
        const auto dir = ModelDirectory::open(root.string());
        QVERIFY(dir->hasCardFile());
        QVERIFY(dir->unet && dir->tinyAutoencoder && dir->textEncoder);
        QVERIFY(!dir->vae && !dir->tokenizer);
        QCOMPARE(dir->schedulerConfig.value("_class_name", ""), std::string("DDIMScheduler"));
        QCOMPARE(dir->components().size(), size_t(4));
        QCOMPARE(dir->imageLatentShape(), (std::vector<int64_t>{4, 8, 8}));
        QCOMPARE(dir->maskLatentShape(), (std::vector<int64_t>{4, 8, 8}));
        int64_t sum = 0;
        for (const auto& c : dir->components()) {
            sum += c.parameters;
            if (c.role == "unet") {
                QCOMPARE(c.parameters, dir->unet->parameterCount());
                QCOMPARE(c.dtypes, std::vector<std::string>{"F32"});
                QCOMPARE(c.className, std::string("UNet2DConditionModel"));
            }
            if (c.role == "image_encoder") QCOMPARE(c.weightFiles.size(), size_t(2));
        }
        QCOMPARE(dir->totalParameters(), sum);
        QVERIFY(sum > 100000);
        const QString text = QString::fromStdString(dir->describe());
        QVERIFY2(text.contains("unet/") && text.contains("TinyAutoencoder") && text.contains("cat=0.6"), qPrintable(text));
        QCOMPARE(dir->describeJson()["components"].size(), size_t(4));
    }

    void reportsEveryProblemAtOnce() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        writeModel(root);
        // 1: the text encoder folder is gone.
        fs::remove_all(root / "text_encoder");
        // 2: the image encoder's last conv has the wrong shape (and 3: a stray tensor).
        auto enc = loadSafetensors((root / "vae/taesd_encoder.safetensors").string());
        enc["8.weight"] = torch::zeros({5, 8, 3, 3});  // the output conv of a 4-stage, 1-block stack
        enc["stray"] = torch::zeros({1});
        saveSafetensors((root / "vae/taesd_encoder.safetensors").string(), enc);
        // 4: the U-Net lost a tensor.
        auto unet = loadSafetensors((root / "unet/diffusion_pytorch_model.safetensors").string());
        unet.erase("conv_out.bias");
        saveSafetensors((root / "unet/diffusion_pytorch_model.safetensors").string(), unet);
        try {
            ModelDirectory::open(root.string());
            QFAIL("a broken model directory opened");
        } catch (const Error& e) {
            const QString msg = QString::fromStdString(e.what());
            QCOMPARE(e.subject(), root.string());
            QVERIFY2(msg.contains("3 problems"), qPrintable(msg));
            QVERIFY2(msg.contains("text_encoder: missing sub-folder text_encoder/"), qPrintable(msg));
            QVERIFY2(msg.contains("shape of 8.weight is [5, 8, 3, 3]"), qPrintable(msg));
            QVERIFY2(msg.contains("unexpected stray"), qPrintable(msg));
            QVERIFY2(msg.contains("missing conv_out.bias"), qPrintable(msg));
        }
    }

    void inconsistentComponentsAreReported() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        writeModel(root);
        // A 32-channel image encoder does not fit a U-Net made for 4 + 4 channels.
        auto ae = smallAutoencoder();
        ae.latentChannels = 32;
        TinyAutoencoder tiny(ae);
        writeJson(root / "vae/config.json", ae.toJson());
        saveSafetensors((root / "vae/taesd_encoder.safetensors").string(), stateDict(tiny.encoder()));
        saveSafetensors((root / "vae/taesd_decoder.safetensors").string(), stateDict(tiny.decoder()));
        try {
            ModelDirectory::open(root.string());
            QFAIL("inconsistent components were accepted");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains("in_channels is 8"), e.what());
        }
    }

    // A large model's load, cancelled before it starts or from another thread part-way,
    // throws Cancelled soon after the cancel and before a whole load would have ended: the
    // weights are copied one tensor at a time with the token checked in between, and it is
    // checked before each component is built.
    void cancelStopsALoad_data() {
        QTest::addColumn<double>("at");  // fraction of a whole load's time; < 0: before it starts
        QTest::newRow("before it starts") << -1.0;
        // Early in the load: the first whole load (cold caches) is the slowest, so a later
        // one can finish before a cancel timed at a larger share of it.
        QTest::newRow("part-way") << 0.1;
    }
    void cancelStopsALoad() {
        QFETCH(double, at);
        if (large_.empty()) {
            QVERIFY(largeDir_.isValid());
            large_ = test::writeLargeModel(largeDir_.filePath("large").toStdString());
            QElapsedTimer whole;
            whole.start();
            ModelDirectory::open(large_);
            wholeMs_ = whole.elapsed();
            qInfo("a whole load of the large model: %lld ms", wholeMs_);
            QVERIFY2(wholeMs_ >= 300, "the test model loads too fast to measure a cancel");
        }
        CancelToken token;
        ModelDirectoryOptions options;
        options.cancel = &token;
        std::atomic<int64_t> cancelledAt{0};
        const auto now = [] { return std::chrono::steady_clock::now().time_since_epoch().count(); };
        const auto cancel = [&] {
            cancelledAt = now();
            token.cancel();
        };
        std::thread canceller;
        if (at < 0) cancel();
        else canceller = std::thread([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(int64_t(at * double(wholeMs_))));
            cancel();
        });
        QElapsedTimer clock;
        clock.start();
        bool cancelled = false;
        try {
            ModelDirectory::open(large_, options);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        const int64_t stoppedAt = now();
        if (canceller.joinable()) canceller.join();
        QVERIFY2(cancelled, "the load ran to the end");
        const double latencyMs = double(stoppedAt - cancelledAt.load()) / 1e6;
        qInfo("cancelled %s: stopped %.1f ms after the cancel, %lld ms after the start (whole load %lld ms)",
              QTest::currentDataTag(), latencyMs, clock.elapsed(), wholeMs_);
        // How soon is a figure (README), not a check: building the U-Net (LibTorch's random
        // initialisation, about half of this load) cannot stop, and the machine is shared.
    }

    void notAModelDirectory() {
        QTemporaryDir tmp;
        QVERIFY_THROWS_EXCEPTION(Error, ModelDirectory::open(tmp.path().toStdString()));
        QVERIFY_THROWS_EXCEPTION(Error, ModelDirectory::open(tmp.filePath("absent").toStdString()));
        writeText(fs::path(tmp.path().toStdString()) / kModelCardFileName, "{oops");
        try {
            ModelDirectory::open(tmp.path().toStdString());
            QFAIL("a malformed card was accepted");
        } catch (const Error& e) {
            QVERIFY(QString::fromStdString(e.subject()).endsWith(kModelCardFileName));
        }
    }

private:
    QTemporaryDir largeDir_;
    std::string large_;
    qint64 wholeMs_ = 0;
};

QTEST_GUILESS_MAIN(TestModelDirectory)
#include "test_model_directory.moc"
