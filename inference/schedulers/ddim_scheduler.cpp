#include "inference/schedulers/ddim_scheduler.h"

#include "core/enum_names.h"
#include "core/error.h"
#include "inference/io/json_config.h"

#include <torch/torch.h>

#include <cmath>

namespace ld {

namespace {

const EnumName<TimestepSpacing> kSpacings[] = {{TimestepSpacing::Leading, "leading"},
                                               {TimestepSpacing::Trailing, "trailing"},
                                               {TimestepSpacing::Linspace, "linspace"}};

}  // namespace

std::string timestepSpacingName(TimestepSpacing s) { return enumName(kSpacings, s); }
TimestepSpacing parseTimestepSpacing(const std::string& s) {
    return parseEnum(kSpacings, s, "scheduler config", "timestep_spacing");
}

DDIMSchedulerConfig DDIMSchedulerConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    DDIMSchedulerConfig c;
    c.noise = NoiseScheduleConfig::fromJson(j, subject);
    try {
        c.spacing = parseTimestepSpacing(jsoncfg::getString(j, "timestep_spacing", "leading", subject));
        c.predictionType = parsePredictionType(jsoncfg::getString(j, "prediction_type", "epsilon", subject));
    } catch (const Error& e) {
        throw Error(subject, e.what());
    }
    c.stepsOffset = jsoncfg::getInt(j, "steps_offset", c.stepsOffset, subject);
    c.setAlphaToOne = jsoncfg::getBool(j, "set_alpha_to_one", c.setAlphaToOne, subject);
    c.clipSample = jsoncfg::getBool(j, "clip_sample", c.clipSample, subject);
    c.clipSampleRange = jsoncfg::getDouble(j, "clip_sample_range", c.clipSampleRange, subject);
    if (c.stepsOffset < 0 || c.stepsOffset >= c.noise.numTrainTimesteps)
        throw Error(subject, "steps_offset must be in 0..num_train_timesteps-1");
    return c;
}

nlohmann::json DDIMSchedulerConfig::toJson() const {
    nlohmann::json j;
    j["_class_name"] = "DDIMScheduler";
    noise.writeJson(j);
    j["timestep_spacing"] = timestepSpacingName(spacing);
    j["steps_offset"] = stepsOffset;
    j["set_alpha_to_one"] = setAlphaToOne;
    j["prediction_type"] = predictionTypeName(predictionType);
    j["clip_sample"] = clipSample;
    j["clip_sample_range"] = clipSampleRange;
    return j;
}

std::vector<int64_t> ddimTimesteps(int T, int n, TimestepSpacing spacing, int stepsOffset) {
    if (n < 1 || n > T)
        throw Error("DDIM", "the number of steps must be in 1.." + std::to_string(T) + ", got " + std::to_string(n));
    std::vector<int64_t> ts;
    switch (spacing) {
        case TimestepSpacing::Linspace:
            // np.linspace(0, T-1, n).round()[::-1]: round half to even, like numpy.
            for (int i = n - 1; i >= 0; --i)
                ts.push_back(int64_t(std::nearbyint(n == 1 ? 0.0 : double(T - 1) * i / (n - 1))));
            break;
        case TimestepSpacing::Leading: {
            const int ratio = T / n;
            for (int i = n - 1; i >= 0; --i) ts.push_back(int64_t(i) * ratio + stepsOffset);
            break;
        }
        case TimestepSpacing::Trailing: {
            // np.round(np.arange(T, 0, -T/n)) - 1
            const double ratio = double(T) / n;
            for (int i = 0; i < n; ++i) {
                const double v = double(T) - i * ratio;
                if (v <= 0) break;
                ts.push_back(int64_t(std::nearbyint(v)) - 1);
            }
            break;
        }
    }
    return ts;
}

DDIMScheduler::DDIMScheduler(const DDIMSchedulerConfig& config) : config_(config), schedule_(config.noise) {
    if (config.predictionType == PredictionType::Flow)
        throw Error("DDIM scheduler", "flow prediction is sampled by the flow scheduler, not DDIM");
    finalAlphaCumprod_ = config.setAlphaToOne ? 1.0 : schedule_.alphaCumprod(0);
}

void DDIMScheduler::setTimesteps(int n) {
    timesteps_ = ddimTimesteps(config_.noise.numTrainTimesteps, n, config_.spacing, config_.stepsOffset);
}

double DDIMScheduler::alphaProd(int64_t timestep) const {
    return timestep < 0 ? finalAlphaCumprod_ : schedule_.alphaCumprod(timestep);
}

double DDIMScheduler::variance(int64_t timestep, int64_t prevTimestep) const {
    const double a = alphaProd(timestep), ap = alphaProd(prevTimestep);
    return (1 - ap) / (1 - a) * (1 - a / ap);
}

SchedulerStep DDIMScheduler::step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                                  double eta, const std::optional<torch::Tensor>& varianceNoise) const {
    if (index >= timesteps_.size())
        throw Error("DDIM scheduler", "step " + std::to_string(index) + " outside the schedule of " +
                                          std::to_string(timesteps_.size()) + " steps (call setTimesteps first)");
    const int64_t prev = index + 1 < timesteps_.size() ? timesteps_[index + 1] : -1;
    return stepBetween(modelOutput, timesteps_[index], prev, sample, eta, varianceNoise);
}

SchedulerStep DDIMScheduler::stepBetween(const torch::Tensor& modelOutput, int64_t timestep, int64_t prevTimestep,
                                         const torch::Tensor& sample, double eta,
                                         const std::optional<torch::Tensor>& varianceNoise) const {
    if (eta < 0) throw Error("DDIM scheduler", "eta must be >= 0");
    const double a = alphaProd(timestep), ap = alphaProd(prevTimestep);
    const double b = 1 - a;
    if (a <= 0 && config_.predictionType == PredictionType::Epsilon)
        throw Error("DDIM scheduler", "zero terminal SNR with epsilon prediction cannot recover x0 at timestep " +
                                          std::to_string(timestep) +
                                          " (sqrt(alpha_bar) = 0); use v_prediction or sample");
    torch::Tensor x0, eps;
    switch (config_.predictionType) {
        case PredictionType::Epsilon:
            x0 = (sample - std::sqrt(b) * modelOutput) / std::sqrt(a);
            eps = modelOutput;
            break;
        case PredictionType::Sample:
            x0 = modelOutput;
            eps = (sample - std::sqrt(a) * x0) / std::sqrt(b);
            break;
        case PredictionType::V:
            x0 = std::sqrt(a) * sample - std::sqrt(b) * modelOutput;
            eps = std::sqrt(a) * modelOutput + std::sqrt(b) * sample;
            break;
        case PredictionType::Flow:
            throw Error("DDIM scheduler", "flow prediction is not a DDIM prediction type");
    }
    if (config_.clipSample) x0 = x0.clamp(-config_.clipSampleRange, config_.clipSampleRange);
    const double std = eta * std::sqrt(variance(timestep, prevTimestep));
    auto prev = std::sqrt(ap) * x0 + std::sqrt(std::max(0.0, 1 - ap - std * std)) * eps;
    if (eta > 0) {
        if (!varianceNoise || !varianceNoise->defined())
            throw Error("DDIM scheduler", "eta > 0 needs variance noise");
        prev = prev + std * *varianceNoise;
    }
    return {prev, x0};
}

}  // namespace ld
