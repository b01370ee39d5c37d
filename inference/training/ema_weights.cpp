#include "inference/training/ema_weights.h"

#include <torch/torch.h>

#include <algorithm>

namespace ld {

EmaWeights::EmaWeights(std::vector<TrainableParameter> params, double decay)
    : params_(std::move(params)), decay_(decay) {
    if (!enabled()) return;
    torch::NoGradGuard ng;
    for (const auto& p : params_) average_.push_back(p.param.detach().clone());
}

void EmaWeights::update(int64_t step) {
    if (!enabled()) return;
    torch::NoGradGuard ng;
    const double d = std::min(decay_, (1.0 + double(step)) / (10.0 + double(step)));
    for (size_t i = 0; i < params_.size(); ++i) average_[i].mul_(d).add_(params_[i].param.detach(), 1 - d);
}

TensorMap EmaWeights::state() const {
    TensorMap s;
    for (size_t i = 0; i < average_.size(); ++i) s[params_[i].name] = average_[i].to(torch::kCPU).clone().contiguous();
    return s;
}

void EmaWeights::loadState(const TensorMap& state, const std::string& subject) {
    for (size_t i = 0; i < average_.size(); ++i) copyFromState(state, params_[i].name, average_[i], subject);
}

EmaWeights::Swap::Swap(EmaWeights& ema) : ema_(ema) {
    if (!ema_.enabled()) return;
    torch::NoGradGuard ng;
    for (size_t i = 0; i < ema_.params_.size(); ++i) {
        raw_.push_back(ema_.params_[i].param.detach().clone());
        ema_.params_[i].param.copy_(ema_.average_[i]);
    }
}

EmaWeights::Swap::~Swap() {
    torch::NoGradGuard ng;
    for (size_t i = 0; i < raw_.size(); ++i) ema_.params_[i].param.copy_(raw_[i]);
}

}  // namespace ld
