#pragma once
// The DDPM forward process shared by training and sampling: β_t, ᾱ_t = Π(1 − β), and
// x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε. Betas and the cumulative product are computed in float32
// as diffusers does, so that ᾱ matches its schedulers to the last bit that matters.
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <string>

namespace ld {

enum class BetaSchedule { Linear, ScaledLinear, SquaredCos };
std::string betaScheduleName(BetaSchedule s);           // "linear", "scaled_linear", "squaredcos_cap_v2"
BetaSchedule parseBetaSchedule(const std::string& s);   // ld::Error for an unknown name

struct NoiseScheduleConfig {
    int numTrainTimesteps = 1000;
    double betaStart = 0.00085;
    double betaEnd = 0.012;
    BetaSchedule betaSchedule = BetaSchedule::ScaledLinear;
    // Lin et al. 2023: rescale so that ᾱ at the last timestep is exactly 0 (pure noise).
    bool rescaleZeroTerminalSnr = false;

    // diffusers' scheduler_config.json names: num_train_timesteps, beta_start, beta_end,
    // beta_schedule, rescale_betas_zero_snr. Unknown keys are ignored.
    static NoiseScheduleConfig fromJson(const nlohmann::json& j, const std::string& subject);
    void writeJson(nlohmann::json& j) const;
};

class NoiseSchedule {
public:
    explicit NoiseSchedule(const NoiseScheduleConfig& config = {});
    const NoiseScheduleConfig& config() const { return config_; }
    int numTrainTimesteps() const { return config_.numTrainTimesteps; }

    const torch::Tensor& betas() const { return betas_; }                 // [T] float32, CPU
    const torch::Tensor& alphasCumprod() const { return alphasCumprod_; } // [T] float32, CPU
    double alphaCumprod(int64_t t) const;                                 // ᾱ_t as float32 → double

    // x₀, ε: [B, ...]; timesteps: [B] integer, on any device.
    torch::Tensor addNoise(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& timesteps) const;
    // v = √ᾱ·ε − √(1−ᾱ)·x₀ (the v-prediction target).
    torch::Tensor velocity(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& timesteps) const;
    // √ᾱ_t and √(1−ᾱ_t) as [B, 1, 1, ...] broadcastable to `like`.
    std::pair<torch::Tensor, torch::Tensor> coefficients(const torch::Tensor& timesteps, const torch::Tensor& like) const;

private:
    NoiseScheduleConfig config_;
    torch::Tensor betas_, alphasCumprod_;
};

}  // namespace ld
