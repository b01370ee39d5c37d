// CLIPTextModel: parity with transformers on reference-tiny (quick_gelu and gelu), pooled
// output rules, the null embedding, and checked loading.
#include "core/error.h"
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/io/safetensors.h"
#include "inference/io/state_dict.h"

#include "support/reference_fixtures.h"

#include <QtTest>

#include <torch/torch.h>

#include <fstream>

using ld::CLIPTextConfig;
using ld::CLIPTextModel;

namespace {

using ld::test::maxAbsDiff;
using ld::test::referenceDir;

CLIPTextConfig tinyConfig() {
    CLIPTextConfig c;
    c.vocabSize = 100;
    c.hiddenSize = 16;
    c.intermediateSize = 32;
    c.projectionDim = 8;
    c.numHiddenLayers = 2;
    c.numAttentionHeads = 2;
    c.maxPositionEmbeddings = 12;
    c.bosTokenId = 98;
    c.eosTokenId = 99;
    c.padTokenId = 0;
    return c;
}

}  // namespace

class TestCLIPText : public QObject {
    Q_OBJECT

private slots:
    // One thread: these networks are tiny, and the shared build machine is often busy.
    void initTestCase() { torch::set_num_threads(1); }

    void referenceParity_data() {
        QTest::addColumn<QString>("folder");
        QTest::newRow("quick_gelu (SD1.x)") << "clip-text-tiny";
        QTest::newRow("gelu (SD2.x / OpenCLIP)") << "clip-text-tiny-gelu";
    }

    void referenceParity() {
        QFETCH(QString, folder);
        const QString dir = referenceDir() + "/" + folder;
        if (!QFileInfo::exists(dir + "/config.json"))
            QSKIP(qPrintable("reference fixtures not found at " + dir + " (the shared folder is absent)"));
        torch::NoGradGuard noGrad;
        auto clip = CLIPTextModel::fromPretrained(dir.toStdString());
        QCOMPARE(QString::fromStdString(clip->config().hiddenAct), folder.endsWith("gelu") ? "gelu" : "quick_gelu");
        QCOMPARE(ld::stateDict(*clip).size(), size_t(36));
        QCOMPARE(clip->parameterCount(), int64_t(1600672));
        QVERIFY(!clip->hasNullEmbedding());
        const ld::TensorMap io = ld::loadSafetensors((dir + "/io.safetensors").toStdString());
        const ld::CLIPTextOutput out = clip->forward(io.at("input_ids"), /*outputHiddenStates=*/true);
        QCOMPARE(out.hiddenStates.size(), size_t(3));
        std::map<std::string, torch::Tensor> ours{{"last_hidden_state", out.lastHiddenState},
                                                  {"pooler_output", out.pooledOutput}};
        for (size_t i = 0; i < out.hiddenStates.size(); ++i)
            ours["debug.hidden_states." + std::to_string(i)] = out.hiddenStates[i];
        int checked = 0;
        for (const auto& [name, ref] : io) {
            if (name == "input_ids") continue;
            QVERIFY2(ours.count(name), name.c_str());
            QCOMPARE(ours.at(name).sizes().vec(), ref.sizes().vec());
            const double err = maxAbsDiff(ours.at(name), ref);
            qInfo("%s %-22s max abs error %.3g", qPrintable(folder), name.c_str(), err);
            QVERIFY2(err <= 1e-4, qPrintable(QString::fromStdString(name) + QString(" differs by %1").arg(err)));
            ++checked;
        }
        QCOMPARE(checked, 5);
        // encode() is the last hidden state; clip_skip 1 is final_layer_norm(penultimate).
        QVERIFY(torch::equal(clip->encode(io.at("input_ids")), out.lastHiddenState));
        const torch::Tensor penultimate = clip->encode(io.at("input_ids"), 1);
        QVERIFY(torch::allclose(penultimate, clip->text_model->final_layer_norm(out.hiddenStates[1])));
        QVERIFY(maxAbsDiff(penultimate, out.lastHiddenState) > 1e-3);
        // Pooled at the first EOS (49407): positions 11 and 15 in the fixture.
        QVERIFY(torch::equal(out.pooledOutput[0], out.lastHiddenState[0][11]));
        QVERIFY(torch::equal(out.pooledOutput[1], out.lastHiddenState[1][15]));
    }

    // Older SD checkpoints carry the position_ids buffer; it is ignored.
    void legacyPositionIdsIgnored() {
        torch::NoGradGuard noGrad;
        torch::manual_seed(1);
        CLIPTextModel clip(tinyConfig());
        ld::TensorMap t = ld::stateDict(clip);
        t["text_model.embeddings.position_ids"] = torch::arange(12).unsqueeze(0);
        CLIPTextModel reloaded(tinyConfig());
        reloaded.load(t, "old.safetensors");
        const torch::Tensor ids = torch::tensor({{98, 5, 7, 99, 0, 0}}, torch::kLong);
        QVERIFY(torch::equal(clip.forward(ids).lastHiddenState, reloaded.forward(ids).lastHiddenState));
    }

    // eos_token_id != 2: pooled at the first eos_token_id, not at argmax(ids).
    void pooledAtFirstEos() {
        torch::NoGradGuard noGrad;
        torch::manual_seed(2);
        CLIPTextModel clip(tinyConfig());
        // Token 99 (EOS) appears at 3 and 5; 98 (BOS) is not the maximum; padding is 0.
        const torch::Tensor ids = torch::tensor({{98, 5, 7, 99, 0, 99}, {98, 99, 0, 0, 0, 0}}, torch::kLong);
        const auto out = clip.forward(ids);
        QVERIFY(torch::equal(out.pooledOutput[0], out.lastHiddenState[0][3]));
        QVERIFY(torch::equal(out.pooledOutput[1], out.lastHiddenState[1][1]));
        QVERIFY(!out.textEmbeds.defined());
        // The causal mask: a token never sees the ones after it.
        const torch::Tensor changedTail = torch::tensor({{98, 5, 7, 99, 42, 42}, {98, 99, 1, 2, 3, 4}}, torch::kLong);
        const auto out2 = clip.forward(changedTail);
        QVERIFY(torch::equal(out2.lastHiddenState[0].narrow(0, 0, 4), out.lastHiddenState[0].narrow(0, 0, 4)));
        QVERIFY(maxAbsDiff(out2.lastHiddenState[0][5], out.lastHiddenState[0][5]) > 1e-4);
    }

    void projectionVariant() {
        torch::NoGradGuard noGrad;
        nlohmann::json j = tinyConfig().toJson();
        j["architectures"] = {"CLIPTextModelWithProjection"};
        CLIPTextModel clip(CLIPTextConfig::fromJson(j));
        QVERIFY(ld::stateDict(clip).count("text_projection.weight"));
        const auto out = clip.forward(torch::tensor({{98, 3, 99}}, torch::kLong));
        QCOMPARE(out.textEmbeds.sizes().vec(), (std::vector<int64_t>{1, 8}));
        // A full CLIPConfig: text_config is used.
        nlohmann::json full;
        full["text_config"] = tinyConfig().toJson();
        full["projection_dim"] = 8;
        QCOMPARE(CLIPTextConfig::fromJson(full).hiddenSize, 16);
    }

    void nullEmbeddingLivesApart() {
        torch::NoGradGuard noGrad;
        torch::manual_seed(3);
        CLIPTextModel clip(tinyConfig());
        QVERIFY_THROWS_EXCEPTION(ld::Error, clip.nullEmbeddingBatch(2));
        const torch::Tensor empty = torch::tensor({98, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, torch::kLong);
        clip.initNullEmbeddingFromIds(empty);
        QCOMPARE(clip.nullEmbedding().sizes().vec(), (std::vector<int64_t>{12, 16}));
        QVERIFY(torch::equal(clip.nullEmbedding(), clip.encode(empty.unsqueeze(0))[0]));
        QCOMPARE(clip.nullEmbeddingBatch(3).sizes().vec(), (std::vector<int64_t>{3, 12, 16}));
        // Not part of the HF state_dict, so HF checkpoints load unchanged.
        QVERIFY(!ld::stateDict(clip).count("null_embedding"));

        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        clip.mutableNullEmbedding().add_(0.25);  // "learned"
        const std::string nullPath = tmp.filePath("null_embedding.safetensors").toStdString();
        const std::string modelPath = tmp.filePath("model.safetensors").toStdString();
        clip.saveNullEmbedding(nullPath);
        ld::saveSafetensors(modelPath, ld::stateDict(clip));
        {
            std::ofstream cfg(tmp.filePath("config.json").toStdString());
            cfg << tinyConfig().toJson().dump(2);
        }
        auto reloaded = CLIPTextModel::fromPretrained(tmp.path().toStdString());
        QVERIFY(reloaded->hasNullEmbedding());
        QVERIFY(torch::equal(reloaded->nullEmbedding(), clip.nullEmbedding()));
        const torch::Tensor ids = torch::tensor({{98, 11, 12, 99}}, torch::kLong);
        QVERIFY(torch::equal(reloaded->encode(ids), clip.encode(ids)));
        QVERIFY_THROWS_EXCEPTION(ld::Error, clip.setNullEmbedding(torch::zeros({12, 15})));
        // Moves with the model.
        reloaded->to(torch::kBFloat16);
        QVERIFY(reloaded->nullEmbedding().scalar_type() == torch::kBFloat16);
    }

    void badInputsAndCheckpoints() {
        torch::NoGradGuard noGrad;
        CLIPTextModel clip(tinyConfig());
        QVERIFY_THROWS_EXCEPTION(ld::Error, clip.forward(torch::tensor({{98, 100}}, torch::kLong)));   // out of vocab
        QVERIFY_THROWS_EXCEPTION(ld::Error, clip.forward(torch::tensor({{98, -1}}, torch::kLong)));
        QVERIFY_THROWS_EXCEPTION(ld::Error, clip.forward(torch::zeros({1, 13}, torch::kLong)));        // too long
        QVERIFY_THROWS_EXCEPTION(ld::Error, clip.forward(torch::zeros({13}, torch::kLong)));
        QVERIFY_THROWS_EXCEPTION(ld::Error, clip.encode(torch::zeros({1, 4}, torch::kLong), 2));
        CLIPTextConfig wide = tinyConfig();
        wide.hiddenSize = 24;
        try {
            clip.load(ld::stateDict(CLIPTextModel(wide)), "wide.safetensors");
            QFAIL("a mis-shaped checkpoint must be refused");
        } catch (const ld::Error& e) {
            QVERIFY(QString(e.what()).count("shape of") >= 10);
            QVERIFY(QString(e.what()).contains("text_model.final_layer_norm.weight"));
        }
        nlohmann::json j = tinyConfig().toJson();
        j["hidden_act"] = "swiglu";
        QVERIFY_THROWS_EXCEPTION(ld::Error, CLIPTextConfig::fromJson(j));
        j = tinyConfig().toJson();
        j["num_attention_heads"] = 5;
        QVERIFY_THROWS_EXCEPTION(ld::Error, CLIPTextConfig::fromJson(j));
    }
};

QTEST_GUILESS_MAIN(TestCLIPText)
#include "test_clip_text.moc"
