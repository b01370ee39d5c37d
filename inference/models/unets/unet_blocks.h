#pragma once
// The building blocks of diffusers' unet_2d_blocks.py / resnet.py / downsampling.py /
// upsampling.py that the SD U-Net and the KL autoencoder share: ResnetBlock2D,
// Downsample2D, Upsample2D, down/up blocks with or without cross-attention, and the two
// mid blocks. Member names are the diffusers attribute names, so state_dict keys match.
#include "inference/models/activations.h"
#include "inference/models/attention.h"
#include "inference/models/transformers/transformer_2d.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace ld {

struct ResnetOptions {
    int64_t inChannels = 0;
    int64_t outChannels = 0;
    int64_t tembChannels = 0;  // 0: no time_emb_proj (the VAE's resnets)
    int64_t groups = 32;
    double eps = 1e-6;
    double outputScaleFactor = 1.0;
    Activation act = Activation::SiLU;
    // diffusers' time_embedding_norm "scale_shift": time_emb_proj gives 2·out channels,
    // applied as norm2(h)·(1 + scale) + shift (FiLM) instead of being added before norm2.
    bool scaleShift = false;
};

// norm1, act, conv1, (+ time_emb_proj(act(temb))), norm2, act, conv2; conv_shortcut (1x1)
// when the channel count changes; (x + h) / outputScaleFactor.
class ResnetBlock2DImpl : public torch::nn::Module {
public:
    explicit ResnetBlock2DImpl(const ResnetOptions& options);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb = {});

    torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
    torch::nn::Linear time_emb_proj{nullptr};

private:
    ResnetOptions options_;
};
TORCH_MODULE(ResnetBlock2D);

// A 3x3 stride-2 conv (`conv`). padding 0 means diffusers' asymmetric F.pad(x, (0,1,0,1))
// before an unpadded conv (the VAE encoder); otherwise the conv pads by `padding`.
class Downsample2DImpl : public torch::nn::Module {
public:
    Downsample2DImpl(int64_t channels, int64_t outChannels, int64_t padding);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d conv{nullptr};

private:
    int64_t padding_;
};
TORCH_MODULE(Downsample2D);

// Nearest-neighbour resize (x2, or to `size` when given) then a 3x3 conv (`conv`).
class Upsample2DImpl : public torch::nn::Module {
public:
    Upsample2DImpl(int64_t channels, int64_t outChannels);
    torch::Tensor forward(const torch::Tensor& x, const std::vector<int64_t>& size = {});
    torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

struct BlockOptions {
    int64_t inChannels = 0;
    int64_t outChannels = 0;
    int64_t prevOutputChannels = 0;  // up blocks: channels coming from the block below
    int64_t tembChannels = 0;
    int64_t layers = 1;              // resnets (up blocks: layers_per_block + 1)
    int64_t groups = 32;
    double eps = 1e-5;
    double outputScaleFactor = 1.0;
    Activation act = Activation::SiLU;
    bool timeScaleShift = false;     // resnet_time_scale_shift "scale_shift"
    bool addSample = true;           // add_downsample / add_upsample
    int64_t downsamplePadding = 1;
    bool crossAttention = false;     // CrossAttnDownBlock2D / CrossAttnUpBlock2D
    TransformerOptions transformer;  // channels are filled in by the block
    bool skipConnections = true;     // up blocks: UNet (true) or VAE UpDecoderBlock2D (false)
};

// DownBlock2D / CrossAttnDownBlock2D / DownEncoderBlock2D (tembChannels 0).
class DownBlock2DImpl : public torch::nn::Module {
public:
    explicit DownBlock2DImpl(const BlockOptions& options);
    // Appends the output of every resnet(+attention) and of the downsampler to `skips`.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb, const torch::Tensor& context,
                          std::vector<torch::Tensor>* skips);

    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr}, downsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Transformer2DModel> attentions_;
    Downsample2D downsampler_{nullptr};
};
TORCH_MODULE(DownBlock2D);

// UpBlock2D / CrossAttnUpBlock2D (skip connections popped from the back of `skips` and
// concatenated as cat([h, skip], 1) before each resnet) and UpDecoderBlock2D (no skips).
class UpBlock2DImpl : public torch::nn::Module {
public:
    explicit UpBlock2DImpl(const BlockOptions& options);
    // upsampleSize: the spatial size to upsample to (empty: x2).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb, const torch::Tensor& context,
                          std::vector<torch::Tensor>* skips, const std::vector<int64_t>& upsampleSize = {});
    int64_t numResnets() const { return static_cast<int64_t>(resnets_.size()); }

    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr}, upsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Transformer2DModel> attentions_;
    Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(UpBlock2D);

// UNetMidBlock2DCrossAttn: resnet, then (transformer, resnet) per layer (one layer here).
class UNetMidBlock2DCrossAttnImpl : public torch::nn::Module {
public:
    explicit UNetMidBlock2DCrossAttnImpl(const BlockOptions& options);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb, const torch::Tensor& context);

    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Transformer2DModel> attentions_;
};
TORCH_MODULE(UNetMidBlock2DCrossAttn);

// UNetMidBlock2D as the KL autoencoder uses it: resnet, single-head spatial self-attention
// (GroupNorm inside, residual), resnet. addAttention=false keeps the two resnets only.
class UNetMidBlock2DImpl : public torch::nn::Module {
public:
    UNetMidBlock2DImpl(const BlockOptions& options, bool addAttention);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb = {});

    torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Attention> attentions_;
};
TORCH_MODULE(UNetMidBlock2D);

}  // namespace ld
