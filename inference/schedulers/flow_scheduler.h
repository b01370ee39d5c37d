#pragma once
// Rectified flow (GenMask): the straight path x_σ = (1 − σ)·x₀ + σ·ε, σ ∈ [0, 1], a
// network predicting the velocity v = ε − x₀, and Euler steps from σ = 1 to 0. One step
// is exact for a perfect velocity: x̂₀ = x₁ − v. The network sees σ·T as its timestep.
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <vector>

namespace ld {

struct FlowSchedulerConfig {
    int numTrainTimesteps = 1000;
    double shift = 1.0;  // SD3's timestep shift: σ' = s·σ / (1 + (s − 1)·σ)
    // scheduler_config.json: num_train_timesteps, shift; unknown keys ignored.
    static FlowSchedulerConfig fromJson(const nlohmann::json& j, const std::string& subject);
    nlohmann::json toJson() const;  // with "_class_name": "FlowMatchEulerDiscreteScheduler"
};

struct FlowStep {
    torch::Tensor prevSample;
    torch::Tensor predOriginalSample;
};

class FlowScheduler {
public:
    explicit FlowScheduler(const FlowSchedulerConfig& config = {});
    const FlowSchedulerConfig& config() const { return config_; }

    // σ_0 = 1 > σ_1 > … > σ_{n−1} > 0 (shifted), plus the final σ_n = 0.
    void setTimesteps(int n);
    const std::vector<double>& sigmas() const { return sigmas_; }  // n + 1 values
    double modelTimestep(size_t index) const { return sigmas_.at(index) * config_.numTrainTimesteps; }
    size_t steps() const { return sigmas_.empty() ? 0 : sigmas_.size() - 1; }

    FlowStep step(const torch::Tensor& velocity, size_t index, const torch::Tensor& sample) const;

    // Training side: x_σ and the velocity target, σ: [B] in [0, 1].
    static torch::Tensor interpolate(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& sigma);
    static torch::Tensor velocityTarget(const torch::Tensor& x0, const torch::Tensor& noise);

private:
    FlowSchedulerConfig config_;
    std::vector<double> sigmas_;
};

}  // namespace ld
