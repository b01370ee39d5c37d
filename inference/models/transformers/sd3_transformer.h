#pragma once
// diffusers' SD3Transformer2DModel (transformers/transformer_sd3.py, v0.30.3): the MMDiT of
// Stable Diffusion 3, where image and text tokens attend jointly and the timestep plus a
// pooled text vector modulate every block. config.json and key names are diffusers' own:
//   pos_embed.{proj, pos_embed}, time_text_embed.{timestep_embedder, text_embedder}.linear_{1,2},
//   context_embedder, transformer_blocks.N.{norm1, norm1_context}.linear,
//   transformer_blocks.N.attn.{to_q, to_k, to_v, add_q_proj, add_k_proj, add_v_proj, to_out.0, to_add_out},
//   transformer_blocks.N.{ff, ff_context}.net.{0.proj, 2}, norm_out.linear, proj_out.
// The last block is "context pre-only": the text tokens feed its attention but are not
// updated (no to_add_out, ff_context).
#include "inference/models/transformers/dit_layers.h"
#include "inference/models/patch_embed.h"
#include "inference/io/safetensors.h"
#include "inference/models/timestep_embedding.h"

#include <nlohmann/json.hpp>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ld {

// diffusers' parameter names and class defaults (SD3-medium). The SD3.5 options (qk_norm,
// dual_attention_layers) are refused by fromJson, naming the key.
struct SD3TransformerConfig {
    int sampleSize = 128;
    int patchSize = 2;
    int inChannels = 16;
    int numLayers = 18;
    int attentionHeadDim = 64;
    int numAttentionHeads = 18;
    int jointAttentionDim = 4096;
    int captionProjectionDim = 1152;
    int pooledProjectionDim = 2048;
    int outChannels = 16;  // null in config.json: in_channels
    int posEmbedMaxSize = 96;

    int innerDim() const { return numAttentionHeads * attentionHeadDim; }

    static SD3TransformerConfig fromJson(const nlohmann::json& j, const std::string& subject = "SD3 config");
    static SD3TransformerConfig fromJsonFile(const std::string& path);
    nlohmann::json toJson() const;
    void validate(const std::string& subject = "SD3 config") const;
};

// AdaLayerNormZero (6 chunks) and AdaLayerNormContinuous (2 chunks: scale, shift): a Linear
// on SiLU(temb) whose output modulates a LayerNorm without affine parameters.
class AdaLayerNormLinearImpl : public torch::nn::Module {
public:
    AdaLayerNormLinearImpl(int64_t dim, int64_t chunks);
    // temb [B, D] -> `chunks` tensors of [B, D].
    std::vector<torch::Tensor> chunks(const torch::Tensor& temb);
    torch::nn::Linear linear{nullptr};

private:
    int64_t chunks_;
};
TORCH_MODULE(AdaLayerNormLinear);

// Joint attention: image and context projections concatenated along the sequence (image first).
class JointAttentionImpl : public torch::nn::Module {
public:
    JointAttentionImpl(int64_t dim, int64_t heads, int64_t headDim, bool contextPreOnly);
    // x [B, N, D], c [B, M, D] -> (image output [B, N, D], context output [B, M, D] or
    // undefined when context pre-only).
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x, const torch::Tensor& c);

    torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    torch::nn::Linear add_q_proj{nullptr}, add_k_proj{nullptr}, add_v_proj{nullptr};
    torch::nn::ModuleList to_out{nullptr};
    torch::nn::Linear out_proj{nullptr}, to_add_out{nullptr};

private:
    int64_t heads_, headDim_;
    bool contextPreOnly_;
};
TORCH_MODULE(JointAttention);

class JointTransformerBlockImpl : public torch::nn::Module {
public:
    JointTransformerBlockImpl(int64_t dim, int64_t heads, int64_t headDim, bool contextPreOnly);
    // Returns (image tokens, context tokens); the context is undefined after a pre-only block.
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x, const torch::Tensor& c,
                                                    const torch::Tensor& temb);

    bool contextPreOnly() const { return contextPreOnly_; }

    AdaLayerNormLinear norm1{nullptr}, norm1_context{nullptr};
    JointAttention attn{nullptr};
    GeluFeedForward ff{nullptr}, ff_context{nullptr};

private:
    bool contextPreOnly_;
};
TORCH_MODULE(JointTransformerBlock);

class SD3Transformer2DModel : public torch::nn::Module {
public:
    explicit SD3Transformer2DModel(const SD3TransformerConfig& config);

    const SD3TransformerConfig& config() const { return config_; }

    // sample [B, in, H, W] (H, W multiples of patch_size, at most pos_embed_max_size patches),
    // timesteps [B] or a scalar, encoderHiddenStates [B, L, joint_attention_dim],
    // pooledProjections [B, pooled_projection_dim]. Inputs are cast to the parameters' dtype
    // and device; the result [B, out, H, W] comes back in sample's dtype. `debug` receives
    // pos_embed, time_text_embed.{time_proj, timestep_embedder, text_embedder},
    // time_text_embed, context_embedder, transformer_blocks.N.hidden,
    // transformer_blocks.N.context (not for the last block), norm_out and proj_out.
    torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                          const torch::Tensor& encoderHiddenStates, const torch::Tensor& pooledProjections,
                          std::map<std::string, torch::Tensor>* debug = nullptr);

    void load(const TensorMap& tensors, const std::string& source);
    void loadFile(const std::string& weightsPath);
    static std::shared_ptr<SD3Transformer2DModel> fromPretrained(const std::string& folder);
    // Writes config.json and diffusion_pytorch_model.safetensors (float32) into `folder`.
    void save(const std::string& folder) const;

    int64_t parameterCount() const;

    PatchEmbed pos_embed{nullptr};
    std::shared_ptr<torch::nn::Module> time_text_embed;
    TimestepEmbedding timestep_embedder{nullptr}, text_embedder{nullptr};  // children of time_text_embed
    torch::nn::Linear context_embedder{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};
    AdaLayerNormLinear norm_out{nullptr};
    torch::nn::Linear proj_out{nullptr};

private:
    SD3TransformerConfig config_;
    std::vector<JointTransformerBlock> blocks_;
};

}  // namespace ld
