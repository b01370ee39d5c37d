#pragma once
// diffusers' UNet2DConditionModel (unet_2d_condition.py, v0.30): config-driven sizes and the
// diffusers state_dict key names, so SD 1.x/2.x `unet/` folders load unchanged; SDXL's
// "text_time" added conditioning too. LabelDiff extensions: a conv_in widened for the
// image latent at load time, and GS's token-level adapter injection.
#include "inference/io/safetensors.h"
#include "inference/models/timestep_embedding.h"
#include "inference/models/unets/unet_blocks.h"
#include "inference/models/unets/unet_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include <torch/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ld {

// SDXL micro-conditioning for addition_embed_type "text_time".
struct UNetAddedConditions {
    torch::Tensor textEmbeds;  // [B, projection_class_embeddings_input_dim - 6 * addition_time_embed_dim]
    torch::Tensor timeIds;     // [B, 6]: original size, crop top-left, target size
};

// Rewrites `conv_in.weight` [O, C, k, k] of a checkpoint for a network with `inChannels` > C
// input channels (a no-op when C == inChannels). DuplicateAndHalve needs inChannels to be a
// multiple of C; ZeroInit keeps the pretrained kernels on the first C channels. Throws
// ld::Error(source) when the mode is None and the counts differ, or they cannot be combined.
void widenConvIn(TensorMap& tensors, int64_t inChannels, ConvInWidening mode, const std::string& source);

class UNet2DConditionModel : public torch::nn::Module {
public:
    explicit UNet2DConditionModel(const UNet2DConditionConfig& config);

    const UNet2DConditionConfig& config() const { return config_; }

    // sample [B, in, H, W] (H, W: any size; multiples of downsampleFactor() avoid resampling
    // mismatches), timesteps [B] or [] (float; broadcast), encoderHiddenStates [B, L, D].
    // Inputs are cast to the parameters' dtype and device (move the module with
    // ->to(device, dtype) to run in bf16/fp16; GroupNorm and attention upcast where
    // needed); the result is returned in sample's dtype. `debug`, when given, receives the
    // intermediates named time_proj, time_embedding, conv_in, down_blocks.N, mid_block,
    // up_blocks.N and conv_norm_out.
    torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                          const torch::Tensor& encoderHiddenStates, const UNetAddedConditions* added = nullptr,
                          std::map<std::string, torch::Tensor>* debug = nullptr);

    // Checked load of diffusers-named tensors: conv_in is widened per config().convInWidening
    // first; with tokenInjection, a checkpoint without any `attn1_text_proj` tensors (a plain
    // SD U-Net) keeps the adapters' fresh initialisation. Every other missing, unexpected or
    // mis-shaped tensor is reported at once in an ld::Error naming `source`.
    void load(TensorMap tensors, const std::string& source);
    void loadFile(const std::string& weightsPath);  // .safetensors or .safetensors.index.json

    // A diffusers `unet/` folder: config.json + diffusion_pytorch_model(.fp16).safetensors.
    // `overrides` may set LabelDiff options (in_channels to widen to, conv-in widening,
    // token injection) on top of the folder's config.
    static std::shared_ptr<UNet2DConditionModel> fromPretrained(
        const std::string& folder, const std::function<void(UNet2DConditionConfig&)>& overrides = {});

    int64_t parameterCount() const;

    torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
    TimestepEmbedding time_embedding{nullptr}, add_embedding{nullptr};
    torch::nn::ModuleList down_blocks{nullptr}, up_blocks{nullptr};
    UNetMidBlock2DCrossAttn mid_block{nullptr};
    torch::nn::GroupNorm conv_norm_out{nullptr};

private:
    UNet2DConditionConfig config_;
    Activation act_;
    std::vector<DownBlock2D> downs_;
    std::vector<UpBlock2D> ups_;
};

}  // namespace ld
