#pragma once
// diffusers' Transformer2DModel (continuous input) with its BasicTransformerBlocks
// (self-attention, cross-attention, GEGLU feed-forward), key names as in diffusers:
// norm, proj_in, transformer_blocks.N.{norm1,attn1,norm2,attn2,norm3,ff.net.0.proj,ff.net.2}, proj_out.
//
// GS's token-level adapter injection (optional): each block owns `attn1_text_proj`, a Linear
// cross_attention_dim -> channels. Its projection of the text tokens is appended to the
// self-attention token sequence (after norm1) and the outputs at those positions are
// dropped after self-attention, so image tokens attend to the text but the text tokens add
// nothing to the residual stream.
#include "inference/models/attention.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

namespace ld {

struct TransformerOptions {
    int64_t channels = 0;            // in_channels = heads * head size
    int64_t heads = 8;
    int64_t crossAttentionDim = 768;
    int64_t layers = 1;              // transformer_layers_per_block
    int64_t normGroups = 32;
    double groupNormEps = 1e-6;      // Transformer2DModel.norm
    double layerNormEps = 1e-5;      // norm1/2/3
    bool useLinearProjection = false;
    bool upcastAttention = false;
    bool tokenInjection = false;
};

// ff.net.0: Linear dim -> 2*inner; output split into (h, gate), h * gelu(gate) (exact erf).
class GEGLUImpl : public torch::nn::Module {
public:
    GEGLUImpl(int64_t dimIn, int64_t dimOut);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(GEGLU);

// ff.net = [GEGLU, Dropout, Linear]; only indices 0 and 2 carry weights.
class FeedForwardImpl : public torch::nn::Module {
public:
    FeedForwardImpl(int64_t dim, int64_t mult = 4);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::ModuleList net{nullptr};

private:
    GEGLU geglu_{nullptr};
    torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(FeedForward);

class BasicTransformerBlockImpl : public torch::nn::Module {
public:
    explicit BasicTransformerBlockImpl(const TransformerOptions& options);
    // x [B, N, C]; context [B, M, crossAttentionDim].
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
    Attention attn1{nullptr}, attn2{nullptr};
    FeedForward ff{nullptr};
    torch::nn::Linear attn1_text_proj{nullptr};  // token injection only
};
TORCH_MODULE(BasicTransformerBlock);

class Transformer2DModelImpl : public torch::nn::Module {
public:
    explicit Transformer2DModelImpl(const TransformerOptions& options);
    // x [B, C, H, W]; context [B, M, crossAttentionDim] -> [B, C, H, W].
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

    const TransformerOptions& options() const { return options_; }

    torch::nn::GroupNorm norm{nullptr};
    // proj_in/proj_out are 1x1 convolutions, or Linear layers with use_linear_projection.
    torch::nn::Conv2d proj_in_conv{nullptr}, proj_out_conv{nullptr};
    torch::nn::Linear proj_in_linear{nullptr}, proj_out_linear{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};

private:
    TransformerOptions options_;
    std::vector<BasicTransformerBlock> blocks_;
};
TORCH_MODULE(Transformer2DModel);

}  // namespace ld
