#pragma once
// diffusers' PixArtTransformer2DModel (transformers/pixart_transformer_2d.py, v0.30.3): the
// PixArt-α cross-attention DiT with "adaLN-single" timestep modulation. config.json and the
// state_dict key names are diffusers' own, so a PixArt-style `transformer/` folder loads
// unchanged:
//   pos_embed.proj, adaln_single.{emb.timestep_embedder.linear_{1,2}, linear},
//   caption_projection.linear_{1,2}, transformer_blocks.N.{scale_shift_table, attn1, attn2,
//   ff.net.0.proj, ff.net.2}, scale_shift_table, proj_out.
// LabelDiff's one extension, GenMask's image shortcut as a token sequence (config
// "image_shortcut": "sequence"), adds image_embed.proj; without it the folder is diffusers'.
#include "inference/models/attention.h"
#include "inference/models/transformers/dit_layers.h"
#include "inference/models/patch_embed.h"
#include "inference/io/safetensors.h"
#include "inference/models/timestep_embedding.h"

#include <nlohmann/json.hpp>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ld {

// diffusers' parameter names and class defaults. Options the class has but this
// implementation lacks (other norm types, the resolution/aspect-ratio conditions of the
// 1024-px checkpoints) are refused by fromJson, naming the key.
struct PixArtTransformerConfig {
    int numAttentionHeads = 16;
    int attentionHeadDim = 72;
    int inChannels = 4;
    int outChannels = 8;            // null in config.json: in_channels
    int numLayers = 28;
    int crossAttentionDim = 1152;
    bool attentionBias = true;
    int sampleSize = 128;
    int patchSize = 2;
    std::string activationFn = "gelu-approximate";  // or "gelu"
    bool upcastAttention = false;
    bool normElementwiseAffine = false;
    double normEps = 1e-6;
    double interpolationScale = 0;  // 0 (null): max(sample_size / 64, 1)
    int captionChannels = 0;        // 0 (null): no caption_projection; the context is already inner-dim wide
    int numEmbedsAdaNorm = 1000;    // validated only, as diffusers does
    // How the image latent reaches the network (not a diffusers key). "channels": it is part
    // of in_channels, patch-embedded with the noisy mask latent. "sequence" (GenMask): the
    // sample's last image_channels channels are patch-embedded by image_embed into tokens of
    // their own, appended after the mask tokens; they are modulated as at t = 0 (a clean
    // latent) whatever the timestep, and only the mask tokens are decoded.
    std::string imageShortcut = "channels";
    int imageChannels = 0;          // "sequence" only

    int innerDim() const { return numAttentionHeads * attentionHeadDim; }
    bool sequenceShortcut() const { return imageShortcut == "sequence"; }
    // Channels of the sample forward() takes: in_channels, plus the image latent's in sequence mode.
    int inputChannels() const { return inChannels + (sequenceShortcut() ? imageChannels : 0); }
    double effectiveInterpolationScale() const {
        return interpolationScale > 0 ? interpolationScale : std::max(sampleSize / 64, 1);
    }

    static PixArtTransformerConfig fromJson(const nlohmann::json& j, const std::string& subject = "PixArt config");
    static PixArtTransformerConfig fromJsonFile(const std::string& path);
    nlohmann::json toJson() const;
    void validate(const std::string& subject = "PixArt config") const;
};

// adaln_single: the one timestep projection every block's modulation is read from.
class AdaLayerNormSingleImpl : public torch::nn::Module {
public:
    explicit AdaLayerNormSingleImpl(int64_t dim);
    std::shared_ptr<torch::nn::Module> emb;  // holds timestep_embedder, as diffusers nests it
    TimestepEmbedding timestep_embedder{nullptr};
    torch::nn::Linear linear{nullptr};
};
TORCH_MODULE(AdaLayerNormSingle);

class PixArtBlockImpl : public torch::nn::Module {
public:
    explicit PixArtBlockImpl(const PixArtTransformerConfig& config);
    // x [B, N, D]; modulation [B, 6 * D] (adaln_single's output) or [B, N, 6 * D] (one per
    // token: the image shortcut's tokens are modulated at t = 0); caption [B, L, D];
    // captionBias [B, L] additive (undefined: every caption token attended).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& modulation, const torch::Tensor& caption,
                          const torch::Tensor& captionBias);

    torch::Tensor scale_shift_table;  // [6, D]
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};  // only with norm_elementwise_affine
    Attention attn1{nullptr}, attn2{nullptr};
    GeluFeedForward ff{nullptr};

private:
    torch::Tensor norm(torch::nn::LayerNorm& layer, const torch::Tensor& x) const;
    double eps_;
};
TORCH_MODULE(PixArtBlock);

class PixArtTransformer2DModel : public torch::nn::Module {
public:
    explicit PixArtTransformer2DModel(const PixArtTransformerConfig& config);

    const PixArtTransformerConfig& config() const { return config_; }

    // sample [B, inputChannels(), H, W] (H, W multiples of patch_size), timesteps [B] or a scalar,
    // encoderHiddenStates [B, L, caption_channels], encoderAttentionMask [B, L] with 1 = keep
    // (undefined: no padding). Inputs are cast to the parameters' dtype and device; the result
    // [B, out, H, W] comes back in sample's dtype. `debug` receives pos_embed,
    // pos_embed.pos_embed, adaln_single.emb.time_proj, adaln_single.emb, adaln_single,
    // caption_projection, transformer_blocks.N and proj_out (diffusers' module names), and in
    // sequence mode image_embed and adaln_single.clean (the modulation of the image tokens).
    torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                          const torch::Tensor& encoderHiddenStates, const torch::Tensor& encoderAttentionMask = {},
                          std::map<std::string, torch::Tensor>* debug = nullptr);

    // Checked load: every missing, unexpected or mis-shaped tensor in one ld::Error naming `source`.
    void load(const TensorMap& tensors, const std::string& source);
    void loadFile(const std::string& weightsPath);
    // A diffusers folder: config.json + diffusion_pytorch_model(.fp16).safetensors.
    static std::shared_ptr<PixArtTransformer2DModel> fromPretrained(const std::string& folder);
    // Writes config.json and diffusion_pytorch_model.safetensors (float32) into `folder`.
    void save(const std::string& folder) const;

    int64_t parameterCount() const;

    PatchEmbed pos_embed{nullptr};
    PatchEmbed image_embed{nullptr};  // image_shortcut "sequence" only
    AdaLayerNormSingle adaln_single{nullptr};
    TimestepEmbedding caption_projection{nullptr};  // linear_1, tanh GELU, linear_2
    torch::nn::ModuleList transformer_blocks{nullptr};
    torch::Tensor scale_shift_table;  // [2, D]: shift, scale of the output norm
    torch::nn::Linear proj_out{nullptr};

private:
    PixArtTransformerConfig config_;
    std::vector<PixArtBlock> blocks_;
};

}  // namespace ld
