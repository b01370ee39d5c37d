#pragma once
// diffusers' `Attention` (attention_processor.py) with the classic AttnProcessor arithmetic,
// plus the precision helpers every network here shares: half-precision activations are
// upcast to float32 where attention scores or GroupNorm statistics would overflow.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

namespace ld {

// True when this LibTorch has at::scaled_dot_product_attention (>= 2.0) and it is used.
bool hasScaledDotProductAttention();

// Multi-head attention on packed tensors: q [B, Nq, H*d], k and v [B, Nk, H*d] -> [B, Nq, H*d].
// scores = scale * q k^T, softmax over keys, times v. `upcast` computes q k^T and the softmax
// in float32 (diffusers' upcast_attention / upcast_softmax; SD2 needs it in fp16). `causal`
// hides later keys from earlier queries (CLIP's text encoder). Uses
// scaled_dot_product_attention when the LibTorch version has it, baddbmm/softmax/bmm otherwise.
torch::Tensor multiHeadAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 int64_t heads, double scale, bool upcast, bool causal = false);

// GroupNorm whose statistics are computed in float32 when x is fp16/bf16 (and the result
// cast back), so large activations do not overflow.
torch::Tensor groupNormUpcast(torch::nn::GroupNorm norm, const torch::Tensor& x);

struct AttentionOptions {
    int64_t queryDim = 0;
    int64_t crossAttentionDim = 0;  // 0: self-attention (keys/values from the query input)
    int64_t heads = 8;
    int64_t dimHead = 64;
    bool bias = false;             // on to_q/to_k/to_v
    bool outBias = true;           // on to_out.0
    bool upcastAttention = false;
    bool upcastSoftmax = false;
    // The VAE mid-block variant: GroupNorm before the projections, residual added after,
    // and 4-D [B, C, H, W] input flattened to tokens.
    int64_t normGroups = 0;        // 0: no group_norm
    double normEps = 1e-5;
    bool residualConnection = false;
    double rescaleOutputFactor = 1.0;
};

class AttentionImpl : public torch::nn::Module {
public:
    explicit AttentionImpl(const AttentionOptions& options);

    // hidden: [B, N, C] or [B, C, H, W]; context: [B, M, D] for cross-attention (undefined:
    // self-attention).
    torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& context = {});

    const AttentionOptions& options() const { return options_; }

    torch::nn::GroupNorm group_norm{nullptr};
    torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    torch::nn::ModuleList to_out{nullptr};  // [0] = Linear; diffusers' [1] is a Dropout
    torch::nn::Linear out_proj{nullptr};    // the same module as to_out[0]

private:
    AttentionOptions options_;
};
TORCH_MODULE(Attention);

}  // namespace ld
