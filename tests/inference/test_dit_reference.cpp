// The Diffusion Transformers: parity with diffusers' PixArtTransformer2DModel and
// SD3Transformer2DModel on reference-tiny's dit-pixart-tiny and dit-sd3-tiny (every stored
// output and intermediate), shapes, save/reload and checked loading.
#include "core/error.h"
#include "inference/models/transformers/pixart_transformer.h"
#include "inference/io/safetensors.h"
#include "inference/models/transformers/sd3_transformer.h"
#include "inference/io/state_dict.h"

#include "support/reference_fixtures.h"

#include <QtTest>

#include <torch/torch.h>

#include <fstream>
#include <map>
#include <string>

using ld::PixArtTransformer2DModel;
using ld::PixArtTransformerConfig;
using ld::SD3Transformer2DModel;
using ld::SD3TransformerConfig;

namespace {

using ld::test::maxAbsDiff;
using ld::test::referenceDir;

using Outputs = std::map<std::string, torch::Tensor>;

const QStringList kFixtures{"dit-pixart-tiny", "dit-sd3-tiny"};

QString fixtureDir(const QString& name) { return referenceDir() + "/" + name; }

bool fixturesPresent() {
    for (const auto& f : kFixtures)
        if (!QFileInfo::exists(fixtureDir(f) + "/io.safetensors")) return false;
    return true;
}

// Everything our implementation produces for the fixture's inputs, under io.safetensors' names.
Outputs runFixture(const QString& fixture) {
    torch::NoGradGuard noGrad;
    const std::string dir = fixtureDir(fixture).toStdString();
    const ld::TensorMap io = ld::loadSafetensors(dir + "/io.safetensors");
    Outputs debug, out;
    if (fixture == "dit-pixart-tiny") {
        auto model = PixArtTransformer2DModel::fromPretrained(dir);
        out["sample"] = model->forward(io.at("hidden_states"), io.at("timestep"), io.at("encoder_hidden_states"),
                                       io.at("encoder_attention_mask"), &debug);
        out["debug.sample_no_mask"] =
            model->forward(io.at("hidden_states"), io.at("timestep"), io.at("encoder_hidden_states"));
    } else {
        auto model = SD3Transformer2DModel::fromPretrained(dir);
        out["sample"] = model->forward(io.at("hidden_states"), io.at("timestep"), io.at("encoder_hidden_states"),
                                       io.at("pooled_projections"), &debug);
    }
    for (const auto& [name, t] : debug) out["debug." + name] = t;
    return out;
}

PixArtTransformerConfig tinyPixArt() {
    PixArtTransformerConfig c;
    c.numAttentionHeads = 2;
    c.attentionHeadDim = 8;
    c.inChannels = 8;
    c.outChannels = 4;
    c.numLayers = 2;
    c.crossAttentionDim = 16;
    c.sampleSize = 16;
    c.captionChannels = 12;
    return c;
}

SD3TransformerConfig tinySD3() {
    SD3TransformerConfig c;
    c.sampleSize = 16;
    c.inChannels = 8;
    c.outChannels = 4;
    c.numLayers = 2;
    c.attentionHeadDim = 8;
    c.numAttentionHeads = 2;
    c.jointAttentionDim = 12;
    c.captionProjectionDim = 16;
    c.pooledProjectionDim = 10;
    c.posEmbedMaxSize = 16;
    return c;
}

// Random, but not the initialisation: every weight moved so no layer is an identity or zero.
template <typename Model>
void perturb(Model& model, uint64_t seed) {
    torch::NoGradGuard noGrad;
    torch::manual_seed(seed);
    for (auto& p : model.parameters()) p.add_(torch::randn_like(p) * 0.05);
}

std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const ld::Error& e) {
        return e.what();
    }
    return "(no ld::Error)";
}

void writeText(const QString& path, const std::string& text) {
    std::ofstream(path.toStdString()) << text;
}

}  // namespace

class TestDitReference : public QObject {
    Q_OBJECT

    std::map<QString, Outputs> cache_;

    const Outputs& outputs(const QString& fixture) {
        auto it = cache_.find(fixture);
        if (it == cache_.end()) it = cache_.emplace(fixture, runFixture(fixture)).first;
        return it->second;
    }

private slots:
    // One thread: these networks are tiny, and the shared build machine is often busy.
    void initTestCase() { torch::set_num_threads(1); }

    void referenceParity_data() {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("tensor");
        if (!fixturesPresent()) {
            QTest::newRow("fixtures absent") << QString() << QString();
            return;
        }
        const QStringList inputs{"hidden_states", "encoder_hidden_states", "timestep", "encoder_attention_mask",
                                 "pooled_projections"};
        for (const auto& f : kFixtures) {
            const ld::SafetensorsFile io((fixtureDir(f) + "/io.safetensors").toStdString());
            for (const auto& e : io.entries()) {
                const QString name = QString::fromStdString(e.name);
                if (!inputs.contains(name)) QTest::newRow(qPrintable(f + ": " + name)) << f << name;
            }
        }
    }

    void referenceParity() {
        QFETCH(QString, fixture);
        QFETCH(QString, tensor);
        if (fixture.isEmpty())
            QSKIP(qPrintable("reference fixtures not found under " + referenceDir() + " (the shared folder is absent)"));
        const Outputs& ours = outputs(fixture);
        const std::string name = tensor.toStdString();
        const torch::Tensor ref = ld::SafetensorsFile((fixtureDir(fixture) + "/io.safetensors").toStdString()).tensor(name);
        QVERIFY2(ours.count(name), qPrintable("no output named " + tensor));
        QCOMPARE(ours.at(name).sizes().vec(), ref.sizes().vec());
        const double err = maxAbsDiff(ours.at(name), ref);
        const double scale = ref.abs().max().item<double>();
        qInfo("%-16s %-40s max abs error %.3g (relative to max|ref| %.3g: %.3g)", qPrintable(fixture), name.c_str(),
              err, scale, scale > 0 ? err / scale : err);
        QVERIFY2(err <= 1e-5, qPrintable(tensor + QString(" differs by %1").arg(err)));
    }

    void referenceWeightCounts() {
        if (!fixturesPresent())
            QSKIP(qPrintable("reference fixtures not found under " + referenceDir() + " (the shared folder is absent)"));
        auto pixart = PixArtTransformer2DModel::fromPretrained(fixtureDir("dit-pixart-tiny").toStdString());
        QCOMPARE(ld::stateDict(*pixart).size(), size_t(57));
        QCOMPARE(pixart->parameterCount(), int64_t(53104));
        auto sd3 = SD3Transformer2DModel::fromPretrained(fixtureDir("dit-sd3-tiny").toStdString());
        QCOMPARE(ld::stateDict(*sd3).size(), size_t(67));
        QCOMPARE(sd3->parameterCount(), int64_t(77520));
        // The stored table is the one the config describes (it was never perturbed).
        ld::PatchEmbedOptions o = sd3->pos_embed->options();
        QVERIFY(torch::equal(sd3->pos_embed->pos_embed,
                             ld::sincosPositionTable(o.embedDim, o.posEmbedMaxSize, o.posEmbedMaxSize,
                                                     double(o.height / o.patchSize), 1.0)));
    }

    // Masked caption tokens do not matter at all; an all-ones mask is the same as none.
    void pixartCaptionMask() {
        torch::NoGradGuard noGrad;
        torch::manual_seed(1);
        PixArtTransformer2DModel model(tinyPixArt());
        perturb(model, 2);
        const torch::Tensor x = torch::randn({2, 8, 16, 16});
        torch::Tensor caption = torch::randn({2, 5, 12});
        const torch::Tensor t = torch::tensor({999, 3});
        const torch::Tensor mask = torch::tensor({{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}});
        const torch::Tensor out = model.forward(x, t, caption, mask);
        QVERIFY(torch::equal(model.forward(x, t, caption, torch::ones({2, 5}, torch::kLong)), model.forward(x, t, caption)));
        QVERIFY(maxAbsDiff(out, model.forward(x, t, caption)) > 1e-4);
        caption.index_put_({1, torch::indexing::Slice(3)}, 100.0);
        QVERIFY(maxAbsDiff(out, model.forward(x, t, caption, mask.to(torch::kBool))) <= 1e-6);
        QVERIFY_THROWS_EXCEPTION(ld::Error, model.forward(x, t, caption, torch::ones({2, 4})));
    }

    // The two ends of the time range that label diffusion leans on: t = 0 (a clean latent,
    // GenMask's image tokens) and t = 1, which the network sees as σ·T = 1000 (pure noise,
    // where one-step inference starts). At both, the sinusoid is diffusers' [cos, sin],
    // each sample of a batch is modulated by its own t, and the timestep reaches the
    // network only through the AdaLN modulation.
    void adaLnAtZeroAndOne_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<double>("t");
        for (const char* m : {"pixart", "sd3"}) {
            QTest::newRow(qPrintable(QString(m) + " t = 0")) << QString(m) << 0.0;
            QTest::newRow(qPrintable(QString(m) + " t = 1 (1000)")) << QString(m) << 1000.0;
        }
    }

    void adaLnAtZeroAndOne() {
        QFETCH(QString, model);
        QFETCH(double, t);
        torch::NoGradGuard noGrad;
        torch::manual_seed(8);
        const torch::Tensor x = torch::randn({2, 8, 16, 16});
        const torch::Tensor caption = torch::randn({2, 5, 12}), pooled = torch::randn({2, 10});
        const double other = t == 0 ? 1000.0 : 0.0;
        const torch::Tensor ts = torch::tensor({t, other}), swapped = torch::tensor({other, t});
        std::shared_ptr<torch::nn::Module> net;
        std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&, Outputs*)> run;
        std::string projName;
        if (model == "pixart") {
            auto m = std::make_shared<PixArtTransformer2DModel>(tinyPixArt());
            run = [m, caption](const torch::Tensor& in, const torch::Tensor& tt, Outputs* d) {
                return m->forward(in, tt, caption, {}, d);
            };
            net = m;
            projName = "adaln_single.emb.time_proj";
        } else {
            auto m = std::make_shared<SD3Transformer2DModel>(tinySD3());
            run = [m, caption, pooled](const torch::Tensor& in, const torch::Tensor& tt, Outputs* d) {
                return m->forward(in, tt, caption, pooled, d);
            };
            net = m;
            projName = "time_text_embed.time_proj";
        }
        perturb(*net, 9);

        Outputs debug;
        const torch::Tensor out = run(x, ts, &debug);
        const torch::Tensor freqs = torch::exp(-std::log(10000.0) * torch::arange(128, torch::kFloat) / 128.0);
        const torch::Tensor expected = torch::cat({torch::cos(t * freqs), torch::sin(t * freqs)});
        QVERIFY(maxAbsDiff(debug.at(projName).select(0, 0), expected) <= 1e-5);
        if (t == 0) QVERIFY(torch::equal(debug.at(projName).select(0, 0), torch::cat({torch::ones(128), torch::zeros(128)})));

        // Each sample has its own modulation: a batch of mixed timesteps gives each row what
        // a batch of that row's timestep gives.
        const torch::Tensor same = run(x, torch::full({2}, t), nullptr);
        QVERIFY(maxAbsDiff(out.select(0, 0), same.select(0, 0)) <= 1e-5);
        QVERIFY(maxAbsDiff(out.select(0, 1), run(x, torch::full({2}, other), nullptr).select(0, 1)) <= 1e-5);
        QVERIFY2(maxAbsDiff(out.select(0, 1), same.select(0, 1)) > 1e-4, "t = 0 and t = 1 give the same output");

        // Without the timestep embedder's second layer the modulation is constant in t.
        for (auto& item : net->named_parameters())
            if (item.key().find("timestep_embedder.linear_2.weight") != std::string::npos) item.value().zero_();
        QVERIFY(torch::equal(run(x, ts, nullptr), run(x, swapped, nullptr)));
    }

    void shapes_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("patch");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("width");
        for (const char* m : {"pixart", "sd3"}) {
            QTest::newRow(qPrintable(QString(m) + " p2 16x16")) << QString(m) << 2 << 16 << 16;
            QTest::newRow(qPrintable(QString(m) + " p2 12x20")) << QString(m) << 2 << 12 << 20;
            QTest::newRow(qPrintable(QString(m) + " p1 8x8")) << QString(m) << 1 << 8 << 8;
        }
    }

    void shapes() {
        QFETCH(QString, model);
        QFETCH(int, patch);
        QFETCH(int, height);
        QFETCH(int, width);
        torch::NoGradGuard noGrad;
        torch::manual_seed(3);
        const torch::Tensor x = torch::randn({3, 8, height, width});
        const torch::Tensor t = torch::tensor({0.0, 500.0, 999.0});
        torch::Tensor out, again;
        if (model == "pixart") {
            PixArtTransformerConfig c = tinyPixArt();
            c.patchSize = patch;
            PixArtTransformer2DModel m(c);
            const torch::Tensor caption = torch::randn({3, 5, 12});
            out = m.forward(x, t, caption);
            // A scalar timestep applies to the whole batch.
            QVERIFY(torch::equal(m.forward(x, torch::tensor(500.0), caption).select(0, 1), out.select(0, 1)));
            QVERIFY_THROWS_EXCEPTION(ld::Error, m.forward(torch::randn({3, 7, height, width}), t, caption));
            if (patch > 1)
                QVERIFY_THROWS_EXCEPTION(ld::Error, m.forward(torch::randn({3, 8, height + 1, width}), t, caption));
        } else {
            SD3TransformerConfig c = tinySD3();
            c.patchSize = patch;
            SD3Transformer2DModel m(c);
            const torch::Tensor caption = torch::randn({3, 5, 12}), pooled = torch::randn({3, 10});
            out = m.forward(x, t, caption, pooled);
            QVERIFY(torch::equal(m.forward(x, torch::tensor(500.0), caption, pooled).select(0, 1), out.select(0, 1)));
            QVERIFY_THROWS_EXCEPTION(ld::Error, m.forward(x, t, caption, torch::randn({3, 9})));
            // More patches than the stored table has positions.
            QVERIFY_THROWS_EXCEPTION(ld::Error, m.forward(torch::randn({1, 8, 34 * patch, 8}), t.slice(0, 0, 1),
                                                          caption.slice(0, 0, 1), pooled.slice(0, 0, 1)));
        }
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{3, 4, height, width}));
        QVERIFY(torch::isfinite(out).all().item<bool>());
    }

    void saveReloadBitExact_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("pixart") << "pixart";
        QTest::newRow("sd3") << "sd3";
    }

    void saveReloadBitExact() {
        QFETCH(QString, model);
        torch::NoGradGuard noGrad;
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::string folder = tmp.filePath("transformer").toStdString();
        torch::manual_seed(4);
        const torch::Tensor x = torch::randn({2, 8, 16, 16});
        const torch::Tensor caption = torch::randn({2, 5, 12});
        const torch::Tensor t = torch::tensor({10, 900});
        if (model == "pixart") {
            PixArtTransformer2DModel m(tinyPixArt());
            m.eval();
            perturb(m, 5);
            m.save(folder);
            auto reloaded = PixArtTransformer2DModel::fromPretrained(folder);
            const torch::Tensor mask = torch::tensor({{1, 1, 1, 1, 0}, {1, 1, 1, 1, 1}});
            QVERIFY(torch::equal(m.forward(x, t, caption, mask), reloaded->forward(x, t, caption, mask)));
            QCOMPARE(reloaded->config().toJson(), m.config().toJson());
        } else {
            SD3TransformerConfig c = tinySD3();
            c.numLayers = 3;
            SD3Transformer2DModel m(c);
            m.eval();
            perturb(m, 6);
            m.save(folder);
            auto reloaded = SD3Transformer2DModel::fromPretrained(folder);
            const torch::Tensor pooled = torch::randn({2, 10});
            QVERIFY(torch::equal(m.forward(x, t, caption, pooled), reloaded->forward(x, t, caption, pooled)));
            QCOMPARE(reloaded->config().toJson(), m.config().toJson());
            QCOMPARE(ld::stateDict(*reloaded).count("transformer_blocks.1.attn.to_add_out.weight"), size_t(1));
            QCOMPARE(ld::stateDict(*reloaded).count("transformer_blocks.2.attn.to_add_out.weight"), size_t(0));
        }
    }

    // A folder whose weights lack a key or hold one of the wrong shape names the file and the key.
    void badWeightsNameFileAndKey_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("key");
        QTest::addColumn<bool>("drop");
        QTest::newRow("pixart missing") << "pixart" << "transformer_blocks.1.scale_shift_table" << true;
        QTest::newRow("pixart wrong shape") << "pixart" << "caption_projection.linear_1.weight" << false;
        QTest::newRow("sd3 missing") << "sd3" << "transformer_blocks.0.attn.add_k_proj.bias" << true;
        QTest::newRow("sd3 wrong shape") << "sd3" << "pos_embed.pos_embed" << false;
    }

    void badWeightsNameFileAndKey() {
        QFETCH(QString, model);
        QFETCH(QString, key);
        QFETCH(bool, drop);
        torch::NoGradGuard noGrad;
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::string folder = tmp.filePath("transformer").toStdString();
        const std::string weights = folder + "/diffusion_pytorch_model.safetensors";
        if (model == "pixart")
            PixArtTransformer2DModel(tinyPixArt()).save(folder);
        else
            SD3Transformer2DModel(tinySD3()).save(folder);
        ld::TensorMap tensors = ld::loadSafetensors(weights);
        const std::string k = key.toStdString();
        QVERIFY(tensors.count(k));
        if (drop)
            tensors.erase(k);
        else
            tensors[k] = torch::zeros({tensors[k].size(0) + 1, tensors[k].size(-1)});
        ld::saveSafetensors(weights, tensors);
        const std::string msg = errorOf([&] {
            if (model == "pixart")
                PixArtTransformer2DModel::fromPretrained(folder);
            else
                SD3Transformer2DModel::fromPretrained(folder);
        });
        QVERIFY2(msg.find(weights) != std::string::npos, msg.c_str());
        QVERIFY2(msg.find((drop ? "missing " : "shape of ") + k) != std::string::npos, msg.c_str());
    }

    void unsupportedConfigsAreRefused_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("key");
        const QString pixart = R"({"_class_name": "PixArtTransformer2DModel", "sample_size": 16, %1})";
        QTest::newRow("pixart norm_type") << "pixart" << pixart.arg(R"("norm_type": "ada_norm_zero")") << "norm_type";
        QTest::newRow("pixart additional conditions")
            << "pixart" << pixart.arg(R"("use_additional_conditions": true)") << "use_additional_conditions";
        QTest::newRow("pixart 1024px default")
            << "pixart" << R"({"_class_name": "PixArtTransformer2DModel"})" << "use_additional_conditions";
        QTest::newRow("pixart activation") << "pixart" << pixart.arg(R"("activation_fn": "geglu")") << "activation_fn";
        QTest::newRow("pixart wrong type") << "pixart" << pixart.arg(R"("num_layers": "two")") << "num_layers";
        const QString sd3 = R"({"_class_name": "SD3Transformer2DModel", %1})";
        QTest::newRow("sd3 qk_norm") << "sd3" << sd3.arg(R"("qk_norm": "rms_norm")") << "qk_norm";
        QTest::newRow("sd3 dual attention") << "sd3" << sd3.arg(R"("dual_attention_layers": [0, 1])")
                                            << "dual_attention_layers";
        QTest::newRow("sd3 caption width") << "sd3" << sd3.arg(R"("caption_projection_dim": 1000)")
                                           << "caption_projection_dim";
    }

    void unsupportedConfigsAreRefused() {
        QFETCH(QString, model);
        QFETCH(QString, json);
        QFETCH(QString, key);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString path = tmp.filePath("config.json");
        writeText(path, json.toStdString());
        const std::string msg = errorOf([&] {
            if (model == "pixart")
                PixArtTransformerConfig::fromJsonFile(path.toStdString());
            else
                SD3TransformerConfig::fromJsonFile(path.toStdString());
        });
        QVERIFY2(msg.find(path.toStdString()) != std::string::npos, msg.c_str());
        QVERIFY2(msg.find(key.toStdString()) != std::string::npos, msg.c_str());
    }

    // The stored fixture configs read back as what they say.
    void fixtureConfigs() {
        if (!fixturesPresent())
            QSKIP(qPrintable("reference fixtures not found under " + referenceDir() + " (the shared folder is absent)"));
        const auto p = PixArtTransformerConfig::fromJsonFile((fixtureDir("dit-pixart-tiny") + "/config.json").toStdString());
        QCOMPARE(p.innerDim(), 32);
        QCOMPARE(p.captionChannels, 24);
        QCOMPARE(p.effectiveInterpolationScale(), 1.0);
        const auto s = SD3TransformerConfig::fromJsonFile((fixtureDir("dit-sd3-tiny") + "/config.json").toStdString());
        QCOMPARE(s.posEmbedMaxSize, 32);
        QCOMPARE(s.pooledProjectionDim, 20);
    }
};

QTEST_GUILESS_MAIN(TestDitReference)
#include "test_dit_reference.moc"
