// What a DiT denoiser is conditioned on, beyond the reference networks: the phrase's
// padding mask through ld::runDenoiser, GenMask's image shortcut as a token sequence
// (image tokens modulated at t = 0, only mask tokens decoded), from-scratch DiTs of both
// classes from a model spec, and one-step inference from zero instead of noise.
#include "core/error.h"
#include "inference/pipeline/conditioning.h"
#include "inference/runtime/cuda_autocast.h"
#include "inference/runtime/device.h"
#include "inference/io/model_directory.h"
#include "inference/io/model_writer.h"
#include "inference/models/transformers/pixart_transformer.h"
#include "inference/pipeline/sampler.h"
#include "inference/models/transformers/sd3_transformer.h"

#include "support/tiny_model.h"
#include "support/tiny_training.h"

#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>
#include <torch/torch.h>

using namespace ld;
using json = nlohmann::json;

namespace {

double maxAbs(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

cv::Mat testImage(int w, int h, int seed) {
    cv::Mat m(h, w, CV_8UC3);
    cv::RNG rng(static_cast<uint64_t>(seed));
    rng.fill(m, cv::RNG::UNIFORM, 0, 256);
    return m;
}

// Every weight moved off its initialisation (gates and tables start near zero).
void perturb(torch::nn::Module& model, uint64_t seed) {
    torch::NoGradGuard noGrad;
    torch::manual_seed(seed);
    for (auto& p : model.parameters()) p.add_(torch::randn_like(p) * 0.05);
}

// 2 mask + 3 image channels, 8 x 8 latent, patch 2: 16 mask tokens and 16 image tokens.
PixArtTransformerConfig sequencePixArt() {
    PixArtTransformerConfig c;
    c.numAttentionHeads = 2;
    c.attentionHeadDim = 8;
    c.inChannels = 2;
    c.outChannels = 2;
    c.numLayers = 2;
    c.crossAttentionDim = 16;
    c.sampleSize = 8;
    c.captionChannels = 12;
    c.imageShortcut = "sequence";
    c.imageChannels = 3;
    return c;
}

// The sequence-mode forward assembled by hand from the model's own parts, with the image
// tokens modulated at `imageT`: the model must agree for imageT = 0 and only then.
torch::Tensor handAssembled(PixArtTransformer2DModel& m, const torch::Tensor& x, const torch::Tensor& t,
                            const torch::Tensor& imageT, const torch::Tensor& caption) {
    const auto& c = m.config();
    const int64_t b = x.size(0), gh = x.size(2) / c.patchSize, gw = x.size(3) / c.patchSize;
    auto modulationAt = [&](const torch::Tensor& tt) {
        auto emb = m.adaln_single->timestep_embedder(timestepEmbedding(tt.to(torch::kFloat), 256, true, 0));
        return std::make_pair(emb, m.adaln_single->linear(torch::silu(emb)));
    };
    const auto [embT, modT] = modulationAt(t);
    const auto [emb0, mod0] = modulationAt(imageT);
    torch::Tensor maskTokens = m.pos_embed(x.slice(1, 0, c.inChannels));
    torch::Tensor imageTokens = m.image_embed(x.slice(1, c.inChannels));
    const int64_t n = maskTokens.size(1);
    torch::Tensor h = torch::cat({maskTokens, imageTokens}, 1);
    const torch::Tensor perToken = torch::cat({modT.unsqueeze(1).expand({b, n, -1}), mod0.unsqueeze(1).expand({b, n, -1})}, 1);
    const torch::Tensor ctx = m.caption_projection(caption);
    for (auto& block : *m.transformer_blocks) h = block->as<PixArtBlockImpl>()->forward(h, perToken, ctx, {});
    const auto ss = (m.scale_shift_table.unsqueeze(0) + embT.unsqueeze(1)).unbind(1);
    h = m.proj_out(modulate(layerNormNoAffine(h.slice(1, 0, n), 1e-6), ss[0], ss[1]));
    return unpatchify(h, gh, gw, c.patchSize, c.outChannels);
}

}  // namespace

class TestDitConditioning : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    std::string tinyModel(const std::string& name, const std::string& denoiser) {
        test::TinyModelSpec spec;
        spec.denoiser = denoiser;
        return test::writeTinyModel((dir_.path() + "/" + QString::fromStdString(name)).toStdString(), spec);
    }

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    // The keep-mask marks start, words and end; what the padding holds then cannot matter
    // to PixArt through runDenoiser, while without the mask it does.
    void captionMaskReachesPixArt_data() {
        QTest::addColumn<QString>("phrase");
        QTest::addColumn<int>("tokens");
        QTest::newRow("one word") << "circle" << 3;
        QTest::newRow("two words") << "square circle" << 4;
        QTest::newRow("empty") << "" << 2;
    }
    void captionMaskReachesPixArt() {
        QFETCH(QString, phrase);
        QFETCH(int, tokens);
        torch::NoGradGuard noGrad;
        const auto m = ModelDirectory::open(tinyModel("pixart-mask", "pixart"));
        perturb(*m->pixart, 11);
        const std::vector<std::string> phrases{phrase.toStdString()};
        const torch::Tensor keep = phraseKeepMask(*m, phrases);
        QCOMPARE(keep.sizes().vec(), (std::vector<int64_t>{1, 8}));
        QCOMPARE(keep.sum().item<int64_t>(), int64_t(tokens));
        QCOMPARE(keep.slice(1, 0, tokens).min().item<int64_t>(), int64_t(1));

        const torch::Tensor ctx = encodePhrases(*m, phrases);
        torch::Tensor garbage = ctx.clone();
        garbage.slice(1, tokens).fill_(50.0);
        torch::manual_seed(12);
        const torch::Tensor in = torch::randn({1, 5, 16, 16});
        const torch::Tensor t = torch::tensor({700.0});
        const torch::Tensor out = runDenoiser(*m, in, t, ctx, keep);
        QVERIFY(maxAbs(out, runDenoiser(*m, in, t, garbage, keep)) <= 1e-6);
        QVERIFY(maxAbs(out, runDenoiser(*m, in, t, garbage)) > 1e-3);
        QVERIFY(maxAbs(out, runDenoiser(*m, in, t, ctx)) > 1e-5);
    }

    void nullConditioningIsReadWhole() {
        const auto m = ModelDirectory::open(tinyModel("pixart-null", "pixart"));
        QVERIFY(m->textEncoder->hasNullEmbedding());
        QVERIFY(torch::equal(nullKeepMask(*m, 3), torch::ones({3, 8}, torch::kLong)));
    }

    void sequenceShortcutModulatesImageTokensAtZero_data() {
        QTest::addColumn<double>("t");
        QTest::newRow("t = 0") << 0.0;
        QTest::newRow("t = 500") << 500.0;
        QTest::newRow("t = 1 (1000)") << 1000.0;
    }
    void sequenceShortcutModulatesImageTokensAtZero() {
        QFETCH(double, t);
        torch::NoGradGuard noGrad;
        torch::manual_seed(13);
        PixArtTransformer2DModel m(sequencePixArt());
        perturb(m, 14);
        const torch::Tensor x = torch::randn({2, 5, 8, 8});
        const torch::Tensor caption = torch::randn({2, 4, 12});
        const torch::Tensor ts = torch::full({2}, t);
        std::map<std::string, torch::Tensor> debug;
        const torch::Tensor out = m.forward(x, ts, caption, {}, &debug);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{2, 2, 8, 8}));
        QCOMPARE(debug.at("image_embed").sizes().vec(), (std::vector<int64_t>{2, 16, 16}));

        QVERIFY(maxAbs(out, handAssembled(m, x, ts, torch::zeros({2}), caption)) <= 1e-5);
        const double asIfNoisy = maxAbs(out, handAssembled(m, x, ts, ts, caption));
        if (t > 0) QVERIFY2(asIfNoisy > 1e-4, "the image tokens' modulation does not depend on their timestep");
        else QVERIFY(asIfNoisy <= 1e-5);

        // The image reaches the mask through attention; the input's mask channels are not
        // read as image and vice versa (changing one half changes the output, the other
        // channels unchanged).
        torch::Tensor otherImage = x.clone();
        otherImage.slice(1, 2).normal_();
        QVERIFY(maxAbs(out, m.forward(otherImage, ts, caption)) > 1e-4);
        QVERIFY_THROWS_EXCEPTION(Error, m.forward(x.slice(1, 0, 2), ts, caption));
    }

    void sequenceShortcutConfigIsChecked() {
        PixArtTransformerConfig c = sequencePixArt();
        QCOMPARE(c.toJson().at("image_shortcut"), json("sequence"));
        QCOMPARE(PixArtTransformerConfig::fromJson(c.toJson()).inputChannels(), 5);
        PixArtTransformerConfig channels = sequencePixArt();
        channels.imageShortcut = "channels";
        channels.imageChannels = 0;
        QVERIFY(!channels.toJson().contains("image_shortcut"));  // diffusers' own config
        json bad = c.toJson();
        bad["image_channels"] = 0;
        QVERIFY_THROWS_EXCEPTION(Error, PixArtTransformerConfig::fromJson(bad));
        bad = c.toJson();
        bad["image_shortcut"] = "sideways";
        QVERIFY_THROWS_EXCEPTION(Error, PixArtTransformerConfig::fromJson(bad));
    }

    // Both DiT classes and both PixArt shortcuts from a model spec: the directory opens with
    // the right denoiser, samples, and a rewritten copy samples identically.
    void fromScratchSpec_data() {
        QTest::addColumn<QString>("denoiser");
        QTest::addColumn<QString>("shortcut");
        QTest::addColumn<QString>("card");
        QTest::newRow("PixArt, channels") << "dit" << "channels" << "pixart";
        QTest::newRow("PixArt, sequence") << "dit" << "sequence" << "pixart";
        QTest::newRow("SD3") << "sd3" << "channels" << "sd3";
    }
    void fromScratchSpec() {
        QFETCH(QString, denoiser);
        QFETCH(QString, shortcut);
        QFETCH(QString, card);
        json j = test::tinyTrainingModel();
        j["phrases"] = {"circle", "square"};
        j["denoiser"] = denoiser.toStdString();
        j["image_shortcut"] = shortcut.toStdString();
        j["num_layers"] = 2;
        j["num_attention_heads"] = 2;
        j["attention_head_dim"] = 8;
        j["patch_size"] = 2;
        const FromScratchSpec spec = FromScratchSpec::fromJson(j, "spec");
        QCOMPARE(QString::fromStdString(FromScratchSpec::fromJson(spec.toJson(), "again").imageShortcut), shortcut);
        const std::string path = (dir_.path() + "/scratch-" + card + "-" + shortcut).toStdString();
        writeFromScratchModel(spec, path);
        const auto m = ModelDirectory::open(path);
        QCOMPARE(QString::fromStdString(m->card().denoiser), card);
        QCOMPARE(bool(m->sd3), card == "sd3");
        if (m->pixart) QCOMPARE(QString::fromStdString(m->pixart->config().imageShortcut), shortcut);
        if (m->sd3) QCOMPARE(m->sd3->config().pooledProjectionDim, m->textEncoder->config().hiddenSize);

        const cv::Mat image = testImage(40, 24, 15);
        const auto a = Sampler::open(path, {"cpu"})->segment(image, "circle", {});
        QCOMPARE(a.soft.mat().cols, 40);
        writeModelDirectory(*m, m->card(), path + "-rewritten");
        const auto b = Sampler::open(path + "-rewritten", {"cpu"})->segment(image, "circle", {});
        QCOMPARE(cv::norm(a.soft.mat(), b.soft.mat(), cv::NORM_INF), 0.0);
    }

    void sequenceShortcutNeedsPixArt() {
        json j = test::tinyTrainingModel();
        j["denoiser"] = "sd3";
        j["image_shortcut"] = "sequence";
        try {
            FromScratchSpec::fromJson(j, "my-spec.json");
            QFAIL("an SD3 spec with a sequence shortcut was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("my-spec.json") != std::string::npos, e.what());
        }
    }

    // One step from zero is one deterministic answer: no seed moves it, the ensemble is one
    // member, and it is not the answer from noise.
    void oneStepFromZero_data() {
        QTest::addColumn<QString>("denoiser");
        QTest::newRow("U-Net") << "unet";
        QTest::newRow("PixArt") << "pixart";
    }
    void oneStepFromZero() {
        QFETCH(QString, denoiser);
        auto s = Sampler::open(tinyModel("zero-" + denoiser.toStdString(), denoiser.toStdString()), {"cpu"});
        const cv::Mat image = testImage(32, 32, 16);
        SamplerSettings zero;
        zero.steps = 1;
        zero.start = "zero";
        zero.ensemble = 4;
        zero.seed = 1;
        const auto a = s->segment(image, "square", zero);
        QCOMPARE(a.settings.ensemble, 1);
        zero.seed = 99;
        const auto b = s->segment(image, "square", zero);
        QCOMPARE(cv::norm(a.soft.mat(), b.soft.mat(), cv::NORM_INF), 0.0);
        SamplerSettings noise = zero;
        noise.start = "noise";
        noise.ensemble = 1;
        const auto c = s->segment(image, "square", noise);
        QCOMPARE(QString::fromStdString(c.settings.start), QString("noise"));
        QVERIFY(cv::norm(a.soft.mat(), c.soft.mat(), cv::NORM_INF) > 1e-4);
        SamplerSettings bad;
        bad.start = "ones";
        QVERIFY_THROWS_EXCEPTION(Error, s->segment(image, "square", bad));
    }

    // Autocast is a CUDA option: on the CPU the masks are bit-identical with and without it;
    // on CUDA (when present) it is in effect inside the guard only and stays close to fp32.
    void autocastLeavesTheCpuAlone() {
        QCOMPARE(parseAutocast("bf16").value(), c10::kBFloat16);
        QCOMPARE(parseAutocast("half").value(), c10::kHalf);
        QVERIFY(!parseAutocast("off").has_value());
        QVERIFY_THROWS_EXCEPTION(Error, parseAutocast("fp32"));
        QVERIFY_THROWS_EXCEPTION(Error, parseAutocast("int8"));
        {
            CudaAutocast guard(torch::Device(torch::kCPU), c10::kBFloat16);
            QVERIFY(!guard.active());
        }
        const std::string path = tinyModel("autocast", "pixart");
        const cv::Mat image = testImage(32, 32, 17);
        SamplerOptions plain{"cpu"}, mixed{"cpu"};
        mixed.autocast = "bf16";
        const auto a = Sampler::open(path, plain)->segment(image, "circle", {});
        const auto b = Sampler::open(path, mixed)->segment(image, "circle", {});
        QCOMPARE(cv::norm(a.soft.mat(), b.soft.mat(), cv::NORM_INF), 0.0);
        SamplerOptions bad{"cpu"};
        bad.autocast = "fp64";
        QVERIFY_THROWS_EXCEPTION(Error, Sampler::open(path, bad));
        if (!cudaAvailable()) return;
        {
            CudaAutocast guard(torch::Device(torch::kCUDA), c10::kBFloat16);
            QVERIFY(guard.active());
            QCOMPARE(torch::matmul(torch::ones({2, 2}, torch::kCUDA), torch::ones({2, 2}, torch::kCUDA)).scalar_type(),
                     c10::kBFloat16);
        }
        QCOMPARE(torch::matmul(torch::ones({2, 2}, torch::kCUDA), torch::ones({2, 2}, torch::kCUDA)).scalar_type(),
                 c10::kFloat);
        SamplerOptions gpu{"cuda"}, gpuMixed{"cuda"};
        gpuMixed.autocast = "bf16";
        const auto c = Sampler::open(path, gpu)->segment(image, "circle", {});
        const auto d = Sampler::open(path, gpuMixed)->segment(image, "circle", {});
        QVERIFY(cv::norm(c.soft.mat(), d.soft.mat(), cv::NORM_INF) < 0.05);
    }
};

QTEST_GUILESS_MAIN(TestDitConditioning)
#include "test_dit_conditioning.moc"
