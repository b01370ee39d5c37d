#pragma once
// Pieces the Diffusion Transformers (PixArt, SD3's MMDiT) share: the GELU feed-forward with
// diffusers' key names, attention with an additive key bias (caption padding), adaptive
// LayerNorm modulation and unpatchify.
#include "inference/models/attention.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <string>

namespace ld {

// diffusers' FeedForward with activation_fn "gelu" (exact erf) or "gelu-approximate" (tanh):
// net.0.proj Linear dim -> mult*dim, GELU, net.2 Linear mult*dim -> dim.
class GeluFeedForwardImpl : public torch::nn::Module {
public:
    GeluFeedForwardImpl(int64_t dim, int64_t innerDim, bool tanhApproximation);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::ModuleList net{nullptr};

private:
    torch::nn::Linear in_{nullptr}, out_{nullptr};
    bool tanh_;
};
TORCH_MODULE(GeluFeedForward);

// Multi-head attention as multiHeadAttention, with `keyBias` [B, Nk] added to every query's
// scores before the softmax (undefined: none). diffusers turns a keep-mask into the bias
// (1 - mask) * -10000, which keepMaskToBias reproduces.
torch::Tensor multiHeadAttentionWithKeyBias(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                            int64_t heads, double scale, const torch::Tensor& keyBias, bool upcast);
// mask [B, Nk], 1 (or true) = attend -> [B, Nk] additive bias in `dtype`.
torch::Tensor keepMaskToBias(const torch::Tensor& mask, torch::ScalarType dtype);

// The Attention module's projections around multiHeadAttentionWithKeyBias (cross-attention
// to `context`, or self-attention when it is undefined).
torch::Tensor attendWithKeyBias(AttentionImpl& attn, const torch::Tensor& x, const torch::Tensor& context,
                                const torch::Tensor& keyBias);

// LayerNorm over the last dimension without affine parameters (every DiT norm here).
torch::Tensor layerNormNoAffine(const torch::Tensor& x, double eps);

// x * (1 + scale) + shift for x [B, N, D], with scale and shift [B, D] (broadcast over the
// tokens) or [B, N, D] (one per token).
torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale);
// A per-sample [B, D] modulation as [B, 1, D]; a per-token [B, N, D] one as it is.
torch::Tensor overTokens(const torch::Tensor& modulation);

// [B, gridH * gridW, p * p * C] (per token: p rows of p columns of C channels) -> [B, C, gridH*p, gridW*p].
torch::Tensor unpatchify(const torch::Tensor& tokens, int64_t gridH, int64_t gridW, int64_t patch, int64_t channels);

// A diffusers transformer folder: diffusion_pytorch_model.safetensors (fp32, on the CPU) and
// config.json, written atomically; an ld::Error naming the folder when it cannot be created.
void saveTransformerFolder(const torch::nn::Module& model, const std::string& configJson, const std::string& folder);
int64_t parameterCount(const torch::nn::Module& model);

}  // namespace ld
