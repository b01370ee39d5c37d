#pragma once
// A complete tiny model directory written by a test: space-to-depth stem, small text
// encoder over a phrase vocabulary (with a null embedding), a small U-Net (or a small
// PixArt or SD3 DiT in transformer/), DDIM scheduler config and the card — a real model in every respect but size, built in milliseconds.
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/schedulers/ddim_scheduler.h"
#include "inference/io/model_card.h"
#include "inference/text/phrase_vocabulary.h"
#include "inference/models/transformers/pixart_transformer.h"
#include "inference/io/safetensors.h"
#include "inference/models/text_encoders/small_text_encoder.h"
#include "inference/models/transformers/sd3_transformer.h"
#include "inference/models/autoencoders/space_to_depth_stem.h"
#include "inference/io/state_dict.h"
#include "inference/models/unets/unet.h"
#include "inference/models/unets/unet_config.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ld::test {

struct TinyModelSpec {
    std::vector<std::string> phrases{"circle", "square"};
    int resolution = 32;
    int factor = 2;
    int imageLatentChannels = 4;
    int maskLatentChannels = 1;
    PredictionType prediction = PredictionType::Sample;
    std::string scheduler = "ddim";  // or "flow"
    SamplingDefaults defaults{4, "trailing", 1.0, 1, 0.5};
    uint64_t seed = 0;
    std::string denoiser = "unet";  // or "pixart", "sd3" (the card's names)
};

inline void writeJsonFile(const std::filesystem::path& p, const nlohmann::json& j) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << j.dump(2);
}

inline UNet2DConditionConfig tinyUNetConfig(const TinyModelSpec& s, int textWidth) {
    UNet2DConditionConfig c = UNet2DConditionConfig::tiny();
    c.inChannels = s.imageLatentChannels + s.maskLatentChannels;
    c.outChannels = s.maskLatentChannels;
    c.sampleSize = s.resolution / s.factor;
    c.blockOutChannels = {16, 32};
    c.downBlockTypes = {"CrossAttnDownBlock2D", "DownBlock2D"};
    c.upBlockTypes = {"UpBlock2D", "CrossAttnUpBlock2D"};
    c.layersPerBlock = {1, 1};
    c.crossAttentionDim = {textWidth, textWidth};
    c.transformerLayersPerBlock = {1, 1};
    c.attentionHeads = {2, 2};
    c.normNumGroups = 4;
    // The pooled phrase in the timestep embedding (see ld::runDenoiser).
    c.additionEmbedType = "text_time";
    c.resnetTimeScaleShift = true;  // FiLM: the pooled phrase scales every residual block
    c.additionTimeEmbedDim = 4;
    c.projectionClassEmbeddingsInputDim = textWidth + 6 * c.additionTimeEmbedDim;
    return c;
}

// Two blocks of 2 x 8 on 2 x 2 patches: 64 tokens at the default 16² latent.
inline void writeTinyTransformer(const TinyModelSpec& s, int textWidth, const std::filesystem::path& folder) {
    if (s.denoiser == "pixart") {
        PixArtTransformerConfig c;
        c.numAttentionHeads = 2;
        c.attentionHeadDim = 8;
        c.numLayers = 2;
        c.inChannels = s.imageLatentChannels + s.maskLatentChannels;
        c.outChannels = s.maskLatentChannels;
        c.sampleSize = s.resolution / s.factor;
        c.crossAttentionDim = c.innerDim();
        c.captionChannels = textWidth;
        PixArtTransformer2DModel(c).save(folder.string());
        return;
    }
    SD3TransformerConfig c;
    c.numAttentionHeads = 2;
    c.attentionHeadDim = 8;
    c.numLayers = 2;
    c.inChannels = s.imageLatentChannels + s.maskLatentChannels;
    c.outChannels = s.maskLatentChannels;
    c.sampleSize = s.resolution / s.factor;
    c.posEmbedMaxSize = c.sampleSize / c.patchSize;
    c.jointAttentionDim = textWidth;
    c.captionProjectionDim = c.innerDim();
    c.pooledProjectionDim = textWidth;
    SD3Transformer2DModel(c).save(folder.string());
}

// Writes the directory and returns its path.
inline std::string writeTinyModel(const std::string& dir, const TinyModelSpec& s = {}) {
    namespace fs = std::filesystem;
    torch::manual_seed(s.seed);
    const fs::path root(dir);
    const auto vocab = PhraseVocabulary::build(s.phrases, 8);
    fs::create_directories(root / "tokenizer");
    vocab.save((root / "tokenizer/phrase_vocab.json").string());

    const auto textConfig = smallTextEncoderConfig(vocab, {16, 1, 2});
    CLIPTextModel text(textConfig);
    text.initNullEmbeddingFromIds(torch::tensor(vocab.encode(""), torch::kLong).unsqueeze(0));
    writeJsonFile(root / "text_encoder/config.json", textConfig.toJson());
    saveSafetensors((root / "text_encoder/model.safetensors").string(), stateDict(text));
    text.saveNullEmbedding((root / "text_encoder/null_embedding.safetensors").string());

    SpaceToDepthStemConfig stemConfig;
    stemConfig.factor = s.factor;
    stemConfig.latentChannels = s.imageLatentChannels;
    stemConfig.hiddenChannels = 16;
    stemConfig.hiddenLayers = 1;
    stemConfig.outputNorm = true;  // a unit-scale image latent beside unit noise (see SpaceToDepthStemConfig)
    SpaceToDepthStem stem(stemConfig);
    writeJsonFile(root / "image_encoder/config.json", stemConfig.toJson());
    saveSafetensors((root / "image_encoder/model.safetensors").string(), stateDict(*stem));

    const std::string denoiserFolder = s.denoiser == "unet" ? "unet" : "transformer";
    if (s.denoiser == "unet") {
        const auto unetConfig = tinyUNetConfig(s, textConfig.hiddenSize);
        UNet2DConditionModel unet(unetConfig);
        writeJsonFile(root / "unet/config.json", unetConfig.toJson());
        saveSafetensors((root / "unet/diffusion_pytorch_model.safetensors").string(), stateDict(unet));
    } else {
        writeTinyTransformer(s, textConfig.hiddenSize, root / denoiserFolder);
    }

    DDIMSchedulerConfig sched;
    sched.predictionType = s.prediction == PredictionType::Flow ? PredictionType::Sample : s.prediction;
    sched.setAlphaToOne = false;
    writeJsonFile(root / "scheduler/scheduler_config.json", sched.toJson());

    ModelCard card;
    card.name = "tiny test model";
    card.components = {{denoiserFolder, denoiserFolder},
                       {"image_encoder", "image_encoder"},
                       {"text_encoder", "text_encoder"},
                       {"tokenizer", "tokenizer"},
                       {"scheduler", "scheduler"}};
    card.denoiser = s.denoiser;
    card.maskCodec.kind = MaskCodecKind::Downsample;
    card.maskCodec.latentChannels = s.maskLatentChannels;
    card.maskCodec.factor = s.factor;
    card.predictionType = s.prediction;
    card.scheduler = s.scheduler;
    card.resolution = s.resolution;
    card.defaults = s.defaults;
    writeModelCard((root / kModelCardFileName).string(), card);
    return dir;
}

}  // namespace ld::test
