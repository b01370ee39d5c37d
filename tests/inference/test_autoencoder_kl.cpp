// AutoencoderKL: parity with diffusers on reference-tiny's vae-tiny, legacy key names,
// save/reload and checked loading.
#include "core/error.h"
#include "inference/models/autoencoders/autoencoder_kl.h"
#include "inference/io/safetensors.h"
#include "inference/io/state_dict.h"

#include "support/reference_fixtures.h"

#include <QtTest>

#include <torch/torch.h>

using ld::AutoencoderKL;
using ld::AutoencoderKLConfig;

namespace {

using ld::test::maxAbsDiff;
using ld::test::referenceDir;

QString vaeDir() { return referenceDir() + "/vae-tiny"; }

AutoencoderKLConfig tinyConfig() {
    AutoencoderKLConfig c;
    c.blockOutChannels = {16, 32};
    c.downBlockTypes = {"DownEncoderBlock2D", "DownEncoderBlock2D"};
    c.upBlockTypes = {"UpDecoderBlock2D", "UpDecoderBlock2D"};
    c.normNumGroups = 4;
    return c;
}

}  // namespace

class TestAutoencoderKL : public QObject {
    Q_OBJECT

private slots:
    // One thread: these networks are tiny, and the shared build machine is often busy.
    void initTestCase() { torch::set_num_threads(1); }

    void referenceParity() {
        if (!QFileInfo::exists(vaeDir() + "/config.json"))
            QSKIP(qPrintable("reference fixtures not found at " + vaeDir() + " (the shared folder is absent)"));
        torch::NoGradGuard noGrad;
        auto vae = AutoencoderKL::fromPretrained(vaeDir().toStdString());
        QCOMPARE(ld::stateDict(*vae).size(), size_t(124));
        QCOMPARE(vae->parameterCount(), int64_t(658375));
        QCOMPARE(vae->config().scalingFactor, 0.18215);
        const ld::TensorMap io = ld::loadSafetensors((vaeDir() + "/io.safetensors").toStdString());
        std::map<std::string, torch::Tensor> debug;
        const ld::LatentDistribution dist = vae->encode(io.at("image"), &debug);
        const torch::Tensor decoded = vae->decode(io.at("latent_mean"), &debug);
        const std::map<std::string, torch::Tensor> ours{{"latent_mean", dist.mean},
                                                        {"latent_logvar", dist.logvar},
                                                        {"decoded", decoded},
                                                        {"debug.encoder", debug.at("encoder")},
                                                        {"debug.quant_conv", debug.at("quant_conv")},
                                                        {"debug.post_quant_conv", debug.at("post_quant_conv")},
                                                        {"debug.decoder.mid_block", debug.at("decoder.mid_block")}};
        for (const auto& [name, ref] : io) {
            if (name == "image") continue;
            QVERIFY2(ours.count(name), name.c_str());
            QCOMPARE(ours.at(name).sizes().vec(), ref.sizes().vec());
            const double err = maxAbsDiff(ours.at(name), ref);
            qInfo("%-26s max abs error %.3g", name.c_str(), err);
            QVERIFY2(err <= 1e-4, qPrintable(QString::fromStdString(name) + QString(" differs by %1").arg(err)));
        }
        // Decoding our own mean matches too (no scaling_factor anywhere in these tensors).
        QVERIFY(maxAbsDiff(vae->decode(dist.mean), io.at("decoded")) <= 1e-4);
    }

    // Old diffusers checkpoints: query/key/value/proj_attn, stored as 1x1 convolutions.
    void legacyAttentionKeysLoad() {
        torch::NoGradGuard noGrad;
        torch::manual_seed(2);
        AutoencoderKL vae(tinyConfig());
        vae.eval();
        ld::TensorMap legacy;
        int renamed = 0;
        for (const auto& [name, t] : ld::stateDict(vae)) {
            std::string n = name;
            torch::Tensor v = t.clone();
            for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
                     {".to_q.", ".query."}, {".to_k.", ".key."}, {".to_v.", ".value."}, {".to_out.0.", ".proj_attn."}}) {
                const auto at = n.find(from);
                if (at != std::string::npos) {
                    n.replace(at, from.size(), to);
                    if (v.dim() == 2) v = v.reshape({v.size(0), v.size(1), 1, 1});
                    ++renamed;
                }
            }
            legacy[n] = v;
        }
        QCOMPARE(renamed, 16);  // 4 projections x (weight, bias) x (encoder, decoder)
        QVERIFY(legacy.count("encoder.mid_block.attentions.0.query.weight"));
        torch::manual_seed(3);
        AutoencoderKL reloaded(tinyConfig());
        reloaded.eval();
        reloaded.load(legacy, "legacy.safetensors");
        const torch::Tensor x = torch::rand({1, 3, 16, 16}) * 2 - 1;
        QVERIFY(torch::equal(vae.encode(x).mean, reloaded.encode(x).mean));
        const torch::Tensor z = torch::linspace(-1, 1, 4 * 8 * 8).reshape({1, 4, 8, 8});
        QVERIFY(torch::equal(vae.decode(z), reloaded.decode(z)));
    }

    void saveReloadBitExact_data() {
        QTest::addColumn<bool>("attention");
        QTest::addColumn<bool>("quantConvs");
        QTest::newRow("mid attention, quant convs") << true << true;
        QTest::newRow("no mid attention, no quant convs") << false << false;
    }

    void saveReloadBitExact() {
        QFETCH(bool, attention);
        QFETCH(bool, quantConvs);
        torch::NoGradGuard noGrad;
        AutoencoderKLConfig c = tinyConfig();
        c.midBlockAddAttention = attention;
        c.useQuantConv = c.usePostQuantConv = quantConvs;
        torch::manual_seed(4);
        AutoencoderKL vae(c);
        vae.eval();
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::string path = tmp.filePath("vae.safetensors").toStdString();
        ld::saveSafetensors(path, ld::stateDict(vae));
        torch::manual_seed(5);
        AutoencoderKL reloaded(AutoencoderKLConfig::fromJson(c.toJson()));
        reloaded.eval();
        reloaded.loadFile(path);
        const torch::Tensor x = torch::rand({2, 3, 16, 16}) * 2 - 1;
        const auto d = vae.encode(x);
        QCOMPARE(d.mean.sizes().vec(), (std::vector<int64_t>{2, 4, 8, 8}));
        QVERIFY(d.logvar.max().item<double>() <= 20.0 && d.logvar.min().item<double>() >= -30.0);
        QVERIFY(torch::equal(d.mean, reloaded.encode(x).mean));
        const torch::Tensor y = vae.decode(d.mean);
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{2, 3, 16, 16}));
        QVERIFY(torch::equal(y, reloaded.decode(d.mean)));
        QCOMPARE(ld::stateDict(vae).count("encoder.mid_block.attentions.0.to_q.weight"), size_t(attention ? 1 : 0));
        QCOMPARE(ld::stateDict(vae).count("quant_conv.weight"), size_t(quantConvs ? 1 : 0));
        // Sampling uses the log-variance.
        auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
        QVERIFY(maxAbsDiff(d.sample(gen), d.mean) > 0);
    }

    void wrongInputsAndCheckpointsAreRefused() {
        torch::NoGradGuard noGrad;
        AutoencoderKL vae(tinyConfig());
        QVERIFY_THROWS_EXCEPTION(ld::Error, vae.encode(torch::zeros({1, 3, 15, 16})));
        QVERIFY_THROWS_EXCEPTION(ld::Error, vae.encode(torch::zeros({1, 4, 16, 16})));
        QVERIFY_THROWS_EXCEPTION(ld::Error, vae.decode(torch::zeros({1, 3, 8, 8})));
        AutoencoderKLConfig other = tinyConfig();
        other.blockOutChannels = {16, 48};
        AutoencoderKL wrong(other);
        try {
            vae.load(ld::stateDict(wrong), "other.safetensors");
            QFAIL("a mis-shaped checkpoint must be refused");
        } catch (const ld::Error& e) {
            QVERIFY(QString(e.what()).count("shape of") >= 10);
            QVERIFY(QString(e.what()).contains("decoder.mid_block.attentions.0.to_q.weight"));
        }
        nlohmann::json j = tinyConfig().toJson();
        j["down_block_types"] = {"DownEncoderBlock2D", "AttnDownEncoderBlock2D"};
        QVERIFY_THROWS_EXCEPTION(ld::Error, AutoencoderKLConfig::fromJson(j));
        j = tinyConfig().toJson();
        j["latents_mean"] = {0.0, 0.0, 0.0, 0.0};
        QVERIFY_THROWS_EXCEPTION(ld::Error, AutoencoderKLConfig::fromJson(j));
    }
};

QTEST_GUILESS_MAIN(TestAutoencoderKL)
#include "test_autoencoder_kl.moc"
