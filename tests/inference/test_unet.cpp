// UNet2DConditionModel: number-for-number parity with diffusers on the reference-tiny
// fixtures, and behaviour of tiny random U-Nets in the configurations LabelDiff uses.
#include "core/error.h"
#include "inference/io/safetensors.h"
#include "inference/io/state_dict.h"
#include "inference/models/unets/unet.h"
#include "inference/models/unets/unet_blocks.h"

#include "support/reference_fixtures.h"

#include <QtTest>

#include <torch/torch.h>

#include <algorithm>

using ld::UNet2DConditionConfig;
using ld::UNet2DConditionModel;

namespace {

using ld::test::maxAbsDiff;
using ld::test::referenceDir;

UNet2DConditionConfig smallConfig(const QString& variant) {
    UNet2DConditionConfig c = UNet2DConditionConfig::tiny();
    c.inChannels = 8;
    c.blockOutChannels = {16, 32};
    c.downBlockTypes = {"CrossAttnDownBlock2D", "DownBlock2D"};
    c.upBlockTypes = {"UpBlock2D", "CrossAttnUpBlock2D"};
    c.layersPerBlock = {1, 1};
    c.crossAttentionDim = {24, 24};
    c.transformerLayersPerBlock = {1, 1};
    c.attentionHeads = {2, 2};
    c.normNumGroups = 4;
    if (variant.contains("linear")) c.useLinearProjection = true;
    if (variant.contains("headlist")) {
        c.attentionHeads = {2, 4};
        c.transformerLayersPerBlock = {2, 1};
        c.upcastAttention = true;
    }
    if (variant.contains("inject")) c.tokenInjection = true;
    if (variant.contains("film")) c.resnetTimeScaleShift = true;
    if (variant.contains("sdxl")) {
        c.additionEmbedType = "text_time";
        c.additionTimeEmbedDim = 4;
        c.projectionClassEmbeddingsInputDim = 16 + 6 * 4;
    }
    return c;
}

torch::Tensor randomInput(int64_t b, int64_t c, int64_t h, int64_t w, uint64_t seed) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    return torch::randn({b, c, h, w}, gen);
}

torch::Tensor randomText(int64_t b, int64_t len, int64_t dim, uint64_t seed) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    return torch::randn({b, len, dim}, gen);
}

ld::UNetAddedConditions addedFor(const UNet2DConditionConfig& c, int64_t batch, double shift) {
    ld::UNetAddedConditions a;
    a.textEmbeds = torch::linspace(-1, 1, batch * (c.projectionClassEmbeddingsInputDim - 6 * c.additionTimeEmbedDim))
                       .reshape({batch, -1});
    a.timeIds = torch::tensor({512.0, 512.0, 0.0, 0.0, 512.0, 512.0}).repeat({batch, 1}) + shift;
    return a;
}

}  // namespace

class TestUNet : public QObject {
    Q_OBJECT

private slots:
    // One thread: these networks are tiny, and the shared build machine is often busy.
    void initTestCase() { torch::set_num_threads(1); }

    void referenceParity_data() {
        QTest::addColumn<QString>("folder");
        QTest::newRow("sd15-tiny (conv proj, 8 heads)") << "unet-sd15-tiny";
        QTest::newRow("sd21-tiny (linear proj, head list, upcast, depth [1,2,1])") << "unet-sd21-tiny";
    }

    void referenceParity() {
        QFETCH(QString, folder);
        const QString dir = referenceDir() + "/" + folder;
        if (!QFileInfo::exists(dir + "/config.json"))
            QSKIP(qPrintable("reference fixtures not found at " + dir + " (the shared folder is absent)"));
        torch::NoGradGuard noGrad;
        auto unet = UNet2DConditionModel::fromPretrained(dir.toStdString());
        const ld::TensorMap io = ld::loadSafetensors((dir + "/io.safetensors").toStdString());
        std::map<std::string, torch::Tensor> debug;
        torch::Tensor out =
            unet->forward(io.at("sample"), io.at("timestep"), io.at("encoder_hidden_states"), nullptr, &debug);
        QCOMPARE(out.sizes().vec(), io.at("out").sizes().vec());
        const double outErr = maxAbsDiff(out, io.at("out"));
        qInfo("%s: max |out - diffusers| = %.3g", qPrintable(folder), outErr);
        QVERIFY2(outErr <= 1e-4, qPrintable(QString("out differs by %1").arg(outErr)));
        int checked = 0;
        for (const auto& [name, ref] : io) {
            if (name.rfind("debug.", 0) != 0) continue;
            const std::string key = name.substr(6);
            QVERIFY2(debug.count(key), qPrintable(QString::fromStdString("no intermediate named " + key)));
            QCOMPARE(debug.at(key).sizes().vec(), ref.sizes().vec());
            const double err = maxAbsDiff(debug.at(key), ref);
            qInfo("  %-16s max abs error %.3g", key.c_str(), err);
            QVERIFY2(err <= 1e-4, qPrintable(QString::fromStdString(key) + QString(" differs by %1").arg(err)));
            ++checked;
        }
        QCOMPARE(checked, 11);
        QCOMPARE(ld::stateDict(*unet).size(), size_t(folder.contains("sd15") ? 324 : 384));
        QCOMPARE(unet->parameterCount(), int64_t(folder.contains("sd15") ? 1467652 : 1704388));
    }

    // The head-count quirk and the reversed per-block lists, read off the built modules.
    void perBlockListsFollowDiffusers() {
        nlohmann::json j = UNet2DConditionConfig::tiny().toJson();
        j["attention_head_dim"] = {2, 4, 4};
        j["transformer_layers_per_block"] = {1, 2, 1};
        j["use_linear_projection"] = true;
        UNet2DConditionModel unet(UNet2DConditionConfig::fromJson(j));
        auto transformer = [](const torch::nn::ModuleList& blocks, size_t i) {
            auto attn = blocks->ptr(i)->named_children()["attentions"];
            return attn->children().at(0)->as<ld::Transformer2DModelImpl>()->options();
        };
        QCOMPARE(transformer(unet.down_blocks, 0).heads, int64_t(2));
        QCOMPARE(transformer(unet.down_blocks, 1).heads, int64_t(4));
        QCOMPARE(transformer(unet.down_blocks, 1).layers, int64_t(2));
        QCOMPARE(transformer(unet.up_blocks, 1).heads, int64_t(4));
        QCOMPARE(transformer(unet.up_blocks, 1).layers, int64_t(2));
        QCOMPARE(transformer(unet.up_blocks, 2).heads, int64_t(2));
        QCOMPARE(transformer(unet.up_blocks, 2).layers, int64_t(1));
        const auto keys = ld::stateDict(unet);
        QVERIFY(keys.count("up_blocks.1.attentions.0.transformer_blocks.1.attn1.to_q.weight"));
        QVERIFY(!keys.count("up_blocks.2.attentions.0.transformer_blocks.1.attn1.to_q.weight"));
        QCOMPARE(keys.at("down_blocks.0.attentions.0.proj_in.weight").dim(), int64_t(2));  // Linear
        QVERIFY(!keys.count("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.bias"));
        QVERIFY(keys.count("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0.bias"));
        QCOMPARE(keys.at("mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight").sizes().vec(),
                 (std::vector<int64_t>{8 * 64, 64}));
    }

    void configurations_data() {
        QTest::addColumn<QString>("variant");
        QTest::newRow("conv projection, int heads") << "conv";
        QTest::newRow("linear projection") << "linear";
        QTest::newRow("head list, depth 2, upcast") << "linear headlist";
        QTest::newRow("token injection") << "conv inject";
        QTest::newRow("token injection, linear, head list") << "linear headlist inject";
        QTest::newRow("SDXL text_time conditioning") << "conv sdxl";
        QTest::newRow("text_time through scale_shift (FiLM)") << "conv sdxl film";
    }

    // Builds, runs, saves, reloads bit-exactly, and checks the text really conditions.
    void configurations() {
        QFETCH(QString, variant);
        torch::NoGradGuard noGrad;
        const UNet2DConditionConfig config = smallConfig(variant);
        torch::manual_seed(7);
        auto unet = std::make_shared<UNet2DConditionModel>(config);
        unet->eval();
        const torch::Tensor x = randomInput(2, config.inChannels, 12, 12, 1);  // 12: not a multiple of 8
        const torch::Tensor t = torch::tensor({900.0f, 3.0f});
        const torch::Tensor text = randomText(2, 5, config.crossAttentionDim[0], 2);
        ld::UNetAddedConditions added = addedFor(config, 2, 0.0);
        const ld::UNetAddedConditions* addedPtr = variant.contains("sdxl") ? &added : nullptr;

        torch::Tensor out = unet->forward(x, t, text, addedPtr);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{2, config.outChannels, 12, 12}));
        QVERIFY(torch::isfinite(out).all().item<bool>());

        // Save and reload into a differently initialised network: identical tensors and outputs.
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::string path = tmp.filePath("unet.safetensors").toStdString();
        ld::saveSafetensors(path, ld::stateDict(*unet));
        torch::manual_seed(99);
        UNet2DConditionModel reloaded(UNet2DConditionConfig::fromJson(config.toJson()));
        reloaded.eval();
        reloaded.loadFile(path);
        const auto a = ld::stateDict(*unet), b = ld::stateDict(reloaded);
        QCOMPARE(a.size(), b.size());
        for (const auto& [name, tensor] : a) QVERIFY2(torch::equal(tensor, b.at(name)), name.c_str());
        QVERIFY(torch::equal(out, reloaded.forward(x, t, text, addedPtr)));

        // Cross-attention (and injection) really read the text.
        const torch::Tensor otherText = randomText(2, 5, config.crossAttentionDim[0], 3);
        const double textEffect = maxAbsDiff(out, unet->forward(x, t, otherText, addedPtr));
        qInfo("%s: changing the text moves the output by %.3g", qPrintable(variant), textEffect);
        QVERIFY(textEffect > 1e-4);
        // Each sample only sees its own text.
        torch::Tensor mixed = text.clone();
        mixed[1] = otherText[1];
        torch::Tensor outMixed = unet->forward(x, t, mixed, addedPtr);
        QVERIFY(torch::allclose(outMixed[0], out[0], 1e-5, 1e-6));
        QVERIFY(maxAbsDiff(outMixed[1], out[1]) > 1e-4);
        // The timestep conditions too.
        QVERIFY(maxAbsDiff(out, unet->forward(x, torch::tensor({10.0f, 500.0f}), text, addedPtr)) > 1e-4);
        if (variant.contains("sdxl")) {
            ld::UNetAddedConditions shifted = addedFor(config, 2, 64.0);
            QVERIFY(maxAbsDiff(out, unet->forward(x, t, text, &shifted)) > 1e-4);
            QVERIFY_THROWS_EXCEPTION(ld::Error, unet->forward(x, t, text, nullptr));
        }
    }

    // With every cross-attention silenced, the text reaches the output only through the
    // injected self-attention tokens.
    void tokenInjectionConditionsSelfAttention() {
        torch::NoGradGuard noGrad;
        for (bool inject : {false, true}) {
            UNet2DConditionConfig config = smallConfig(inject ? "conv inject" : "conv");
            torch::manual_seed(3);
            UNet2DConditionModel unet(config);
            unet.eval();
            int silenced = 0;
            for (auto& item : unet.named_parameters())
                if (item.key().find(".attn2.to_out.0.") != std::string::npos) {
                    item.value().zero_();
                    ++silenced;
                }
            QCOMPARE(silenced, 2 * 4);  // weight + bias: one down, one mid and two up transformers
            const torch::Tensor x = randomInput(1, config.inChannels, 8, 8, 5);
            const torch::Tensor t = torch::tensor({400.0f});
            const double effect = maxAbsDiff(unet.forward(x, t, randomText(1, 4, 24, 6)),
                                             unet.forward(x, t, randomText(1, 4, 24, 7)));
            qInfo("token injection %s: text effect with cross-attention silenced %.3g", inject ? "on" : "off", effect);
            if (inject)
                QVERIFY(effect > 1e-4);
            else
                QCOMPARE(effect, 0.0);
        }
        // The adapter keys sit next to attn1 and a plain checkpoint still loads (adapters fresh).
        torch::manual_seed(4);
        UNet2DConditionModel plain(smallConfig("conv"));
        UNet2DConditionModel injected(smallConfig("conv inject"));
        const auto keys = ld::stateDict(injected);
        QVERIFY(keys.count("down_blocks.0.attentions.0.transformer_blocks.0.attn1_text_proj.weight"));
        QCOMPARE(keys.at("mid_block.attentions.0.transformer_blocks.0.attn1_text_proj.weight").sizes().vec(),
                 (std::vector<int64_t>{32, 24}));
        injected.load(ld::stateDict(plain), "plain checkpoint");
        QVERIFY(torch::equal(ld::stateDict(injected).at("conv_in.weight"), ld::stateDict(plain).at("conv_in.weight")));
    }

    void widenedConvIn_data() {
        QTest::addColumn<int>("mode");
        QTest::newRow("duplicate and halve (Marigold)") << int(ld::ConvInWidening::DuplicateAndHalve);
        QTest::newRow("zero init (InstructPix2Pix)") << int(ld::ConvInWidening::ZeroInit);
    }

    // A 4-channel checkpoint in an 8-channel network keeps the pretrained function.
    void widenedConvIn() {
        QFETCH(int, mode);
        torch::NoGradGuard noGrad;
        UNet2DConditionConfig base = smallConfig("conv");
        base.inChannels = 4;
        torch::manual_seed(11);
        UNet2DConditionModel original(base);
        original.eval();
        const ld::TensorMap checkpoint = ld::stateDict(original);

        UNet2DConditionConfig wide = base;
        wide.inChannels = 8;
        wide.convInWidening = static_cast<ld::ConvInWidening>(mode);
        UNet2DConditionModel widened(wide);
        widened.eval();
        widened.load(checkpoint, "sd checkpoint");
        QCOMPARE(ld::stateDict(widened).at("conv_in.weight").size(1), int64_t(8));

        const torch::Tensor x = randomInput(1, 4, 8, 8, 21), other = randomInput(1, 4, 8, 8, 22);
        const torch::Tensor t = torch::tensor({250.0f}), text = randomText(1, 3, 24, 23);
        const torch::Tensor ref = original.forward(x, t, text);
        const torch::Tensor input = wide.convInWidening == ld::ConvInWidening::DuplicateAndHalve
                                        ? torch::cat({x, x}, 1)
                                        : torch::cat({x, other}, 1);
        const double err = maxAbsDiff(widened.forward(input, t, text), ref);
        qInfo("widened conv_in (%s) reproduces the pretrained output to %.3g",
              ld::convInWideningName(wide.convInWidening).c_str(), err);
        QVERIFY(err < 1e-4);

        // The transform itself, on the tensor map.
        ld::TensorMap m{{"conv_in.weight", torch::ones({2, 4, 3, 3})}};
        ld::widenConvIn(m, 8, wide.convInWidening, "map");
        QCOMPARE(m.at("conv_in.weight").sizes().vec(), (std::vector<int64_t>{2, 8, 3, 3}));
        const double tail = m.at("conv_in.weight").narrow(1, 4, 4).abs().max().item<double>();
        QCOMPARE(tail, wide.convInWidening == ld::ConvInWidening::ZeroInit ? 0.0 : 0.5);
    }

    void widenedConvInErrors() {
        ld::TensorMap m{{"conv_in.weight", torch::ones({2, 4, 3, 3})}};
        try {
            ld::widenConvIn(m, 8, ld::ConvInWidening::None, "ckpt");
            QFAIL("a channel mismatch without widening must be refused");
        } catch (const ld::Error& e) {
            QVERIFY(QString(e.what()).contains("conv_in"));
        }
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::widenConvIn(m, 6, ld::ConvInWidening::DuplicateAndHalve, "ckpt"));
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::widenConvIn(m, 2, ld::ConvInWidening::ZeroInit, "ckpt"));
        ld::widenConvIn(m, 4, ld::ConvInWidening::None, "ckpt");  // equal counts: untouched
        QCOMPARE(m.at("conv_in.weight").size(1), int64_t(4));
    }

    void wrongCheckpointListsEveryMismatch() {
        UNet2DConditionConfig a = smallConfig("conv");
        UNet2DConditionConfig b = a;
        b.blockOutChannels = {16, 24};
        b.attentionHeads = {2, 4};
        torch::manual_seed(1);
        UNet2DConditionModel small(a), other(b);
        ld::TensorMap tensors = ld::stateDict(small);
        tensors.erase("conv_out.bias");
        tensors["extra.weight"] = torch::zeros({3});
        try {
            other.load(tensors, "wrong.safetensors");
            QFAIL("a mis-shaped checkpoint must be refused");
        } catch (const ld::Error& e) {
            const QString msg = e.what();
            QVERIFY(msg.startsWith("wrong.safetensors"));
            QVERIFY(msg.count("shape of") >= 10);
            QVERIFY(msg.contains("missing conv_out.bias"));
            QVERIFY(msg.contains("unexpected extra.weight"));
            QVERIFY(msg.contains("down_blocks.1.resnets.0.conv1.weight"));
        }
    }

    void inputsAreChecked() {
        torch::NoGradGuard noGrad;
        UNet2DConditionModel unet(smallConfig("conv"));
        const torch::Tensor x = randomInput(1, 8, 8, 8, 1), text = randomText(1, 3, 24, 2);
        QVERIFY_THROWS_EXCEPTION(ld::Error, unet.forward(randomInput(1, 4, 8, 8, 1), torch::tensor({1.0f}), text));
        QVERIFY_THROWS_EXCEPTION(ld::Error, unet.forward(x, torch::tensor({1.0f}), randomText(1, 3, 16, 2)));
        QVERIFY_THROWS_EXCEPTION(ld::Error, unet.forward(x, torch::tensor({1.0f, 2.0f, 3.0f}), text));
        // A scalar timestep is broadcast to the batch.
        QCOMPARE(unet.forward(x, torch::tensor(5.0f), text).size(0), int64_t(1));
    }

    // diffusers' ResnetBlock2D with time_embedding_norm "scale_shift":
    // conv2(silu(norm2(h) * (1 + scale) + shift)), scale and shift the halves of time_emb_proj.
    void scaleShiftResnetIsFiLM() {
        torch::NoGradGuard noGrad;
        ld::ResnetOptions o;
        o.inChannels = o.outChannels = 8;
        o.tembChannels = 12;
        o.groups = 4;
        o.scaleShift = true;
        torch::manual_seed(3);
        ld::ResnetBlock2D block(o);
        QCOMPARE(block->time_emb_proj->weight.sizes().vec(), (std::vector<int64_t>{16, 12}));
        const torch::Tensor x = randomInput(2, 8, 6, 6, 4), temb = randomInput(2, 12, 1, 1, 5).flatten(1);
        namespace F = torch::nn::functional;
        torch::Tensor h = block->conv1(F::silu(block->norm1(x)));
        auto st = block->time_emb_proj(F::silu(temb)).chunk(2, 1);
        h = block->norm2(h) * (1 + st[0].unsqueeze(-1).unsqueeze(-1)) + st[1].unsqueeze(-1).unsqueeze(-1);
        const torch::Tensor expected = x + block->conv2(F::silu(h));
        QVERIFY(maxAbsDiff(block->forward(x, temb), expected) < 1e-5);
        // The config key round-trips.
        QCOMPARE(UNet2DConditionConfig::fromJson(smallConfig("conv film").toJson()).resnetTimeScaleShift, true);
    }

    void configParsing_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::newRow("class embedding") << "class_embed_type" << "\"timestep\"";
        QTest::newRow("other addition embedding") << "addition_embed_type" << "\"text\"";
        QTest::newRow("text_time without dims") << "addition_embed_type" << "\"text_time\"";
        QTest::newRow("fourier time") << "time_embedding_type" << "\"fourier\"";
        QTest::newRow("only cross attention") << "only_cross_attention" << "true";
        QTest::newRow("other time norm") << "resnet_time_scale_shift" << "\"ada_group\"";
        QTest::newRow("other mid block") << "mid_block_type" << "\"UNetMidBlock2DSimpleCrossAttn\"";
        QTest::newRow("encoder_hid_dim") << "encoder_hid_dim" << "64";
        QTest::newRow("heads list too short") << "attention_head_dim" << "[8, 8]";
        QTest::newRow("heads not dividing") << "attention_head_dim" << "[8, 7, 8]";
        QTest::newRow("wrong type") << "layers_per_block" << "\"two\"";
        QTest::newRow("nested per-layer depth") << "transformer_layers_per_block" << "[[1], [2], [1]]";
        QTest::newRow("unknown block") << "down_block_types" << "[\"SimpleCrossAttnDownBlock2D\", \"DownBlock2D\", \"DownBlock2D\"]";
    }

    // Unsupported features are refused with the key named, never silently ignored.
    void configParsing() {
        QFETCH(QString, key);
        QFETCH(QString, value);
        nlohmann::json j = UNet2DConditionConfig::tiny().toJson();
        j[key.toStdString()] = nlohmann::json::parse(value.toStdString());
        try {
            UNet2DConditionConfig::fromJson(j, "unet/config.json");
            QFAIL("the config must be refused");
        } catch (const ld::Error& e) {
            qInfo("%s", e.what());
            QVERIFY(QString(e.what()).startsWith("unet/config.json"));
            const bool named = QString(e.what()).contains(key) || QString(e.what()).contains("block type") ||
                               QString(e.what()).contains("heads") || QString(e.what()).contains("per-block");
            QVERIFY2(named, e.what());
        }
    }

    void configRoundTripAndDefaults() {
        // A minimal config takes diffusers' defaults (SD 1.x layout).
        const UNet2DConditionConfig d = UNet2DConditionConfig::fromJson(nlohmann::json::parse("{}"));
        QCOMPARE(d.blockOutChannels, (std::vector<int>{320, 640, 1280, 1280}));
        QCOMPARE(d.attentionHeads, (std::vector<int>{8, 8, 8, 8}));
        QCOMPARE(d.layersPerBlock, (std::vector<int>{2, 2, 2, 2}));
        QCOMPARE(d.timeEmbedDim(), 1280);
        // num_attention_heads wins over attention_head_dim.
        nlohmann::json j = UNet2DConditionConfig::tiny().toJson();
        j["num_attention_heads"] = {1, 2, 4};
        QCOMPARE(UNet2DConditionConfig::fromJson(j).attentionHeads, (std::vector<int>{1, 2, 4}));
        // LabelDiff options survive toJson/fromJson.
        UNet2DConditionConfig c = smallConfig("linear headlist inject");
        c.convInWidening = ld::ConvInWidening::ZeroInit;
        const UNet2DConditionConfig r = UNet2DConditionConfig::fromJson(c.toJson());
        QVERIFY(r.tokenInjection);
        QCOMPARE(int(r.convInWidening), int(ld::ConvInWidening::ZeroInit));
        QCOMPARE(r.attentionHeads, c.attentionHeads);
        QCOMPARE(r.transformerLayersPerBlock, c.transformerLayersPerBlock);
        QVERIFY(r.toJson() == c.toJson());
    }

    // Half precision runs through the same code (GroupNorm/attention upcast) and stays
    // close to float32.
    void bfloat16MatchesFloat32() {
        torch::NoGradGuard noGrad;
        torch::manual_seed(5);
        auto unet = std::make_shared<UNet2DConditionModel>(smallConfig("linear headlist"));
        unet->eval();
        const torch::Tensor x = randomInput(1, 8, 8, 8, 31), text = randomText(1, 4, 24, 32);
        const torch::Tensor t = torch::tensor({500.0f});
        const torch::Tensor ref = unet->forward(x, t, text);
        unet->to(torch::kBFloat16);
        const torch::Tensor half = unet->forward(x, t, text);
        QVERIFY(half.scalar_type() == torch::kFloat);  // returned in the input's dtype
        const double err = maxAbsDiff(half, ref), scale = ref.abs().max().item<double>();
        qInfo("bf16 vs fp32: max abs diff %.3g (output max %.3g)", err, scale);
        QVERIFY(err < 0.1 * scale);
    }
};

QTEST_GUILESS_MAIN(TestUNet)
#include "test_unet.moc"
