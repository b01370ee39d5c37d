// The from-scratch text encoder: CLIP's transformer sized for a phrase vocabulary.
#include "inference/io/safetensors.h"
#include "inference/models/text_encoders/small_text_encoder.h"
#include "inference/io/state_dict.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace ld;

namespace {
const std::vector<std::string> kFacade{"facade", "window", "balcony-fence", "car", "fence", "shop", "street",
                                       "vegetation", "traffic-infrastructure", "non-building-infrastructure"};
}

class TestSmallTextEncoder : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        torch::manual_seed(0);
        torch::set_num_threads(1);
    }

    void configFollowsVocabulary() {
        const auto vocab = PhraseVocabulary::build(kFacade);
        const CLIPTextConfig c = smallTextEncoderConfig(vocab, {64, 2, 4});
        QCOMPARE(c.vocabSize, int(vocab.size()));
        QCOMPARE(c.maxPositionEmbeddings, vocab.maxLength());
        QCOMPARE(c.eosTokenId, int(PhraseVocabulary::kEos));
        const SmallTextEncoderSize indivisible{30, 2, 4};
        bool refused = false;
        try {
            smallTextEncoderConfig(vocab, indivisible);
        } catch (const std::runtime_error&) {
            refused = true;
        }
        QVERIFY(refused);
    }

    void phrasesMapToDistinctEmbeddings_data() {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<bool>("same");
        QTest::newRow("plural is the class") << "windows" << "window" << true;
        QTest::newRow("case does not matter") << "Car" << "car" << true;
        QTest::newRow("different classes") << "car" << "window" << false;
        QTest::newRow("compound vs part") << "balcony-fence" << "fence" << false;
        QTest::newRow("unknown word is not a class") << "zeppelin" << "car" << false;
    }
    void phrasesMapToDistinctEmbeddings() {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(bool, same);
        const auto vocab = PhraseVocabulary::build(kFacade);
        CLIPTextModel model(smallTextEncoderConfig(vocab, {64, 2, 4}));
        torch::NoGradGuard noGrad;
        const auto ea = model.forward(encodePhrase(vocab, a.toStdString())).pooledOutput;
        const auto eb = model.forward(encodePhrase(vocab, b.toStdString())).pooledOutput;
        QCOMPARE(ea.sizes().vec(), (std::vector<int64_t>{1, 64}));
        QCOMPARE(torch::equal(ea, eb), same);
    }

    void savesAndReloadsBitExactly() {
        const auto vocab = PhraseVocabulary::build(kFacade);
        const CLIPTextConfig config = smallTextEncoderConfig(vocab, {32, 1, 2});
        CLIPTextModel model(config);
        QTemporaryDir dir;
        const std::string file = (dir.path() + "/model.safetensors").toStdString();
        saveSafetensors(file, stateDict(model));
        CLIPTextModel reloaded(config);
        loadStateDict(reloaded, loadSafetensors(file), file);
        torch::NoGradGuard noGrad;
        const auto ids = encodePhrase(vocab, "traffic infrastructure");
        QVERIFY(torch::equal(model.forward(ids).lastHiddenState, reloaded.forward(ids).lastHiddenState));
    }

    void learnsToSeparatePhrases() {
        // A few optimiser steps pull two classes' pooled outputs apart: the encoder is
        // trainable end to end, as training from scratch needs.
        const auto vocab = PhraseVocabulary::build(kFacade);
        CLIPTextModel model(smallTextEncoderConfig(vocab, {32, 1, 2}));
        torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(1e-2));
        const auto car = encodePhrase(vocab, "car"), shop = encodePhrase(vocab, "shop");
        auto distance = [&] {
            return (model.forward(car).pooledOutput - model.forward(shop).pooledOutput).pow(2).sum();
        };
        const double before = distance().item<double>();
        for (int step = 0; step < 30; ++step) {
            opt.zero_grad();
            torch::Tensor loss = -distance().clamp_max(100.0);
            loss.backward();
            opt.step();
        }
        QVERIFY2(distance().item<double>() > 2 * before, "training did not change the text embeddings");
    }
};

QTEST_GUILESS_MAIN(TestSmallTextEncoder)
#include "test_small_text_encoder.moc"
