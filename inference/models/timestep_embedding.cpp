#include "inference/models/timestep_embedding.h"

#include "core/error.h"

#include <torch/torch.h>

#include <cmath>

namespace ld {

torch::Tensor timestepEmbedding(const torch::Tensor& timesteps, int64_t dim, bool flipSinToCos, double freqShift,
                                double scale, double maxPeriod) {
    if (timesteps.dim() != 1) throw Error("timesteps", "expected a 1-D tensor of timesteps, got " +
                                                           std::to_string(timesteps.dim()) + "-D");
    const int64_t half = dim / 2;
    if (half <= 0 || half - freqShift == 0) throw Error("timesteps", "embedding dimension too small");
    auto fopts = torch::TensorOptions().dtype(torch::kFloat).device(timesteps.device());
    // Same float32 operation order as diffusers: (-ln(P) * arange) / (half - shift), exp.
    torch::Tensor exponent = torch::arange(0, half, fopts) * (-std::log(maxPeriod));
    exponent = exponent / (static_cast<double>(half) - freqShift);
    torch::Tensor freqs = torch::exp(exponent);
    torch::Tensor emb = timesteps.to(torch::kFloat).unsqueeze(1) * freqs.unsqueeze(0);
    if (scale != 1.0) emb = emb * scale;
    emb = flipSinToCos ? torch::cat({torch::cos(emb), torch::sin(emb)}, -1)
                       : torch::cat({torch::sin(emb), torch::cos(emb)}, -1);
    if (dim % 2 == 1) emb = torch::nn::functional::pad(emb, torch::nn::functional::PadFuncOptions({0, 1, 0, 0}));
    return emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t inChannels, int64_t timeEmbedDim, Activation act) : act_(act) {
    linear_1 = register_module("linear_1", torch::nn::Linear(inChannels, timeEmbedDim));
    linear_2 = register_module("linear_2", torch::nn::Linear(timeEmbedDim, timeEmbedDim));
}

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& x) {
    return linear_2(activate(act_, linear_1(x)));
}

}  // namespace ld
