#pragma once
// diffusers' AutoencoderKL (autoencoder_kl.py + vae.py, v0.30): SD's VAE. Encoder and
// Decoder with diffusers key names; checkpoints with the legacy mid-block attention names
// (query/key/value/proj_attn) and 1x1-conv-shaped attention weights load too.
#include "inference/io/safetensors.h"
#include "inference/models/unets/unet_blocks.h"

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ld {

struct AutoencoderKLConfig {
    int inChannels = 3;
    int outChannels = 3;
    std::vector<std::string> downBlockTypes{"DownEncoderBlock2D"};
    std::vector<std::string> upBlockTypes{"UpDecoderBlock2D"};
    std::vector<int> blockOutChannels{64};
    int layersPerBlock = 1;
    std::string actFn = "silu";
    int latentChannels = 4;
    int normNumGroups = 32;
    int sampleSize = 32;
    double scalingFactor = 0.18215;
    double shiftFactor = 0.0;  // null in SD1/2 configs
    bool forceUpcast = true;   // run in float32 even when the rest runs in half precision
    bool useQuantConv = true;
    bool usePostQuantConv = true;
    bool midBlockAddAttention = true;

    int downscale() const { return 1 << (static_cast<int>(blockOutChannels.size()) - 1); }

    static AutoencoderKLConfig fromJson(const nlohmann::json& j, const std::string& subject = "vae config");
    static AutoencoderKLConfig fromJsonFile(const std::string& path);
    nlohmann::json toJson() const;
    void validate(const std::string& subject = "vae config") const;

    static AutoencoderKLConfig sd();  // SD 1.x/2.x VAE ([128, 256, 512, 512], 2 layers)
};

// Renames legacy mid-block attention keys (query/key/value/proj_attn -> to_q/to_k/to_v/
// to_out.0) and squeezes [C, C, 1, 1] attention weights to [C, C], in place.
void convertLegacyVaeKeys(TensorMap& tensors);

class VaeEncoderImpl : public torch::nn::Module {
public:
    explicit VaeEncoderImpl(const AutoencoderKLConfig& config);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList down_blocks{nullptr};
    UNetMidBlock2D mid_block{nullptr};
    torch::nn::GroupNorm conv_norm_out{nullptr};

private:
    std::vector<DownBlock2D> downs_;
    Activation act_;
};
TORCH_MODULE(VaeEncoder);

class VaeDecoderImpl : public torch::nn::Module {
public:
    explicit VaeDecoderImpl(const AutoencoderKLConfig& config);
    torch::Tensor forward(const torch::Tensor& z, std::map<std::string, torch::Tensor>* debug = nullptr);
    torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
    UNetMidBlock2D mid_block{nullptr};
    torch::nn::ModuleList up_blocks{nullptr};
    torch::nn::GroupNorm conv_norm_out{nullptr};

private:
    std::vector<UpBlock2D> ups_;
    Activation act_;
};
TORCH_MODULE(VaeDecoder);

// DiagonalGaussianDistribution: moments split into mean and log-variance (clamped to
// [-30, 20] as diffusers does).
struct LatentDistribution {
    torch::Tensor mean;
    torch::Tensor logvar;
    torch::Tensor std() const;
    // mean + std * N(0, 1); pass a generator for reproducibility.
    torch::Tensor sample(c10::optional<at::Generator> generator = c10::nullopt) const;
};

class AutoencoderKL : public torch::nn::Module {
public:
    explicit AutoencoderKL(const AutoencoderKLConfig& config);
    const AutoencoderKLConfig& config() const { return config_; }

    // images [B, in, H, W] in [-1, 1] (H, W multiples of downscale()) -> latent
    // distribution [B, latent, H/f, W/f]. Not scaled: multiply by scaling_factor (after
    // subtracting shift_factor) to get diffusion latents. `debug` receives "encoder" and
    // "quant_conv". Inputs are cast to the parameters' dtype; results come back in the
    // input's dtype.
    LatentDistribution encode(const torch::Tensor& images, std::map<std::string, torch::Tensor>* debug = nullptr);
    // latents (unscaled) -> images in about [-1, 1]. `debug` receives "post_quant_conv"
    // and "decoder.mid_block".
    torch::Tensor decode(const torch::Tensor& latents, std::map<std::string, torch::Tensor>* debug = nullptr);

    // Checked load; legacy key names are converted first. ld::Error(source) lists every mismatch.
    void load(TensorMap tensors, const std::string& source);
    void loadFile(const std::string& weightsPath);
    // A diffusers `vae/` folder: config.json + diffusion_pytorch_model(.fp16).safetensors.
    static std::shared_ptr<AutoencoderKL> fromPretrained(const std::string& folder);

    int64_t parameterCount() const;

    VaeEncoder encoder{nullptr};
    VaeDecoder decoder{nullptr};
    torch::nn::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};

private:
    AutoencoderKLConfig config_;
};

}  // namespace ld
