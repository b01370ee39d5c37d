#include "inference/schedulers/flow_scheduler.h"

#include "core/error.h"
#include "inference/io/json_config.h"

#include <torch/torch.h>

namespace ld {

FlowSchedulerConfig FlowSchedulerConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    FlowSchedulerConfig c;
    c.numTrainTimesteps = jsoncfg::getInt(j, "num_train_timesteps", c.numTrainTimesteps, subject);
    c.shift = jsoncfg::getDouble(j, "shift", c.shift, subject);
    if (c.numTrainTimesteps < 1) throw Error(subject, "num_train_timesteps must be positive");
    if (!(c.shift > 0)) throw Error(subject, "shift must be positive");
    return c;
}

nlohmann::json FlowSchedulerConfig::toJson() const {
    return {{"_class_name", "FlowMatchEulerDiscreteScheduler"}, {"num_train_timesteps", numTrainTimesteps},
            {"shift", shift}};
}

FlowScheduler::FlowScheduler(const FlowSchedulerConfig& config) : config_(config) {}

void FlowScheduler::setTimesteps(int n) {
    if (n < 1 || n > config_.numTrainTimesteps)
        throw Error("flow scheduler", "the number of steps must be in 1.." + std::to_string(config_.numTrainTimesteps));
    sigmas_.clear();
    const double s = config_.shift;
    for (int i = 0; i < n; ++i) {
        const double sigma = 1.0 - double(i) / n;
        sigmas_.push_back(s * sigma / (1 + (s - 1) * sigma));
    }
    sigmas_.push_back(0.0);
}

FlowStep FlowScheduler::step(const torch::Tensor& velocity, size_t index, const torch::Tensor& sample) const {
    if (index + 1 >= sigmas_.size())
        throw Error("flow scheduler", "step " + std::to_string(index) + " outside the schedule (call setTimesteps first)");
    const double sigma = sigmas_[index], next = sigmas_[index + 1];
    return {sample + (next - sigma) * velocity, sample - sigma * velocity};
}

torch::Tensor FlowScheduler::interpolate(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& sigma) {
    std::vector<int64_t> shape(size_t(x0.dim()), 1);
    shape[0] = x0.size(0);
    auto s = sigma.to(x0.device(), x0.scalar_type()).reshape(shape);
    return (1 - s) * x0 + s * noise;
}

torch::Tensor FlowScheduler::velocityTarget(const torch::Tensor& x0, const torch::Tensor& noise) { return noise - x0; }

}  // namespace ld
