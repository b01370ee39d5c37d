#pragma once
// diffusers' DDIMScheduler (scheduling_ddim.py, v0.30) with one deliberate difference:
// a step goes to the next timestep of the schedule, not to t − T/N, which is wrong when N
// does not divide T. Spacing leading/trailing/linspace, steps_offset, set_alpha_to_one,
// η ≥ 0, and epsilon / v / sample prediction.
#include "inference/io/model_card.h"
#include "inference/schedulers/noise_schedule.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ld {

enum class TimestepSpacing { Leading, Trailing, Linspace };
std::string timestepSpacingName(TimestepSpacing s);
TimestepSpacing parseTimestepSpacing(const std::string& s);  // ld::Error for an unknown name

struct DDIMSchedulerConfig {
    NoiseScheduleConfig noise;
    TimestepSpacing spacing = TimestepSpacing::Leading;
    int stepsOffset = 0;
    bool setAlphaToOne = true;
    PredictionType predictionType = PredictionType::Epsilon;
    bool clipSample = false;
    double clipSampleRange = 1.0;

    // diffusers' scheduler_config.json names (timestep_spacing, steps_offset,
    // set_alpha_to_one, prediction_type, clip_sample, clip_sample_range, plus the noise
    // schedule's). Unknown keys are ignored; bad values are an ld::Error naming `subject`.
    static DDIMSchedulerConfig fromJson(const nlohmann::json& j, const std::string& subject);
    nlohmann::json toJson() const;  // with "_class_name": "DDIMScheduler"
};

struct SchedulerStep {
    torch::Tensor prevSample;          // x at the next timestep of the schedule
    torch::Tensor predOriginalSample;  // x̂₀
};

// The timesteps diffusers' set_timesteps(n) gives (descending). ld::Error unless
// 1 <= n <= numTrainTimesteps.
std::vector<int64_t> ddimTimesteps(int numTrainTimesteps, int n, TimestepSpacing spacing, int stepsOffset);

class DDIMScheduler {
public:
    // ld::Error for flow prediction (FlowScheduler's). A step at ᾱ = 0 (zero terminal
    // SNR) with ε-prediction is an ld::Error too: x̂₀ would divide by √ᾱ = 0.
    explicit DDIMScheduler(const DDIMSchedulerConfig& config = {});
    const DDIMSchedulerConfig& config() const { return config_; }
    const NoiseSchedule& schedule() const { return schedule_; }
    double finalAlphaCumprod() const { return finalAlphaCumprod_; }

    void setTimesteps(int n);
    const std::vector<int64_t>& timesteps() const { return timesteps_; }

    // One step from timesteps()[index] to timesteps()[index + 1] (to the final ᾱ after
    // the last). With η > 0, `varianceNoise` (same shape as sample) must be given.
    SchedulerStep step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample, double eta = 0,
                       const std::optional<torch::Tensor>& varianceNoise = std::nullopt) const;
    // The same between two explicit timesteps (prevTimestep < 0: the final ᾱ).
    SchedulerStep stepBetween(const torch::Tensor& modelOutput, int64_t timestep, int64_t prevTimestep,
                              const torch::Tensor& sample, double eta = 0,
                              const std::optional<torch::Tensor>& varianceNoise = std::nullopt) const;

    // The quantities of the step formula, for tests and the trajectory view.
    double alphaProd(int64_t timestep) const;  // ᾱ_t, or the final ᾱ for t < 0
    double variance(int64_t timestep, int64_t prevTimestep) const;

private:
    DDIMSchedulerConfig config_;
    NoiseSchedule schedule_;
    double finalAlphaCumprod_ = 1.0;
    std::vector<int64_t> timesteps_;
};

}  // namespace ld
