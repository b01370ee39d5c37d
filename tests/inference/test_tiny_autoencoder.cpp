// TAESD-family autoencoders, the space-to-depth stem and device selection: built from
// config, saved and reloaded bit-exactly, wrong checkpoints refused with every mismatch
// listed, and the real TAEF2 checkpoint reconstructing COCO images at the reference PSNR.
#include <QtTest>

#include "core/error.h"
#include "inference/runtime/device.h"
#include "inference/io/safetensors.h"
#include "inference/models/autoencoders/space_to_depth_stem.h"
#include "inference/io/state_dict.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <fstream>

using namespace ld;

namespace {

TinyAutoencoderConfig configNamed(const QString& name) {
    if (name == "taesd") return TinyAutoencoderConfig::taesd();
    if (name == "taef2") return TinyAutoencoderConfig::taef2();
    TinyAutoencoderConfig c;  // a narrow, shallow variant with a GroupNorm branch
    c.channels = 16;
    c.latentChannels = 8;
    c.encoderBlocks = {1, 2, 1};
    c.decoderBlocks = {1, 2, 1};
    c.midblockGroupNorm = true;
    return c;
}

// Default initialisation leaves GroupNorm at ones/zeros; randomise everything so that a
// reload that skipped a tensor would show.
void randomise(torch::nn::Module& m, int seed) {
    torch::manual_seed(seed);
    torch::NoGradGuard g;
    for (auto& p : m.parameters()) p.copy_(torch::randn_like(p) * 0.1);
}

bool sameTensors(const TensorMap& a, const TensorMap& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, t] : a) {
        auto it = b.find(k);
        if (it == b.end() || it->second.scalar_type() != t.scalar_type() || !torch::equal(it->second, t)) return false;
    }
    return true;
}

double psnr(const torch::Tensor& a, const torch::Tensor& b) {
    const double mse = (a - b).pow(2).mean().item<double>();
    return 10.0 * std::log10(1.0 / mse);
}

QString sharedDir() { return QStringLiteral(LABELDIFF_SHARED_DIR); }

}  // namespace

class TestTinyAutoencoder : public QObject {
    Q_OBJECT
private slots:
    void saveReloadBitExact_data() {
        QTest::addColumn<QString>("config");
        QTest::addColumn<int>("latentChannels");
        QTest::addColumn<int>("factor");
        QTest::addColumn<int>("encoderTensors");
        QTest::newRow("taesd") << "taesd" << 4 << 8 << 67;
        QTest::newRow("taef2") << "taef2" << 32 << 8 << 79;
        QTest::newRow("narrow") << "narrow" << 8 << 4 << 0;
    }
    void saveReloadBitExact() {
        QFETCH(QString, config);
        QFETCH(int, latentChannels);
        QFETCH(int, factor);
        QFETCH(int, encoderTensors);
        const auto cfg = configNamed(config);
        TinyAutoencoder a(cfg);
        randomise(a.encoder(), 1);
        randomise(a.decoder(), 2);
        QCOMPARE(cfg.downscale(), factor);
        const TensorMap enc = stateDict(a.encoder());
        if (encoderTensors > 0) QCOMPARE(int(enc.size()), encoderTensors);
        QVERIFY(enc.count("0.weight") && enc.count("1.conv.0.weight") && enc.count("1.conv.4.bias"));
        if (cfg.midblockGroupNorm) QVERIFY(stateDict(a.decoder()).count("3.pool.1.weight"));

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string encPath = dir.filePath("x_encoder.safetensors").toStdString();
        const std::string decPath = dir.filePath("x_decoder.safetensors").toStdString();
        saveSafetensors(encPath, enc);
        saveSafetensors(decPath, stateDict(a.decoder()));

        // The architecture is read back off the tensors alone.
        auto b = loadTinyAutoencoder(dir.path().toStdString());
        QCOMPARE(b->config().latentChannels, latentChannels);
        QCOMPARE(b->config().channels, cfg.channels);
        QCOMPARE(b->config().midblockGroupNorm, cfg.midblockGroupNorm);
        QVERIFY(b->config().encoderBlocks == cfg.encoderBlocks);
        QVERIFY(b->config().decoderBlocks == cfg.decoderBlocks);
        QVERIFY(sameTensors(stateDict(a.encoder()), stateDict(b->encoder())));
        QVERIFY(sameTensors(stateDict(a.decoder()), stateDict(b->decoder())));

        torch::NoGradGuard g;
        const auto x = torch::rand({2, 3, 32, 64});
        const auto za = a.encode(x), zb = b->encode(x);
        QCOMPARE(za.sizes().vec(), (std::vector<int64_t>{2, latentChannels, 32 / factor, 64 / factor}));
        QVERIFY(torch::equal(za, zb));
        const auto ya = a.decode(za);
        QCOMPARE(ya.sizes().vec(), (std::vector<int64_t>{2, 3, 32, 64}));
        QVERIFY(ya.min().item<float>() >= 0.f && ya.max().item<float>() <= 1.f);
        QVERIFY(torch::equal(ya, b->decode(zb)));
    }

    void configJsonRoundTrip() {
        const auto c = TinyAutoencoderConfig::taef2();
        const auto d = TinyAutoencoderConfig::fromJson(c.toJson(), "config.json");
        QCOMPARE(d.latentChannels, 32);
        QVERIFY(d.midblockGroupNorm);
        QVERIFY(d.encoderBlocks == c.encoderBlocks);
        QVERIFY_THROWS_EXCEPTION(Error, TinyAutoencoderConfig::fromJson({{"latent_channels", "four"}}, "c.json"));
        QVERIFY_THROWS_EXCEPTION(Error, TinyAutoencoderConfig::fromJson({{"latent_channels", 0}}, "c.json"));
        QVERIFY_THROWS_EXCEPTION(
            Error, TinyAutoencoderConfig::fromJson({{"num_encoder_blocks", {1, 3}}, {"num_decoder_blocks", {3}}}, "c.json"));
    }

    void wrongCheckpointListsAllMismatches() {
        // A TAESD (4-channel, no GroupNorm) encoder loaded into a TAEF2 architecture.
        TinyAutoencoder taesd(TinyAutoencoderConfig::taesd());
        TinyAutoencoder taef2(TinyAutoencoderConfig::taef2());
        TensorMap tensors = stateDict(taesd.encoder());
        tensors["99.weight"] = torch::zeros({1});
        try {
            taef2.loadEncoder(tensors, "taesd_encoder.safetensors");
            QFAIL("a TAESD checkpoint loaded into TAEF2");
        } catch (const Error& e) {
            const QString msg = QString::fromStdString(e.what());
            QCOMPARE(QString::fromStdString(e.subject()), QStringLiteral("taesd_encoder.safetensors"));
            QVERIFY2(msg.contains("15 tensor mismatches"), qPrintable(msg));  // 12 pool, 14.weight, 14.bias, 99
            QVERIFY2(msg.contains("shape of 14.weight is [4, 64, 3, 3], the architecture needs [32, 64, 3, 3]"),
                     qPrintable(msg));
            QVERIFY(msg.contains("missing 11.pool.0.weight [256, 64, 1, 1]"));
            QVERIFY(msg.contains("missing 13.pool.3.weight"));
            QVERIFY(msg.contains("unexpected 99.weight"));
        }
    }

    void checkpointDiscovery() {
        QTemporaryDir dir;
        QVERIFY_THROWS_EXCEPTION(Error, findTinyAutoencoderCheckpoint(dir.path().toStdString(), "encoder"));
        QVERIFY_THROWS_EXCEPTION(Error, findTinyAutoencoderCheckpoint(dir.filePath("absent").toStdString(), "encoder"));
        // Pickle is refused, with advice.
        const std::string pt = dir.filePath("taesd_encoder.pth").toStdString();
        std::ofstream(pt) << "not really a pickle";
        try {
            loadTinyAutoencoder(pt, pt);
            QFAIL("a .pth file was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(".pth"), e.what());
        }
        // Two candidates: the user must choose.
        TinyAutoencoder a;
        saveSafetensors(dir.filePath("a_encoder.safetensors").toStdString(), stateDict(a.encoder()));
        saveSafetensors(dir.filePath("b_encoder.safetensors").toStdString(), stateDict(a.encoder()));
        QVERIFY_THROWS_EXCEPTION(Error, findTinyAutoencoderCheckpoint(dir.path().toStdString(), "encoder"));
        // A decoder checkpoint is not an encoder.
        const std::string dec = dir.filePath("c_decoder.safetensors").toStdString();
        saveSafetensors(dec, stateDict(a.decoder()));
        QVERIFY_THROWS_EXCEPTION(Error, TinyAutoencoderConfig::inferFromEncoder(loadSafetensors(dec), dec));
    }

    void badInputsAreErrors() {
        TinyAutoencoder a;
        QVERIFY_THROWS_EXCEPTION(Error, a.encode(torch::rand({1, 3, 30, 32})));
        QVERIFY_THROWS_EXCEPTION(Error, a.encode(torch::rand({1, 4, 32, 32})));
        QVERIFY_THROWS_EXCEPTION(Error, a.decode(torch::rand({1, 32, 4, 4})));
    }

    void realTaef2Reconstructs_data() {
        QTest::addColumn<QString>("image");
        QTest::addColumn<double>("expectedPsnr");
        QTest::newRow("000000000009") << "000000000009" << 26.2;
        QTest::newRow("000000000025") << "000000000025" << 23.3;
        QTest::newRow("000000000030") << "000000000030" << 31.5;
    }
    void realTaef2Reconstructs() {
        QFETCH(QString, image);
        QFETCH(double, expectedPsnr);
        const QString models = sharedDir() + "/models/taef2";
        const QString path = sharedDir() + "/data/coco128/images/" + image + ".jpg";
        if (!QFileInfo::exists(models + "/taef2_encoder.safetensors") || !QFileInfo::exists(path))
            QSKIP("../shared/models/taef2 or ../shared/data/coco128 is absent");
        configureThreads();
        // The file is fp16; the module is fp32.
        SafetensorsFile file((models + "/taef2_encoder.safetensors").toStdString());
        QCOMPARE(QString::fromStdString(file.entry("0.weight").dtype), QStringLiteral("F16"));
        auto ae = loadTinyAutoencoder(models.toStdString());
        QCOMPARE(ae->config().latentChannels, 32);
        QVERIFY(ae->config().midblockGroupNorm);
        QCOMPARE(ae->dtype(), torch::kFloat);
        QVERIFY(std::abs(ae->encoderParameterCount() - 1340000) < 20000);
        QVERIFY(std::abs(ae->decoderParameterCount() - 1340000) < 20000);

        cv::Mat bgr = cv::imread(path.toStdString(), cv::IMREAD_COLOR), rgb, small;
        QVERIFY(!bgr.empty());
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        cv::resize(rgb, small, cv::Size(256, 256), 0, 0, cv::INTER_AREA);
        small.convertTo(small, CV_32FC3, 1.0 / 255.0);
        const auto x = torch::from_blob(small.data, {1, 256, 256, 3}, torch::kFloat).permute({0, 3, 1, 2}).clone();

        torch::NoGradGuard g;
        const auto z = ae->encode(x);
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{1, 32, 32, 32}));
        const double sd = z.std().item<double>();
        QVERIFY2(sd > 0.80 && sd < 0.93, qPrintable(QString::number(sd)));
        const double p = psnr(ae->decode(z), x);
        QVERIFY2(std::abs(p - expectedPsnr) <= 0.3, qPrintable(QString("PSNR %1 dB, expected %2").arg(p).arg(expectedPsnr)));
    }

    void spaceToDepthStem() {
        SpaceToDepthStemConfig c;
        c.latentChannels = 6;
        c.hiddenChannels = 16;
        c.hiddenLayers = 2;
        SpaceToDepthStem stem(c);
        randomise(*stem, 3);
        const auto keys = stateDict(*stem);
        QVERIFY(keys.count("proj_in.weight") && keys.count("blocks.1.bias") && keys.count("proj_out.weight"));
        QCOMPARE(keys.at("proj_in.weight").sizes().vec(), (std::vector<int64_t>{16, 3 * 64, 1, 1}));
        const auto x = torch::rand({2, 3, 64, 48});
        const auto z = stem->forward(x);
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{2, 6, 8, 6}));
        // Learnable: gradients reach the first layer.
        z.pow(2).mean().backward();
        QVERIFY(stem->named_parameters()["proj_in.weight"].grad().abs().sum().item<double>() > 0);

        QTemporaryDir dir;
        const std::string path = dir.filePath("stem.safetensors").toStdString();
        saveSafetensors(path, stateDict(*stem));
        SpaceToDepthStem other(SpaceToDepthStemConfig::fromJson(c.toJson(), "config.json"));
        loadStateDict(*other, loadSafetensors(path), path);
        torch::NoGradGuard g;
        QVERIFY(torch::equal(other->forward(x), stem->forward(x)));
        QVERIFY_THROWS_EXCEPTION(Error, stem->forward(torch::rand({1, 3, 60, 64})));
        QVERIFY_THROWS_EXCEPTION(Error, SpaceToDepthStemConfig::fromJson({{"downscale_factor", 0}}, "c.json"));
    }

    // Strided convolutions first, then the unshuffle for the rest of the factor; the output
    // normalisation gives a fresh stem a unit-scale latent (without it: a few hundredths).
    void stemWithStridedConvsAndOutputNorm() {
        SpaceToDepthStemConfig c;
        c.factor = 16;
        c.latentChannels = 8;
        c.hiddenChannels = 24;
        c.hiddenLayers = 1;
        c.downsampleChannels = {8, 12};
        c.outputNorm = true;
        torch::manual_seed(2);
        SpaceToDepthStem stem(c);
        const auto keys = stateDict(*stem);
        QVERIFY(keys.count("down.0.weight") && keys.count("down.1.weight") && keys.count("norm_out.weight"));
        QCOMPARE(keys.at("proj_in.weight").sizes().vec(), (std::vector<int64_t>{24, 12 * 16, 1, 1}));
        torch::NoGradGuard g;
        const auto x = torch::rand({2, 3, 64, 96}) * 2 - 1;
        const auto z = stem->forward(x);
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{2, 8, 4, 6}));
        QVERIFY(std::abs(z.std().item<double>() - 1) < 0.1);
        c.outputNorm = false;
        torch::manual_seed(2);
        SpaceToDepthStem plain(c);
        QVERIFY(plain->forward(x).std().item<double>() < 0.2);
        const auto back = SpaceToDepthStemConfig::fromJson(stem->config().toJson(), "config.json");
        QCOMPARE(back.downsampleChannels, (std::vector<int>{8, 12}));
        QVERIFY(back.outputNorm);
        // 16 is not divisible by the 2^5 of five strided convolutions.
        QVERIFY_THROWS_EXCEPTION(Error, SpaceToDepthStemConfig::fromJson(
                                            {{"downscale_factor", 16}, {"downsample_channels", {4, 4, 4, 4, 4}}}, "c.json"));
        QVERIFY_THROWS_EXCEPTION(Error, SpaceToDepthStemConfig::fromJson({{"output_norm", 1}}, "c.json"));
    }

    void deviceSelection() {
        QCOMPARE(selectDevice("cpu").type(), c10::kCPU);
        QCOMPARE(selectDevice("auto").is_cuda(), cudaAvailable());
        if (!cudaAvailable()) {
            try {
                selectDevice("cuda");
                QFAIL("cuda selected without CUDA");
            } catch (const Error& e) {
                QVERIFY(QString::fromStdString(e.what()).contains("CUDA is not available"));
            }
        }
        QVERIFY_THROWS_EXCEPTION(Error, selectDevice("tpu"));
        QVERIFY_THROWS_EXCEPTION(Error, selectDevice("cuda:x"));
        QCOMPARE(parseDType("bf16"), c10::kBFloat16);
        QCOMPARE(parseDType("fp16"), c10::kHalf);
        QCOMPARE(parseDType("FP32"), c10::kFloat);
        QVERIFY_THROWS_EXCEPTION(Error, parseDType("int8"));
        ComputeOptions o;
        o.device = "cpu";
        o.dtype = "fp16";
        QVERIFY_THROWS_EXCEPTION(Error, selectCompute(o));
        o.dtype = "bf16";
        o.threads = 2;
        const auto t = selectCompute(o);
        QCOMPARE(t.dtype, c10::kBFloat16);
        QCOMPARE(configureThreads(2), 2);
        QCOMPARE(torch::get_num_threads(), 2);
    }

    void bf16RunsOnCpu() {
        TinyAutoencoder a(TinyAutoencoderConfig::taef2());
        a.to(torch::kCPU, torch::kBFloat16);
        torch::NoGradGuard g;
        const auto z = a.encode(torch::rand({1, 3, 16, 16}));
        QCOMPARE(z.scalar_type(), torch::kBFloat16);
        QCOMPARE(a.decode(z).sizes().vec(), (std::vector<int64_t>{1, 3, 16, 16}));
    }
};

QTEST_GUILESS_MAIN(TestTinyAutoencoder)
#include "test_tiny_autoencoder.moc"
