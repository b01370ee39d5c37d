#include "inference/schedulers/noise_schedule.h"

#include "core/enum_names.h"
#include "core/error.h"
#include "inference/io/json_config.h"

#include <torch/torch.h>

#include <cmath>

namespace ld {

namespace {

const EnumName<BetaSchedule> kBetaSchedules[] = {{BetaSchedule::Linear, "linear"},
                                                 {BetaSchedule::ScaledLinear, "scaled_linear"},
                                                 {BetaSchedule::SquaredCos, "squaredcos_cap_v2"},
                                                 {BetaSchedule::SquaredCos, "squaredcos"},
                                                 {BetaSchedule::SquaredCos, "cosine"}};

}  // namespace

std::string betaScheduleName(BetaSchedule s) { return enumName(kBetaSchedules, s); }
BetaSchedule parseBetaSchedule(const std::string& s) {
    return parseEnum(kBetaSchedules, s, "scheduler config", "beta_schedule");
}

NoiseScheduleConfig NoiseScheduleConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    NoiseScheduleConfig c;
    c.numTrainTimesteps = jsoncfg::getInt(j, "num_train_timesteps", c.numTrainTimesteps, subject);
    c.betaStart = jsoncfg::getDouble(j, "beta_start", c.betaStart, subject);
    c.betaEnd = jsoncfg::getDouble(j, "beta_end", c.betaEnd, subject);
    try {
        c.betaSchedule = parseBetaSchedule(jsoncfg::getString(j, "beta_schedule", betaScheduleName(c.betaSchedule), subject));
    } catch (const Error& e) {
        throw Error(subject, e.what());
    }
    c.rescaleZeroTerminalSnr = jsoncfg::getBool(j, "rescale_betas_zero_snr", c.rescaleZeroTerminalSnr, subject);
    if (c.numTrainTimesteps < 2 || c.numTrainTimesteps > 100000)
        throw Error(subject, "num_train_timesteps must be in 2..100000");
    if (!(c.betaStart > 0 && c.betaEnd < 1 && c.betaStart <= c.betaEnd))
        throw Error(subject, "betas must satisfy 0 < beta_start <= beta_end < 1");
    return c;
}

void NoiseScheduleConfig::writeJson(nlohmann::json& j) const {
    j["num_train_timesteps"] = numTrainTimesteps;
    j["beta_start"] = betaStart;
    j["beta_end"] = betaEnd;
    j["beta_schedule"] = betaScheduleName(betaSchedule);
    j["rescale_betas_zero_snr"] = rescaleZeroTerminalSnr;
}

namespace {

// diffusers' betas_for_alpha_bar with the cosine ᾱ (computed in double, stored as float32).
torch::Tensor cosineBetas(int T) {
    auto alphaBar = [](double t) {
        const double v = std::cos((t + 0.008) / 1.008 * M_PI / 2);
        return v * v;
    };
    std::vector<float> b(T);
    for (int i = 0; i < T; ++i)
        b[i] = float(std::min(1 - alphaBar(double(i + 1) / T) / alphaBar(double(i) / T), 0.999));
    return torch::tensor(b, torch::kFloat);
}

// Lin et al. 2023, algorithm 1, as diffusers' rescale_zero_terminal_snr.
torch::Tensor rescaleZeroTerminalSnr(const torch::Tensor& betas) {
    auto alphas = 1.0 - betas;
    auto sqrtAc = torch::cumprod(alphas, 0).sqrt();
    auto first = sqrtAc[0].clone();
    auto last = sqrtAc[-1].clone();
    sqrtAc = (sqrtAc - last) * (first / (first - last));
    auto ac = sqrtAc * sqrtAc;
    auto a = torch::cat({ac.slice(0, 0, 1), ac.slice(0, 1) / ac.slice(0, 0, -1)});
    return 1.0 - a;
}

}  // namespace

NoiseSchedule::NoiseSchedule(const NoiseScheduleConfig& config) : config_(config) {
    const int T = config.numTrainTimesteps;
    torch::NoGradGuard noGrad;
    switch (config.betaSchedule) {
        case BetaSchedule::Linear:
            betas_ = torch::linspace(config.betaStart, config.betaEnd, T, torch::kFloat);
            break;
        case BetaSchedule::ScaledLinear:
            betas_ = torch::linspace(std::sqrt(config.betaStart), std::sqrt(config.betaEnd), T, torch::kFloat).pow(2);
            break;
        case BetaSchedule::SquaredCos:
            betas_ = cosineBetas(T);
            break;
    }
    if (config.rescaleZeroTerminalSnr) betas_ = rescaleZeroTerminalSnr(betas_);
    alphasCumprod_ = torch::cumprod(1.0 - betas_, 0).contiguous();
}

double NoiseSchedule::alphaCumprod(int64_t t) const {
    if (t < 0 || t >= config_.numTrainTimesteps)
        throw Error("noise schedule", "timestep " + std::to_string(t) + " outside 0.." +
                                          std::to_string(config_.numTrainTimesteps - 1));
    return double(alphasCumprod_.data_ptr<float>()[t]);
}

std::pair<torch::Tensor, torch::Tensor> NoiseSchedule::coefficients(const torch::Tensor& timesteps,
                                                                    const torch::Tensor& like) const {
    auto t = timesteps.to(torch::kCPU, torch::kLong).reshape({-1});
    if (t.numel() != like.size(0))
        throw Error("noise schedule", "one timestep per sample expected (" + std::to_string(like.size(0)) + "), got " +
                                          std::to_string(t.numel()));
    if (t.min().item<int64_t>() < 0 || t.max().item<int64_t>() >= config_.numTrainTimesteps)
        throw Error("noise schedule", "timesteps outside 0.." + std::to_string(config_.numTrainTimesteps - 1));
    std::vector<int64_t> shape(size_t(like.dim()), 1);
    shape[0] = like.size(0);
    auto ac = alphasCumprod_.index_select(0, t).to(like.device(), like.scalar_type()).reshape(shape);
    return {ac.sqrt(), (1 - ac).sqrt()};
}

torch::Tensor NoiseSchedule::addNoise(const torch::Tensor& x0, const torch::Tensor& noise,
                                      const torch::Tensor& timesteps) const {
    auto [a, s] = coefficients(timesteps, x0);
    return a * x0 + s * noise;
}

torch::Tensor NoiseSchedule::velocity(const torch::Tensor& x0, const torch::Tensor& noise,
                                      const torch::Tensor& timesteps) const {
    auto [a, s] = coefficients(timesteps, x0);
    return a * noise - s * x0;
}

}  // namespace ld
