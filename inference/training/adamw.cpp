#include "inference/training/adamw.h"

#include <torch/torch.h>

#include <cmath>

namespace ld {

AdamW::AdamW(std::vector<TrainableParameter> params, AdamWOptions options)
    : params_(std::move(params)), options_(options) {
    torch::NoGradGuard ng;
    for (const auto& p : params_) {
        m_.push_back(torch::zeros_like(p.param));
        v_.push_back(torch::zeros_like(p.param));
    }
}

void AdamW::zeroGrad() {
    for (auto& p : params_)
        if (p.param.grad().defined()) p.param.mutable_grad().zero_();
}

void AdamW::dropGrad() {
    for (auto& p : params_)
        if (p.param.grad().defined()) p.param.mutable_grad().reset();
}

void AdamW::step(int64_t step, double lr) {
    torch::NoGradGuard ng;
    const AdamWOptions& o = options_;
    if (o.clip > 0) {
        std::vector<torch::Tensor> withGrad;
        for (auto& p : params_)
            if (p.param.grad().defined()) withGrad.push_back(p.param);
        torch::nn::utils::clip_grad_norm_(withGrad, o.clip);
    }
    const double bc1 = 1 - std::pow(o.beta1, double(step)), bc2 = 1 - std::pow(o.beta2, double(step));
    for (size_t i = 0; i < params_.size(); ++i) {
        auto& p = params_[i];
        if (!p.param.grad().defined()) continue;
        const auto& g = p.param.grad();
        m_[i].mul_(o.beta1).add_(g, 1 - o.beta1);
        v_[i].mul_(o.beta2).addcmul_(g, g, 1 - o.beta2);
        const double plr = lr * p.lrScale;
        if (p.decay && o.weightDecay > 0) p.param.mul_(1 - plr * o.weightDecay);
        auto denom = (v_[i] / bc2).sqrt_().add_(o.eps);
        p.param.addcdiv_(m_[i], denom, -plr / bc1);
    }
}

TensorMap AdamW::state() const {
    TensorMap s;
    for (size_t i = 0; i < params_.size(); ++i) {
        s["m." + params_[i].name] = m_[i].to(torch::kCPU).clone().contiguous();
        s["v." + params_[i].name] = v_[i].to(torch::kCPU).clone().contiguous();
    }
    return s;
}

void AdamW::loadState(const TensorMap& state, const std::string& subject) {
    for (size_t i = 0; i < params_.size(); ++i) {
        copyFromState(state, "m." + params_[i].name, m_[i], subject);
        copyFromState(state, "v." + params_[i].name, v_[i], subject);
    }
}

}  // namespace ld
