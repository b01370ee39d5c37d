#include "inference/training/training_objectives.h"

#include "core/error.h"
#include "inference/schedulers/flow_scheduler.h"
#include "inference/schedulers/noise_schedule.h"
#include "inference/text/pairwise_cosine.h"

#include <torch/torch.h>

#include <algorithm>

namespace ld {

namespace {

torch::Tensor sampleDistribution(const ObjectiveConfig& c, int64_t batch) {
    switch (c.timesteps) {
        case TimestepSampling::Uniform: return torch::rand({batch}, torch::kDouble);
        case TimestepSampling::LogitNormal:
            return torch::sigmoid(c.logitMean + c.logitStd * torch::randn({batch}, torch::kDouble));
        case TimestepSampling::LongTail: {
            auto v = torch::rand({batch}, torch::kDouble);
            return v / (v + c.shift * (1 - v));
        }
    }
    throw Error("objective", "unknown timestep sampling");
}

}  // namespace

torch::Tensor sampleNoiseLevels(const ObjectiveConfig& c, int64_t batch) {
    auto u = sampleDistribution(c, batch);
    // Drawn only when asked for, so that configs without it keep their exact random stream.
    if (c.terminalFraction > 0) u = torch::where(torch::rand({batch}, torch::kDouble) < c.terminalFraction, torch::ones_like(u), u);
    return u;
}

torch::Tensor levelsToTimesteps(const torch::Tensor& u, int T) {
    return torch::clamp(torch::floor(u.to(torch::kDouble) * T), 0, T - 1).to(torch::kLong);
}

torch::Tensor multiResolutionNoise(const torch::Tensor& like, const torch::Tensor& timesteps, int T,
                                   double baseStrength) {
    const int64_t b = like.size(0), c = like.size(1);
    int64_t h = like.size(2), w = like.size(3);
    const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(like.device());
    auto strength = (timesteps.to(opts).to(torch::kFloat) / double(T) * baseStrength).reshape({-1, 1, 1, 1});
    auto noise = torch::randn({b, c, h, w}, opts);
    for (int i = 0; i < 10; ++i) {
        const double r = torch::rand({1}, torch::kDouble).item<double>() * 2 + 2;
        h = std::max<int64_t>(1, int64_t(double(h) / std::pow(r, i)));
        w = std::max<int64_t>(1, int64_t(double(w) / std::pow(r, i)));
        auto low = torch::randn({b, c, h, w}, opts);
        auto up = torch::nn::functional::interpolate(
            low, torch::nn::functional::InterpolateFuncOptions()
                     .size(std::vector<int64_t>{like.size(2), like.size(3)})
                     .mode(torch::kBilinear)
                     .align_corners(false));
        noise = noise + up * strength.pow(i);
        if (h == 1 || w == 1) break;
    }
    return (noise / noise.std()).to(like.scalar_type());
}

torch::Tensor sampleNoise(const ObjectiveConfig& c, const torch::Tensor& like, const torch::Tensor& timesteps, int T) {
    if (c.noise == NoiseKind::MultiResolutionAnnealed)
        return multiResolutionNoise(like, timesteps, T, c.multiresStrength);
    return torch::randn(like.sizes(), like.options());
}

DiffusionTargets diffusionTargets(Objective o, const NoiseSchedule& schedule, const torch::Tensor& x0,
                                  const torch::Tensor& noise, const torch::Tensor& u) {
    DiffusionTargets d;
    const int T = schedule.numTrainTimesteps();
    const auto fopts = torch::TensorOptions().dtype(torch::kFloat).device(x0.device());
    if (o == Objective::Flow) {
        auto sigma = u.to(fopts);
        d.noisy = FlowScheduler::interpolate(x0, noise, sigma);
        d.target = FlowScheduler::velocityTarget(x0, noise);
        d.modelTimesteps = sigma * double(T);
        d.signalScale = (1 - sigma).view({-1, 1, 1, 1});
        d.noiseScale = sigma.view({-1, 1, 1, 1});
        return d;
    }
    if (o == Objective::Discriminative) throw Error("objective", "the discriminative baseline has no diffusion targets");
    auto t = levelsToTimesteps(u, T).to(x0.device());
    d.noisy = schedule.addNoise(x0, noise, t);
    d.modelTimesteps = t.to(fopts);
    std::tie(d.signalScale, d.noiseScale) = schedule.coefficients(t, x0);
    switch (o) {
        case Objective::Epsilon: d.target = noise; break;
        case Objective::V: d.target = schedule.velocity(x0, noise, t); break;
        default: d.target = x0; break;
    }
    return d;
}

torch::Tensor predictedSample(Objective o, const DiffusionTargets& d, const torch::Tensor& out) {
    switch (o) {
        case Objective::Sample: return out;
        case Objective::Flow: return d.noisy - d.noiseScale * out;
        case Objective::V: return d.signalScale * d.noisy - d.noiseScale * out;
        case Objective::Epsilon: return (d.noisy - d.noiseScale * out) / d.signalScale.clamp_min(0.01);
        case Objective::Discriminative: break;
    }
    throw Error("objective", "the discriminative baseline predicts the mask directly");
}

torch::Tensor weightedMse(const torch::Tensor& prediction, const torch::Tensor& target, const torch::Tensor& coverage,
                          double foregroundWeight) {
    if (foregroundWeight == 1.0) return torch::mse_loss(prediction, target);
    auto w = 1 + (foregroundWeight - 1) * coverage.clamp(0, 1);
    return ((prediction - target).pow(2) * w).mean() / w.mean();
}

torch::Tensor maskBceDiceLoss(const torch::Tensor& predicted, const torch::Tensor& target) {
    auto p = ((predicted + 1) / 2).clamp(1e-4, 1 - 1e-4);
    auto t = ((target + 1) / 2).clamp(0, 1);
    auto bce = torch::binary_cross_entropy(p, t);
    auto pf = p.flatten(1), tf = t.flatten(1);
    auto dice = 1 - (2 * (pf * tf).sum(1) + 1) / (pf.sum(1) + tf.sum(1) + 1);
    return bce + dice.mean();
}

torch::Tensor phraseSeparationLoss(const torch::Tensor& encodings, double margin) {
    const int64_t n = encodings.size(0);
    if (n < 2) return torch::zeros({}, encodings.options().dtype(torch::kFloat));
    auto cos = pairwiseCosine(encodings);
    auto offDiagonal = 1 - torch::eye(n, cos.options());
    return ((cos - margin).clamp_min(0).pow(2) * offDiagonal).sum() / double(n * (n - 1));
}

torch::Tensor bceDiceLoss(const torch::Tensor& logits, const torch::Tensor& target) {
    auto bce = torch::binary_cross_entropy_with_logits(logits, target);
    auto p = torch::sigmoid(logits).flatten(1);
    auto t = target.flatten(1);
    auto inter = (p * t).sum(1);
    auto dice = 1 - (2 * inter + 1) / (p.sum(1) + t.sum(1) + 1);
    return bce + dice.mean();
}

}  // namespace ld
