#pragma once
// diffusers' `Timesteps` (sinusoidal projection) and `TimestepEmbedding` (linear_1, act,
// linear_2) from embeddings.py.
#include "inference/models/activations.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

namespace ld {

// get_timestep_embedding: timesteps [B] -> [B, dim], computed in float32 as diffusers does
// (float64 moves the result by ~1e-5). half = dim/2, freq_i = exp(-ln(maxPeriod) * i /
// (half - freqShift)); output [sin, cos] of t*freq, or [cos, sin] with flipSinToCos; an
// odd dim is zero-padded.
torch::Tensor timestepEmbedding(const torch::Tensor& timesteps, int64_t dim, bool flipSinToCos, double freqShift,
                                double scale = 1.0, double maxPeriod = 10000.0);

class TimestepEmbeddingImpl : public torch::nn::Module {
public:
    TimestepEmbeddingImpl(int64_t inChannels, int64_t timeEmbedDim, Activation act = Activation::SiLU);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear linear_1{nullptr}, linear_2{nullptr};

private:
    Activation act_;
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace ld
