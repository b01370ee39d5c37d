#pragma once
// UNet2DConditionModel's config.json as a plain struct: diffusers' parameter names and
// defaults (unet_2d_condition.py, v0.30), per-block lists resolved at read time, plus
// LabelDiff's own options that diffusers' config.json does not have.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ld {

// How to load a checkpoint whose conv_in has fewer input channels than the network
// (e.g. an SD U-Net that must also see the image latent).
enum class ConvInWidening {
    None,               // channel counts must match
    DuplicateAndHalve,  // Marigold: repeat the pretrained kernels over the new channels, divide by the repeat count
    ZeroInit,           // InstructPix2Pix: pretrained kernels on the first channels, zeros on the new ones
};

struct UNet2DConditionConfig {
    int sampleSize = 64;
    int inChannels = 4;
    int outChannels = 4;
    bool centerInputSample = false;
    bool flipSinToCos = true;
    int freqShift = 0;
    std::vector<std::string> downBlockTypes{"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                            "DownBlock2D"};
    std::string midBlockType = "UNetMidBlock2DCrossAttn";  // "" = no mid block (config null)
    std::vector<std::string> upBlockTypes{"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                                          "CrossAttnUpBlock2D"};
    std::vector<int> blockOutChannels{320, 640, 1280, 1280};
    // The per-block lists below hold one entry per down block (an int in config.json is
    // broadcast). Up block i uses entry n-1-i; the mid block uses the last entry.
    std::vector<int> layersPerBlock{2, 2, 2, 2};
    int downsamplePadding = 1;
    double midBlockScaleFactor = 1.0;
    std::string actFn = "silu";
    int normNumGroups = 32;
    double normEps = 1e-5;
    std::vector<int> crossAttentionDim{1280, 1280, 1280, 1280};
    std::vector<int> transformerLayersPerBlock{1, 1, 1, 1};
    // reverse_transformer_layers_per_block: per up block, in up-block order (empty = reverse
    // of transformerLayersPerBlock).
    std::vector<int> reverseTransformerLayersPerBlock;
    // The NUMBER of attention heads per down block. diffusers' config calls it
    // attention_head_dim (historical quirk); num_attention_heads, when set, wins.
    std::vector<int> attentionHeads{8, 8, 8, 8};
    bool useLinearProjection = false;
    bool upcastAttention = false;
    double resnetOutScaleFactor = 1.0;
    int convInKernel = 3;
    int convOutKernel = 3;
    int timeEmbeddingDim = 0;  // 0: 4 * blockOutChannels[0]
    bool resnetTimeScaleShift = false;  // resnet_time_scale_shift: "default" (false) or "scale_shift"
    // SDXL's micro-conditioning (addition_embed_type "text_time"): "" or "text_time".
    std::string additionEmbedType;
    int additionTimeEmbedDim = 0;
    int projectionClassEmbeddingsInputDim = 0;

    // LabelDiff options, not diffusers keys (written as labeldiff_* keys by toJson).
    ConvInWidening convInWidening = ConvInWidening::None;
    bool tokenInjection = false;  // GS token-level adapter injection (attn1_text_proj)

    int timeEmbedDim() const { return timeEmbeddingDim > 0 ? timeEmbeddingDim : 4 * blockOutChannels.at(0); }
    int numBlocks() const { return static_cast<int>(blockOutChannels.size()); }
    static bool isCrossAttnDown(const std::string& type) { return type == "CrossAttnDownBlock2D"; }
    static bool isCrossAttnUp(const std::string& type) { return type == "CrossAttnUpBlock2D"; }
    int downsampleFactor() const { return 1 << (numBlocks() - 1); }

    // Reads a diffusers config.json object. Unknown keys are ignored; a key whose value
    // needs a feature this implementation lacks (class embeddings, other addition
    // embeddings, Fourier time embeddings, ...) throws ld::Error(subject) naming the key.
    static UNet2DConditionConfig fromJson(const nlohmann::json& j, const std::string& subject = "unet config");
    static UNet2DConditionConfig fromJsonFile(const std::string& path);
    nlohmann::json toJson() const;

    // Consistency of the lists, channel divisibility and block types; ld::Error(subject).
    void validate(const std::string& subject = "unet config") const;

    // Tiny presets for tests and benchmarks.
    static UNet2DConditionConfig tiny();      // ~1.5M parameters, like reference-tiny's sd15
    static UNet2DConditionConfig sd15();      // Stable Diffusion 1.5
    static UNet2DConditionConfig sd21();      // Stable Diffusion 2.1 (768-v)
};

std::string convInWideningName(ConvInWidening mode);                 // "none", "duplicate_and_halve", "zero_init"
ConvInWidening parseConvInWidening(const std::string& name, const std::string& subject);

}  // namespace ld
