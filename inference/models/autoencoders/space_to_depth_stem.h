#pragma once
// A learned image encoder for small from-scratch models: pixel-unshuffle by the latent
// factor (every pixel kept, none averaged away), then a few convolutions down to the
// latent channel count. Same output grid as the autoencoders' encoders, a fraction of the
// parameters, and trainable together with the denoiser. Optionally the first halvings are
// strided 3×3 convolutions instead: edges and textures found at full resolution, which a
// linear map of a 16×16 patch learns far more slowly from a few hundred photos.
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

namespace ld {

struct SpaceToDepthStemConfig {
    int imageChannels = 3;
    int factor = 8;          // latent grid = image / factor
    int latentChannels = 4;
    int hiddenChannels = 64;
    int hiddenLayers = 2;    // 3x3 conv + SiLU layers between the 1x1 input and output convs
    // Output channels of the strided 3×3 conv + SiLU layers run before the unshuffle, each
    // halving the image; the unshuffle does the rest of the factor. Empty: none.
    std::vector<int> downsampleChannels;
    // GroupNorm (one group, affine) on the output. The denoiser sees the image latent beside
    // unit-variance noise; without it a freshly initialised stem outputs std ≈ 0.02 (facade-
    // small, measured), the image is a hundredth of the noise, and the U-Net learns
    // phrase-dependent location priors that ignore the photo. Autoencoder latents get the
    // same treatment through their scaling factor.
    bool outputNorm = false;

    // config.json fields: in_channels, downscale_factor, latent_channels, hidden_channels,
    // hidden_layers, downsample_channels, output_norm; unknown keys ignored, bad values an
    // ld::Error naming `subject`.
    static SpaceToDepthStemConfig fromJson(const nlohmann::json& j, const std::string& subject);
    nlohmann::json toJson() const;
};

// Keys: down.N.{weight,bias}, proj_in.{weight,bias}, blocks.N.{weight,bias}, proj_out.{weight,bias},
// norm_out.{weight,bias}.
class SpaceToDepthStemImpl : public torch::nn::Module {
public:
    explicit SpaceToDepthStemImpl(const SpaceToDepthStemConfig& config = {});
    // [B, imageChannels, H, W] (H, W multiples of factor; images in [0, 1] or [-1, 1],
    // whichever the model was trained with) -> [B, latentChannels, H/f, W/f].
    torch::Tensor forward(const torch::Tensor& images);
    const SpaceToDepthStemConfig& config() const { return config_; }

private:
    SpaceToDepthStemConfig config_;
    torch::nn::ModuleList down_{nullptr};
    torch::nn::Conv2d projIn_{nullptr};
    torch::nn::ModuleList blocks_{nullptr};
    torch::nn::Conv2d projOut_{nullptr};
    torch::nn::GroupNorm normOut_{nullptr};
};
TORCH_MODULE(SpaceToDepthStem);

}  // namespace ld
