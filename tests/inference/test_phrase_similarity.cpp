// The phrase-similarity diagnostic: how alike a model's text encoder makes its phrases.
// A collapsed encoder (every phrase the same encoding) is detected; a healthy matrix is
// symmetric with ones on the diagonal; the JSON form round-trips for the training panel.
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/io/model_directory.h"
#include "inference/text/phrase_similarity.h"

#include "support/tiny_model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

using namespace ld;

class TestPhraseSimilarity : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string modelPath_;
    const std::vector<std::string> phrases_{"circle", "square", "circle square"};

private slots:
    void initTestCase() {
        test::TinyModelSpec spec;
        spec.seed = 4;
        modelPath_ = test::writeTinyModel((dir_.path() + "/model").toStdString(), spec);
    }

    void matrixIsACosineMatrix() {
        auto model = ModelDirectory::open(modelPath_);
        const PhraseSimilarity s = measurePhraseSimilarity(*model, phrases_);
        QCOMPARE(int(s.cosine.size()), 3);
        for (size_t i = 0; i < 3; ++i) {
            QVERIFY(std::abs(s.cosine[i][i] - 1) < 1e-5);
            for (size_t j = 0; j < 3; ++j) {
                QVERIFY(std::abs(s.cosine[i][j] - s.cosine[j][i]) < 1e-6);
                QVERIFY(s.cosine[i][j] <= 1 + 1e-6);
            }
        }
        QVERIFY(s.maxOffDiagonal() < 1 - 1e-4);  // distinct phrases differ
        const PhraseSimilarity back = PhraseSimilarity::fromJson(s.toJson());
        QCOMPARE(back.phrases, s.phrases);
        QCOMPARE(back.cosine, s.cosine);
    }

    void detectsACollapsedEncoder() {
        auto model = ModelDirectory::open(modelPath_);
        {
            // Without token embeddings only the positions remain: every phrase is alike.
            torch::NoGradGuard ng;
            for (auto& kv : model->textEncoder->named_parameters(true))
                if (kv.key().find("token_embedding") != std::string::npos) kv.value().zero_();
        }
        const PhraseSimilarity s = measurePhraseSimilarity(*model, phrases_);
        const auto collapsed = s.above();
        QCOMPARE(int(collapsed.size()), 3);
        QVERIFY(collapsed.front().cosine > 0.999);
        QCOMPARE(int(s.toJson()["collapsed"].size()), 3);
    }

    void rejectsMalformedJson() {
        QVERIFY_THROWS_EXCEPTION(std::exception, PhraseSimilarity::fromJson({{"phrases", {"a", "b"}}}));
        QVERIFY_THROWS_EXCEPTION(std::exception,
                                 PhraseSimilarity::fromJson({{"phrases", {"a", "b"}}, {"cosine", {{1.0, 0.0}}}}));
    }
};

QTEST_APPLESS_MAIN(TestPhraseSimilarity)
#include "test_phrase_similarity.moc"
