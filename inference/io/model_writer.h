#pragma once
// Writing a complete model directory from live modules: the trainer's checkpoints, its
// final model, and the initial directory of a from-scratch model. Always atomic: the
// directory is written to a temporary sibling folder and renamed into place, so a reader
// (or a crash) never sees a half-written model.
#include "inference/io/model_card.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ld {

class ModelDirectory;

// Everything a small self-contained model is built from: a space-to-depth stem image
// encoder, a small text encoder over the phrase vocabulary, a U-Net or a DiT and the mask codec.
struct FromScratchSpec {
    std::vector<std::string> phrases;   // the vocabulary's source (class names)
    int vocabularyMaxLength = 8;
    int resolution = 256;
    int latentFactor = 8;
    int imageLatentChannels = 8;
    int stemHidden = 64;
    int stemLayers = 2;
    std::vector<int> stemDownsample;   // the stem's strided convolutions (downsample_channels)
    bool stemNorm = true;              // the stem's output_norm (see SpaceToDepthStemConfig)
    // A pretrained TAESD-family autoencoder folder (e.g. TAEF2) to use as the frozen image
    // encoder instead of the learned stem: copied into the model (licence included), its
    // latent channels and factor replace image_latent_channels and latent_factor.
    std::string pretrainedImageEncoder;
    int maskLatentChannels = 1;
    MaskCodecKind maskCodec = MaskCodecKind::Downsample;
    std::vector<int> blockOutChannels{32, 64, 128};
    std::vector<bool> attention{false, true, true};  // cross-attention per down block
    int layersPerBlock = 1;
    int attentionHeadDim = 32;
    int normGroups = 8;
    int textHidden = 64;
    int textLayers = 2;
    int textHeads = 4;
    // Also feed the mean-pooled phrase into the timestep embedding (SDXL's "text_time"
    // path), which scales every residual block by the phrase; cross-attention alone lets a
    // from-scratch model ignore the phrase for hundreds of steps.
    bool pooledPhrase = false;
    // FiLM: the timestep embedding (which carries the pooled phrase when pooledPhrase is on)
    // scales and shifts every residual block's normalised features (diffusers'
    // resnet_time_scale_shift "scale_shift"), so the phrase reaches every resolution
    // multiplicatively and cannot be averaged away the way an added bias can.
    bool film = false;
    // "unet"; "dit": a PixArt-style DiT (PixArtTransformer2DModel); "sd3": SD3's MMDiT
    // (SD3Transformer2DModel, the phrase pooled over its tokens as the pooled projection).
    // Either DiT has num_layers blocks of num_attention_heads x attention_head_dim on
    // patch_size² patches of the latents.
    std::string denoiser = "unet";
    int numLayers = 4;
    int numAttentionHeads = 2;
    int patchSize = 1;
    // PixArt only: "channels" (the image latent is patch-embedded with the mask latent) or
    // "sequence" (GenMask: image tokens of their own, modulated at t = 0).
    std::string imageShortcut = "channels";
    PredictionType prediction = PredictionType::Sample;
    nlohmann::json scheduler = nlohmann::json::object();  // noise schedule overrides
    SamplingDefaults defaults{1, "trailing", 1.0, 1, 0.5};
    uint64_t seed = 0;
    std::string name = "labeldiff model";

    // JSON keys as the field names in snake_case (resolution, latent_factor, ...;
    // pretrained_image_encoder, resolved against `baseDir` when relative).
    static FromScratchSpec fromJson(const nlohmann::json& j, const std::string& subject, const std::string& baseDir = {});
    nlohmann::json toJson() const;
};

// Builds fresh modules from `spec` (seeded) and writes them as a model directory at `dir`.
void writeFromScratchModel(const FromScratchSpec& spec, const std::string& dir);

// Writes `model`'s modules (their current weights, as float32 on the CPU) with `card` as
// a complete model directory at `dir`, replacing what is there. Components that cannot be
// serialised from memory (pretrained autoencoders, BPE tokenizer files) are copied from
// the model's own directory. `extra`, when given, is called with the temporary folder
// before the rename to add files (e.g. the trainer's state).
void writeModelDirectory(const ModelDirectory& model, const ModelCard& card, const std::string& dir,
                         const std::function<void(const std::string& tempDir)>& extra = {});

// Renames `temp` into place as `dir` (replacing an existing directory), then fsyncs.
void replaceDirectory(const std::string& temp, const std::string& dir);

}  // namespace ld
