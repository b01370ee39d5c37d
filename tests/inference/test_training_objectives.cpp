// Training objectives: each option computes the right target (ε, v, x₀, flow velocity),
// the timestep samplers have the stated distributions (GenMask's long tail skews toward
// T), DiGSeg's multi-resolution annealed noise has its properties, the discriminative
// loss, and the learning-rate schedule.
#include "inference/schedulers/noise_schedule.h"
#include "inference/text/pairwise_cosine.h"
#include "inference/training/trainer.h"
#include "inference/training/training_objectives.h"

#include <QtTest>

#include <torch/torch.h>

#include <cmath>

using namespace ld;

namespace {

double neighbourCorrelation(const torch::Tensor& n) {
    auto a = n.slice(3, 0, n.size(3) - 1).flatten();
    auto b = n.slice(3, 1, n.size(3)).flatten();
    a = a - a.mean();
    b = b - b.mean();
    return ((a * b).mean() / (a.std() * b.std())).item<double>();
}

}  // namespace

class TestTrainingObjectives : public QObject {
    Q_OBJECT
private slots:
    void targets_data() {
        QTest::addColumn<QString>("objective");
        QTest::newRow("epsilon") << "epsilon";
        QTest::newRow("v") << "v_prediction";
        QTest::newRow("sample") << "sample";
        QTest::newRow("flow") << "flow";
    }
    void targets() {
        QFETCH(QString, objective);
        torch::manual_seed(3);
        NoiseScheduleConfig nc;
        NoiseSchedule schedule(nc);
        const Objective o = parseObjective(objective.toStdString());
        auto x0 = torch::rand({4, 1, 4, 4}) * 2 - 1;
        auto eps = torch::randn({4, 1, 4, 4});
        auto u = torch::tensor({0.0, 0.3, 0.7, 0.9999}, torch::kDouble);
        DiffusionTargets d = diffusionTargets(o, schedule, x0, eps, u);
        for (int b = 0; b < 4; ++b) {
            const double ub = u[b].item<double>();
            if (o == Objective::Flow) {
                auto want = (1 - ub) * x0[b] + ub * eps[b];
                QVERIFY(torch::allclose(d.noisy[b], want, 1e-5, 1e-6));
                QVERIFY(torch::allclose(d.target[b], eps[b] - x0[b], 1e-5, 1e-6));
                QVERIFY(std::abs(d.modelTimesteps[b].item<double>() - ub * 1000) < 1e-3);
                continue;
            }
            const int64_t t = std::min<int64_t>(999, int64_t(std::floor(ub * 1000)));
            QCOMPARE(int64_t(d.modelTimesteps[b].item<float>()), t);
            const double a = schedule.alphaCumprod(t);
            auto xt = std::sqrt(a) * x0[b] + std::sqrt(1 - a) * eps[b];
            QVERIFY(torch::allclose(d.noisy[b], xt, 1e-5, 1e-6));
            torch::Tensor want = o == Objective::Epsilon ? eps[b]
                                 : o == Objective::V     ? std::sqrt(a) * eps[b] - std::sqrt(1 - a) * x0[b]
                                                         : x0[b];
            QVERIFY(torch::allclose(d.target[b], want, 1e-5, 1e-6));
        }
        // The exact target, read back as x̂₀, is x₀ (ε below t = T, where √ᾱ is floored).
        auto x0hat = predictedSample(o, d, d.target);
        const int upTo = o == Objective::Epsilon ? 3 : 4;
        QVERIFY(torch::allclose(x0hat.slice(0, 0, upTo), x0.slice(0, 0, upTo), 1e-3, 1e-4));
    }

    void terminalFraction_data() {
        QTest::addColumn<double>("fraction");
        QTest::newRow("none") << 0.0;
        QTest::newRow("half") << 0.5;
        QTest::newRow("all") << 1.0;
    }
    void terminalFraction() {
        QFETCH(double, fraction);
        torch::manual_seed(5);
        ObjectiveConfig c = ObjectiveConfig::fromJson({{"timesteps", "uniform"}, {"terminal_fraction", fraction}}, "test");
        auto u = sampleNoiseLevels(c, 20000);
        const double atT = u.eq(1.0).to(torch::kDouble).mean().item<double>();
        QVERIFY2(std::abs(atT - fraction) < 0.015, qPrintable(QString::number(atT)));
        QCOMPARE(levelsToTimesteps(torch::ones({1}, torch::kDouble), 1000).item<int64_t>(), int64_t(999));
    }

    void maskLossRewardsTheRightMask() {
        auto truth = (torch::rand({3, 1, 16, 16}) > 0.8).to(torch::kFloat) * 2 - 1;
        const double right = maskBceDiceLoss(truth, truth).item<double>();
        const double wrong = maskBceDiceLoss(-truth, truth).item<double>();
        const double empty = maskBceDiceLoss(-torch::ones_like(truth), truth).item<double>();
        QVERIFY(right < 0.01);
        QVERIFY(empty > right);
        QVERIFY(wrong > empty);
        // A small object counts as much as a large one in Dice: missing it costs as much.
        auto small = -torch::ones({1, 1, 16, 16});
        small.index_put_({0, 0, 0, 0}, 1.0);
        auto large = torch::ones({1, 1, 16, 16});
        large.index_put_({0, 0, 0, 0}, -1.0);
        const double missSmall = maskBceDiceLoss(-torch::ones_like(small), small).item<double>();
        const double missLarge = maskBceDiceLoss(-torch::ones_like(large), large).item<double>();
        QVERIFY(missSmall > 0.5);
        QVERIFY(missLarge > 0.5);
    }

    void foregroundWeighting() {
        auto target = torch::zeros({1, 1, 2, 2});
        auto prediction = target.clone();
        prediction.index_put_({0, 0, 0, 0}, 1.0);  // wrong on the foreground cell
        auto coverage = torch::zeros({1, 1, 2, 2});
        coverage.index_put_({0, 0, 0, 0}, 1.0);
        const double plain = weightedMse(prediction, target, coverage, 1.0).item<double>();
        const double weighted = weightedMse(prediction, target, coverage, 5.0).item<double>();
        QCOMPARE(plain, 0.25);
        QVERIFY(std::abs(weighted - 5.0 / 8.0) < 1e-6);  // (5·1) / 4 cells / mean weight 2
    }

    void phraseSeparation() {
        auto orthogonal = torch::eye(3).view({3, 1, 3});
        QVERIFY(phraseSeparationLoss(orthogonal, 0.5).item<double>() < 1e-9);
        auto same = torch::ones({3, 2, 4});
        QVERIFY(std::abs(phraseSeparationLoss(same, 0.5).item<double>() - 0.25) < 1e-6);
        auto cos = pairwiseCosine(torch::tensor({1.0f, 0.0f, 1.0f, 1.0f}).view({2, 2}));
        QVERIFY(std::abs(cos[0][1].item<double>() - std::sqrt(0.5)) < 1e-6);
        // The gradient pushes identical phrases apart.
        auto x = torch::randn({2, 4}).requires_grad_(true);
        auto y = torch::stack({x[0], x[0] + 0.01 * x[1]});
        phraseSeparationLoss(y, 0.0).backward();
        QVERIFY(x.grad().abs().sum().item<double>() > 0);
    }

    void timestepSampling_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<double>("shift");
        QTest::addColumn<double>("wantMean");
        QTest::addColumn<double>("wantBelow085");  // P(u < 0.85)
        QTest::newRow("uniform") << "uniform" << 1.0 << 0.5 << 0.85;
        QTest::newRow("long tail, shift 1 = uniform") << "long_tail" << 1.0 << 0.5 << 0.85;
        // P(u < 0.85) = 0.85·s / (0.15 + 0.85·s)
        QTest::newRow("long tail 0.5") << "long_tail" << 0.5 << -1.0 << 0.85 * 0.5 / (0.15 + 0.85 * 0.5);
        QTest::newRow("long tail 0.1") << "long_tail" << 0.1 << -1.0 << 0.085 / (0.15 + 0.085);
        QTest::newRow("long tail 0.05") << "long_tail" << 0.05 << -1.0 << 0.0425 / (0.15 + 0.0425);
        QTest::newRow("logit-normal") << "logit_normal" << 1.0 << 0.5 << -1.0;
    }
    void timestepSampling() {
        QFETCH(QString, kind);
        QFETCH(double, shift);
        QFETCH(double, wantMean);
        QFETCH(double, wantBelow085);
        torch::manual_seed(11);
        ObjectiveConfig c;
        c.timesteps = parseTimestepSampling(kind.toStdString());
        c.shift = shift;
        auto u = sampleNoiseLevels(c, 200000);
        QVERIFY(u.min().item<double>() >= 0);
        QVERIFY(u.max().item<double>() <= 1);
        if (wantMean >= 0) QVERIFY2(std::abs(u.mean().item<double>() - wantMean) < 0.01, qPrintable(QString::number(u.mean().item<double>())));
        if (wantBelow085 >= 0) {
            const double below = (u < 0.85).to(torch::kDouble).mean().item<double>();
            QVERIFY2(std::abs(below - wantBelow085) < 0.01, qPrintable(QString::number(below)));
        }
        auto t = levelsToTimesteps(u, 1000);
        QVERIFY(t.min().item<int64_t>() >= 0);
        QVERIFY(t.max().item<int64_t>() <= 999);
    }

    void longTailSkewsTowardT() {
        torch::manual_seed(5);
        ObjectiveConfig c;
        c.timesteps = TimestepSampling::LongTail;
        double previous = 0;
        for (double s : {1.0, 0.5, 0.1, 0.05}) {
            c.shift = s;
            const double m = sampleNoiseLevels(c, 50000).mean().item<double>();
            QVERIFY2(m > previous, "a smaller shift must put more mass near pure noise");
            previous = m;
        }
        QVERIFY(previous > 0.85);
        // The density grows toward T: the last tenth holds more than the first nine together at s = 0.05.
        auto u = sampleNoiseLevels(c, 50000);
        QVERIFY((u > 0.9).to(torch::kDouble).mean().item<double>() > 0.5);
    }

    void multiResolutionNoise() {
        torch::manual_seed(7);
        auto like = torch::zeros({16, 2, 32, 32});
        // Normalised by the std over the batch.
        auto high = ld::multiResolutionNoise(like, torch::full({16}, 999.0), 1000, 0.9);
        QCOMPARE(high.sizes(), like.sizes());
        QVERIFY(std::abs(high.std().item<double>() - 1.0) < 1e-4);
        QVERIFY(std::abs(high.mean().item<double>()) < 0.3);
        // Annealed: at t = 0 the low-resolution levels have zero weight (strength 0.9·t/T = 0),
        // so the noise is white; at t = T they add low-frequency structure.
        auto low = ld::multiResolutionNoise(like, torch::zeros({16}), 1000, 0.9);
        QVERIFY(std::abs(low.std().item<double>() - 1.0) < 1e-4);
        const double cLow = neighbourCorrelation(low), cHigh = neighbourCorrelation(high);
        QVERIFY2(std::abs(cLow) < 0.05, qPrintable(QString::number(cLow)));
        QVERIFY2(cHigh > 0.2, qPrintable(QString::number(cHigh)));
        // Per-sample strength: a batch mixing t = 0 and t = T keeps each sample's character.
        auto mixed = ld::multiResolutionNoise(like.slice(0, 0, 2), torch::tensor({0.0, 999.0}), 1000, 0.9);
        QVERIFY(neighbourCorrelation(mixed.slice(0, 1, 2)) > neighbourCorrelation(mixed.slice(0, 0, 1)) + 0.1);
        // Gaussian option is plain randn.
        ObjectiveConfig c;
        auto g = sampleNoise(c, like, torch::full({16}, 999.0), 1000);
        QVERIFY(std::abs(neighbourCorrelation(g)) < 0.05);
    }

    void discriminativeLoss() {
        auto target = (torch::rand({2, 1, 8, 8}) > 0.5).to(torch::kFloat);
        auto good = bceDiceLoss((target * 2 - 1) * 12, target).item<double>();
        auto bad = bceDiceLoss(-(target * 2 - 1) * 12, target).item<double>();
        auto flat = bceDiceLoss(torch::zeros_like(target), target).item<double>();
        QVERIFY(good < 0.01);
        QVERIFY(flat > good);
        QVERIFY(bad > flat);
    }

    void conditionDropoutParsing() {
        auto c = ObjectiveConfig::fromJson({{"type", "v"}, {"p_drop", 0.2}, {"noise", "multires_annealed"}}, "test");
        QCOMPARE(int(c.objective), int(Objective::V));
        QCOMPARE(c.conditionDropout, 0.2);
        QCOMPARE(int(c.noise), int(NoiseKind::MultiResolutionAnnealed));
        QVERIFY_THROWS_EXCEPTION(std::exception, ObjectiveConfig::fromJson({{"type", "banana"}}, "test"));
        QVERIFY_THROWS_EXCEPTION(std::exception, ObjectiveConfig::fromJson({{"p_drop", 2}}, "test"));
        QVERIFY_THROWS_EXCEPTION(std::exception, ObjectiveConfig::fromJson({{"terminal_fraction", 1.5}}, "test"));
        QVERIFY_THROWS_EXCEPTION(std::exception, ObjectiveConfig::fromJson({{"foreground_weight", 0}}, "test"));
        const auto back = ObjectiveConfig::fromJson(
            ObjectiveConfig::fromJson({{"mask_loss", 0.5}, {"phrase_separation", 0.2}, {"terminal_fraction", 0.4}}, "t")
                .toJson(),
            "t");
        QCOMPARE(back.maskLoss, 0.5);
        QCOMPARE(back.phraseSeparation, 0.2);
        QCOMPARE(back.terminalFraction, 0.4);
    }

    void learningRateSchedule() {
        TrainConfig c;
        c.lr = 1.0;
        c.minLrRatio = 0.1;
        c.warmup = 10;
        c.steps = 110;
        QCOMPARE(learningRate(c, 5), 0.5);
        QCOMPARE(learningRate(c, 10), 1.0);
        QVERIFY(std::abs(learningRate(c, 60) - 0.55) < 1e-9);  // half-way down the cosine
        QVERIFY(std::abs(learningRate(c, 110) - 0.1) < 1e-9);
        QVERIFY(learningRate(c, 30) > learningRate(c, 31));
    }
};

QTEST_APPLESS_MAIN(TestTrainingObjectives)
#include "test_training_objectives.moc"
