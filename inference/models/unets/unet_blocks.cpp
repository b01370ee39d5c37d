#include "inference/models/unets/unet_blocks.h"

#include "core/error.h"

#include <torch/torch.h>

namespace ld {

namespace {

torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1, int64_t padding = 1) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(padding));
}

void checkGroups(int64_t channels, int64_t groups, const char* what) {
    if (groups <= 0 || channels <= 0 || channels % groups != 0)
        throw Error(what, std::to_string(channels) + " channels are not divisible into " + std::to_string(groups) +
                              " GroupNorm groups (norm_num_groups)");
}

}  // namespace

ResnetBlock2DImpl::ResnetBlock2DImpl(const ResnetOptions& o) : options_(o) {
    checkGroups(o.inChannels, o.groups, "ResnetBlock2D");
    checkGroups(o.outChannels, o.groups, "ResnetBlock2D");
    norm1 = register_module("norm1",
                            torch::nn::GroupNorm(torch::nn::GroupNormOptions(o.groups, o.inChannels).eps(o.eps)));
    conv1 = register_module("conv1", conv3x3(o.inChannels, o.outChannels));
    if (o.tembChannels > 0)
        time_emb_proj = register_module("time_emb_proj",
                                        torch::nn::Linear(o.tembChannels, o.scaleShift ? 2 * o.outChannels : o.outChannels));
    norm2 = register_module("norm2",
                            torch::nn::GroupNorm(torch::nn::GroupNormOptions(o.groups, o.outChannels).eps(o.eps)));
    conv2 = register_module("conv2", conv3x3(o.outChannels, o.outChannels));
    if (o.inChannels != o.outChannels)
        conv_shortcut = register_module("conv_shortcut",
                                        torch::nn::Conv2d(torch::nn::Conv2dOptions(o.inChannels, o.outChannels, 1)));
}

torch::Tensor ResnetBlock2DImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
    torch::Tensor h = conv1(activate(options_.act, groupNormUpcast(norm1, x)));
    torch::Tensor t;
    if (time_emb_proj && temb.defined()) t = time_emb_proj(activate(options_.act, temb)).unsqueeze(-1).unsqueeze(-1);
    if (t.defined() && options_.scaleShift) {
        auto scaleShift = t.chunk(2, 1);
        h = groupNormUpcast(norm2, h) * (1 + scaleShift[0]) + scaleShift[1];
    } else {
        if (t.defined()) h = h + t;
        h = groupNormUpcast(norm2, h);
    }
    h = conv2(activate(options_.act, h));
    torch::Tensor shortcut = conv_shortcut ? conv_shortcut(x) : x;
    torch::Tensor out = shortcut + h;
    if (options_.outputScaleFactor != 1.0) out = out / options_.outputScaleFactor;
    return out;
}

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t outChannels, int64_t padding) : padding_(padding) {
    conv = register_module("conv", conv3x3(channels, outChannels, 2, padding));
}

torch::Tensor Downsample2DImpl::forward(const torch::Tensor& x) {
    if (padding_ == 0) {
        namespace F = torch::nn::functional;
        return conv(F::pad(x, F::PadFuncOptions({0, 1, 0, 1}).mode(torch::kConstant).value(0)));
    }
    return conv(x);
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, int64_t outChannels) {
    conv = register_module("conv", conv3x3(channels, outChannels));
}

torch::Tensor Upsample2DImpl::forward(const torch::Tensor& x, const std::vector<int64_t>& size) {
    namespace F = torch::nn::functional;
    // Nearest upsampling of bf16 is missing from older LibTorch builds; diffusers casts too.
    const bool viaFloat = x.scalar_type() == torch::kBFloat16;
    torch::Tensor y = viaFloat ? x.to(torch::kFloat) : x;
    std::vector<int64_t> target = size.empty() ? std::vector<int64_t>{x.size(2) * 2, x.size(3) * 2} : size;
    y = F::interpolate(y.contiguous(), F::InterpolateFuncOptions().size(target).mode(torch::kNearest));
    if (viaFloat) y = y.to(x.scalar_type());
    return conv(y);
}

namespace {

ResnetOptions resnetOptions(const BlockOptions& o, int64_t in, int64_t out) {
    ResnetOptions r;
    r.inChannels = in;
    r.outChannels = out;
    r.tembChannels = o.tembChannels;
    r.groups = o.groups;
    r.eps = o.eps;
    r.outputScaleFactor = o.outputScaleFactor;
    r.act = o.act;
    r.scaleShift = o.timeScaleShift;
    return r;
}

Transformer2DModel makeTransformer(const BlockOptions& o, int64_t channels) {
    TransformerOptions t = o.transformer;
    t.channels = channels;
    t.normGroups = o.groups;
    return Transformer2DModel(t);
}

}  // namespace

DownBlock2DImpl::DownBlock2DImpl(const BlockOptions& o) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    if (o.crossAttention) attentions = register_module("attentions", torch::nn::ModuleList());
    for (int64_t j = 0; j < o.layers; ++j) {
        resnets_.push_back(ResnetBlock2D(resnetOptions(o, j == 0 ? o.inChannels : o.outChannels, o.outChannels)));
        resnets->push_back(resnets_.back());
        if (o.crossAttention) {
            attentions_.push_back(makeTransformer(o, o.outChannels));
            attentions->push_back(attentions_.back());
        }
    }
    if (o.addSample) {
        downsampler_ = Downsample2D(o.outChannels, o.outChannels, o.downsamplePadding);
        downsamplers = register_module("downsamplers", torch::nn::ModuleList(downsampler_));
    }
}

torch::Tensor DownBlock2DImpl::forward(const torch::Tensor& x, const torch::Tensor& temb, const torch::Tensor& context,
                                       std::vector<torch::Tensor>* skips) {
    torch::Tensor h = x;
    for (size_t j = 0; j < resnets_.size(); ++j) {
        h = resnets_[j](h, temb);
        if (!attentions_.empty()) h = attentions_[j](h, context);
        if (skips) skips->push_back(h);
    }
    if (downsampler_) {
        h = downsampler_(h);
        if (skips) skips->push_back(h);
    }
    return h;
}

UpBlock2DImpl::UpBlock2DImpl(const BlockOptions& o) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    if (o.crossAttention) attentions = register_module("attentions", torch::nn::ModuleList());
    for (int64_t j = 0; j < o.layers; ++j) {
        int64_t in = 0;
        if (o.skipConnections) {
            const int64_t skip = j == o.layers - 1 ? o.inChannels : o.outChannels;
            in = (j == 0 ? o.prevOutputChannels : o.outChannels) + skip;
        } else {
            in = j == 0 ? o.inChannels : o.outChannels;
        }
        resnets_.push_back(ResnetBlock2D(resnetOptions(o, in, o.outChannels)));
        resnets->push_back(resnets_.back());
        if (o.crossAttention) {
            attentions_.push_back(makeTransformer(o, o.outChannels));
            attentions->push_back(attentions_.back());
        }
    }
    if (o.addSample) {
        upsampler_ = Upsample2D(o.outChannels, o.outChannels);
        upsamplers = register_module("upsamplers", torch::nn::ModuleList(upsampler_));
    }
}

torch::Tensor UpBlock2DImpl::forward(const torch::Tensor& x, const torch::Tensor& temb, const torch::Tensor& context,
                                     std::vector<torch::Tensor>* skips, const std::vector<int64_t>& upsampleSize) {
    torch::Tensor h = x;
    for (size_t j = 0; j < resnets_.size(); ++j) {
        if (skips) {
            if (skips->empty()) throw Error("UpBlock2D", "ran out of skip connections");
            h = torch::cat({h, skips->back()}, 1);
            skips->pop_back();
        }
        h = resnets_[j](h, temb);
        if (!attentions_.empty()) h = attentions_[j](h, context);
    }
    if (upsampler_) h = upsampler_(h, upsampleSize);
    return h;
}

UNetMidBlock2DCrossAttnImpl::UNetMidBlock2DCrossAttnImpl(const BlockOptions& o) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    attentions = register_module("attentions", torch::nn::ModuleList());
    resnets_.push_back(ResnetBlock2D(resnetOptions(o, o.inChannels, o.inChannels)));
    resnets->push_back(resnets_.back());
    attentions_.push_back(makeTransformer(o, o.inChannels));
    attentions->push_back(attentions_.back());
    resnets_.push_back(ResnetBlock2D(resnetOptions(o, o.inChannels, o.inChannels)));
    resnets->push_back(resnets_.back());
}

torch::Tensor UNetMidBlock2DCrossAttnImpl::forward(const torch::Tensor& x, const torch::Tensor& temb,
                                                   const torch::Tensor& context) {
    torch::Tensor h = resnets_[0](x, temb);
    for (size_t i = 0; i < attentions_.size(); ++i) {
        h = attentions_[i](h, context);
        h = resnets_[i + 1](h, temb);
    }
    return h;
}

UNetMidBlock2DImpl::UNetMidBlock2DImpl(const BlockOptions& o, bool addAttention) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    attentions = register_module("attentions", torch::nn::ModuleList());
    resnets_.push_back(ResnetBlock2D(resnetOptions(o, o.inChannels, o.inChannels)));
    resnets->push_back(resnets_.back());
    if (addAttention) {
        AttentionOptions a;
        a.queryDim = o.inChannels;
        a.heads = 1;
        a.dimHead = o.inChannels;
        a.bias = true;
        a.upcastSoftmax = true;
        a.normGroups = o.groups;
        a.normEps = o.eps;
        a.residualConnection = true;
        a.rescaleOutputFactor = o.outputScaleFactor;
        attentions_.push_back(Attention(a));
        attentions->push_back(attentions_.back());
    }
    resnets_.push_back(ResnetBlock2D(resnetOptions(o, o.inChannels, o.inChannels)));
    resnets->push_back(resnets_.back());
}

torch::Tensor UNetMidBlock2DImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
    torch::Tensor h = resnets_[0](x, temb);
    if (!attentions_.empty()) h = attentions_[0](h);
    return resnets_[1](h, temb);
}

}  // namespace ld
