#pragma once
// The TAESD family of tiny autoencoders (madebyollin/taesd): 4-channel TAESD and the
// 32-channel TAEF2 whose deepest blocks carry a "midblock GroupNorm" branch. Encoder and
// decoder are nn.Sequential stacks, so checkpoint keys are the stack indices
// (`0.weight`, `1.conv.0.weight`, `11.pool.0.weight` ...). Images are in [0, 1].
#include "inference/io/safetensors.h"

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

namespace ld {

struct TinyAutoencoderConfig {
    int imageChannels = 3;
    int latentChannels = 4;
    int channels = 64;
    // Blocks per resolution stage, finest first for the encoder and coarsest first for the
    // decoder; one stride-2 conv (or upsample + conv) between consecutive stages.
    std::vector<int> encoderBlocks{1, 3, 3, 3};
    std::vector<int> decoderBlocks{3, 3, 3, 1};
    // TAEF2: the blocks at the latent resolution (last encoder stage, first decoder
    // stage) add x + 1x1(GroupNorm(1x1(x))) before the block.
    bool midblockGroupNorm = false;
    int groupNormGroups = 4;
    int groupNormExpansion = 4;

    static TinyAutoencoderConfig taesd();  // SD 1.x/2.x latent space
    static TinyAutoencoderConfig taef2();  // FLUX.2 latent space

    int downscale() const;  // 2^(stages-1): 8 for the standard layouts

    // config.json fields: latent_channels, use_midblock_gn, channels, in_channels,
    // num_encoder_blocks, num_decoder_blocks. Unknown keys are ignored; wrong types and
    // impossible values throw ld::Error naming `subject`.
    static TinyAutoencoderConfig fromJson(const nlohmann::json& j, const std::string& subject);
    nlohmann::json toJson() const;

    // Reads the architecture off checkpoint tensors (latent channels from the outer
    // convs, the GroupNorm branch from `*.pool.*` keys, blocks per stage from the indices).
    // Throws ld::Error naming `subject` when the tensors are not a TAESD-family stack.
    static TinyAutoencoderConfig inferFromEncoder(const TensorMap& tensors, const std::string& subject);
    static TinyAutoencoderConfig inferFromDecoder(const TensorMap& tensors, const std::string& subject);
};

class TinyAutoencoder {
public:
    explicit TinyAutoencoder(const TinyAutoencoderConfig& config = TinyAutoencoderConfig::taesd());

    const TinyAutoencoderConfig& config() const { return config_; }
    torch::nn::Module& encoder();
    torch::nn::Module& decoder();
    const torch::nn::Module& encoder() const;
    const torch::nn::Module& decoder() const;

    // [B, 3, H, W] in [0, 1], H and W multiples of downscale() -> [B, C, H/8, W/8].
    torch::Tensor encode(const torch::Tensor& images) const;
    // [B, C, h, w] -> [B, 3, 8h, 8w] clamped to [0, 1].
    torch::Tensor decode(const torch::Tensor& latents) const;

    // Checked loads (every name and shape; all mismatches in one ld::Error). The tensors
    // are converted to the modules' dtype, so fp16 checkpoints load into fp32 modules.
    void loadEncoder(const TensorMap& tensors, const std::string& source);
    void loadDecoder(const TensorMap& tensors, const std::string& source);
    void loadEncoderFile(const std::string& safetensorsPath);
    void loadDecoderFile(const std::string& safetensorsPath);

    void to(c10::Device device, c10::ScalarType dtype);
    c10::Device device() const;
    c10::ScalarType dtype() const;
    int64_t encoderParameterCount() const;
    int64_t decoderParameterCount() const;

private:
    struct Stacks;
    TinyAutoencoderConfig config_;
    std::shared_ptr<Stacks> stacks_;
};

// Finds the checkpoint of one half: `path` itself when it is a file, else the one
// *.safetensors file in the folder whose name contains `role` ("encoder" / "decoder").
// Throws ld::Error naming the folder when there is none or more than one.
std::string findTinyAutoencoderCheckpoint(const std::string& path, const std::string& role);

// Builds a tiny autoencoder from its two checkpoints (files or folders, as above) with the
// architecture read off the tensors, and loads both halves (fp16 -> the module dtype,
// fp32). An empty `decoderPath` looks beside the encoder. The halves must agree on the
// latent channels; every mismatch is reported in one ld::Error.
std::shared_ptr<TinyAutoencoder> loadTinyAutoencoder(const std::string& encoderPath,
                                                     const std::string& decoderPath = {});

}  // namespace ld
