#include "inference/training/training_objectives.h"

#include "core/enum_names.h"
#include "core/error.h"
#include "inference/schedulers/flow_scheduler.h"
#include "inference/schedulers/noise_schedule.h"
#include "inference/text/pairwise_cosine.h"

#include <torch/torch.h>

#include <algorithm>

namespace ld {

namespace {

const EnumName<Objective> kObjectives[] = {
    {Objective::Epsilon, "epsilon"},        {Objective::V, "v_prediction"},       {Objective::Sample, "sample"},
    {Objective::Flow, "flow"},              {Objective::Discriminative, "discriminative"},
    {Objective::Epsilon, "eps"},            {Objective::V, "v"},                  {Objective::Sample, "x0"},
    {Objective::Flow, "rectified_flow"}};
const EnumName<TimestepSampling> kTimestepSamplings[] = {{TimestepSampling::Uniform, "uniform"},
                                                         {TimestepSampling::LogitNormal, "logit_normal"},
                                                         {TimestepSampling::LongTail, "long_tail"}};
const EnumName<NoiseKind> kNoiseKinds[] = {{NoiseKind::Gaussian, "gaussian"},
                                           {NoiseKind::MultiResolutionAnnealed, "multires_annealed"},
                                           {NoiseKind::MultiResolutionAnnealed, "multires"}};

}  // namespace

std::string objectiveName(Objective o) { return enumName(kObjectives, o); }
Objective parseObjective(const std::string& s) { return parseEnum(kObjectives, s, "objective", "objective"); }

PredictionType predictionTypeOf(Objective o) {
    switch (o) {
        case Objective::Epsilon: return PredictionType::Epsilon;
        case Objective::V: return PredictionType::V;
        case Objective::Flow: return PredictionType::Flow;
        case Objective::Sample:
        case Objective::Discriminative: return PredictionType::Sample;
    }
    return PredictionType::Sample;
}

std::string timestepSamplingName(TimestepSampling s) { return enumName(kTimestepSamplings, s); }
TimestepSampling parseTimestepSampling(const std::string& s) {
    return parseEnum(kTimestepSamplings, s, "objective", "timestep sampling");
}

std::string noiseKindName(NoiseKind k) { return enumName(kNoiseKinds, k); }
NoiseKind parseNoiseKind(const std::string& s) { return parseEnum(kNoiseKinds, s, "objective", "noise"); }

ObjectiveConfig ObjectiveConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    ObjectiveConfig c;
    if (j.is_null()) return c;
    if (!j.is_object()) throw Error(subject, "objective must be a JSON object");
    try {
        if (j.contains("type")) c.objective = parseObjective(j.at("type").get<std::string>());
        if (j.contains("timesteps")) c.timesteps = parseTimestepSampling(j.at("timesteps").get<std::string>());
        c.shift = j.value("shift", c.shift);
        c.logitMean = j.value("logit_mean", c.logitMean);
        c.logitStd = j.value("logit_std", c.logitStd);
        if (j.contains("noise")) c.noise = parseNoiseKind(j.at("noise").get<std::string>());
        c.multiresStrength = j.value("multires_strength", c.multiresStrength);
        c.conditionDropout = j.value("p_drop", c.conditionDropout);
        c.terminalFraction = j.value("terminal_fraction", c.terminalFraction);
        c.maskLoss = j.value("mask_loss", c.maskLoss);
        c.foregroundWeight = j.value("foreground_weight", c.foregroundWeight);
        c.phraseSeparation = j.value("phrase_separation", c.phraseSeparation);
        c.separationMargin = j.value("separation_margin", c.separationMargin);
    } catch (const nlohmann::json::exception& e) {
        throw Error(subject, std::string("bad objective: ") + e.what());
    } catch (const Error& e) {
        throw Error(subject, e.what());
    }
    if (!(c.shift > 0)) throw Error(subject, "objective.shift must be > 0");
    if (c.conditionDropout < 0 || c.conditionDropout > 1) throw Error(subject, "objective.p_drop must be in [0, 1]");
    if (c.terminalFraction < 0 || c.terminalFraction > 1)
        throw Error(subject, "objective.terminal_fraction must be in [0, 1]");
    if (c.maskLoss < 0 || c.phraseSeparation < 0) throw Error(subject, "objective.mask_loss and phrase_separation must be >= 0");
    if (!(c.foregroundWeight > 0)) throw Error(subject, "objective.foreground_weight must be > 0");
    if (c.separationMargin < -1 || c.separationMargin > 1) throw Error(subject, "objective.separation_margin must be in [-1, 1]");
    return c;
}

nlohmann::json ObjectiveConfig::toJson() const {
    return {{"type", objectiveName(objective)}, {"timesteps", timestepSamplingName(timesteps)},
            {"shift", shift},                    {"logit_mean", logitMean},
            {"logit_std", logitStd},             {"noise", noiseKindName(noise)},
            {"multires_strength", multiresStrength}, {"p_drop", conditionDropout},
            {"terminal_fraction", terminalFraction}, {"mask_loss", maskLoss},
            {"foreground_weight", foregroundWeight}, {"phrase_separation", phraseSeparation},
            {"separation_margin", separationMargin}};
}

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
