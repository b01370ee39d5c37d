#include "inference/models/transformers/transformer_2d.h"

#include "core/error.h"

#include <torch/torch.h>

namespace ld {

GEGLUImpl::GEGLUImpl(int64_t dimIn, int64_t dimOut) {
    proj = register_module("proj", torch::nn::Linear(dimIn, dimOut * 2));
}

torch::Tensor GEGLUImpl::forward(const torch::Tensor& x) {
    auto parts = proj(x).chunk(2, -1);
    return parts[0] * torch::gelu(parts[1]);
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t mult) {
    geglu_ = GEGLU(dim, dim * mult);
    out_ = torch::nn::Linear(dim * mult, dim);
    net = register_module("net", torch::nn::ModuleList(geglu_, torch::nn::Dropout(0.0), out_));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) { return out_(geglu_(x)); }

BasicTransformerBlockImpl::BasicTransformerBlockImpl(const TransformerOptions& o) {
    const int64_t dim = o.channels;
    auto ln = [&](const char* name) {
        return register_module(name, torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(o.layerNormEps)));
    };
    AttentionOptions self;
    self.queryDim = dim;
    self.heads = o.heads;
    self.dimHead = dim / o.heads;
    self.upcastAttention = o.upcastAttention;
    AttentionOptions cross = self;
    cross.crossAttentionDim = o.crossAttentionDim;
    norm1 = ln("norm1");
    attn1 = register_module("attn1", Attention(self));
    norm2 = ln("norm2");
    attn2 = register_module("attn2", Attention(cross));
    norm3 = ln("norm3");
    ff = register_module("ff", FeedForward(dim));
    if (o.tokenInjection)
        attn1_text_proj = register_module("attn1_text_proj", torch::nn::Linear(o.crossAttentionDim, dim));
}

torch::Tensor BasicTransformerBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
    torch::Tensor h = norm1(x);
    torch::Tensor a;
    if (attn1_text_proj) {
        const int64_t n = h.size(1);
        torch::Tensor injected = attn1_text_proj(context.to(h.scalar_type()));
        a = attn1(torch::cat({h, injected}, 1)).narrow(1, 0, n);
    } else {
        a = attn1(h);
    }
    torch::Tensor y = a + x;
    y = attn2(norm2(y), context) + y;
    y = ff(norm3(y)) + y;
    return y;
}

Transformer2DModelImpl::Transformer2DModelImpl(const TransformerOptions& o) : options_(o) {
    if (o.channels <= 0 || o.heads <= 0 || o.channels % o.heads != 0)
        throw Error("Transformer2DModel", std::to_string(o.channels) + " channels cannot be split into " +
                                              std::to_string(o.heads) + " attention heads");
    if (o.normGroups <= 0 || o.channels % o.normGroups != 0)
        throw Error("Transformer2DModel", std::to_string(o.channels) + " channels are not divisible into " +
                                              std::to_string(o.normGroups) + " groups");
    if (o.layers <= 0) throw Error("Transformer2DModel", "transformer_layers_per_block must be positive");
    norm = register_module("norm", torch::nn::GroupNorm(
                                       torch::nn::GroupNormOptions(o.normGroups, o.channels).eps(o.groupNormEps)));
    if (o.useLinearProjection) {
        proj_in_linear = register_module("proj_in", torch::nn::Linear(o.channels, o.channels));
    } else {
        proj_in_conv = register_module("proj_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.channels, o.channels, 1)));
    }
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < o.layers; ++i) {
        blocks_.push_back(BasicTransformerBlock(o));
        transformer_blocks->push_back(blocks_.back());
    }
    if (o.useLinearProjection) {
        proj_out_linear = register_module("proj_out", torch::nn::Linear(o.channels, o.channels));
    } else {
        proj_out_conv = register_module("proj_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.channels, o.channels, 1)));
    }
}

torch::Tensor Transformer2DModelImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    torch::Tensor y = groupNormUpcast(norm, x);
    if (proj_in_conv) {
        y = proj_in_conv(y).permute({0, 2, 3, 1}).reshape({b, h * w, c});
    } else {
        y = proj_in_linear(y.permute({0, 2, 3, 1}).reshape({b, h * w, c}));
    }
    for (auto& block : blocks_) y = block(y, context);
    if (proj_out_conv) {
        y = proj_out_conv(y.reshape({b, h, w, c}).permute({0, 3, 1, 2}).contiguous());
    } else {
        y = proj_out_linear(y).reshape({b, h, w, c}).permute({0, 3, 1, 2}).contiguous();
    }
    return y + x;
}

}  // namespace ld
