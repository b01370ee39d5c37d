#pragma once
// A model directory: the model card at its root plus diffusers-style component
// sub-folders (unet/ or transformer/, vae/ or image_encoder/, text_encoder/, tokenizer/, scheduler/, and
// mask_codec/ for a learned codec). Opening it builds every network from its config.json,
// checks every tensor's name and shape, checks that the components fit together (U-Net
// channels vs. latents, cross-attention width vs. text width), and reports ALL problems
// of all components in one ld::Error naming the directory.
#include "inference/io/model_card.h"

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ld {

class UNet2DConditionModel;
class PixArtTransformer2DModel;
class SD3Transformer2DModel;
class AutoencoderKL;
class TinyAutoencoder;
class SpaceToDepthStemImpl;
class CLIPTextModel;
class BpeTokenizer;
class PhraseVocabulary;
class LinearMaskProjectionImpl;
class CancelToken;

struct ComponentInfo {
    std::string role;        // "unet", "image_encoder", ...
    std::string folder;      // relative to the model directory
    std::string className;   // from config.json ("UNet2DConditionModel", "TinyAutoencoder", ...)
    int64_t parameters = 0;
    std::vector<std::string> weightFiles;  // relative to the model directory
    std::vector<std::string> dtypes;       // stored dtypes of the weights ("F16", "F32" ...)
    std::string summary;                   // one line for people
};

struct ModelDirectoryOptions {
    c10::Device device{c10::kCPU};
    c10::ScalarType dtype = c10::kFloat;
    // Checked before each component and between tensors (LoadCancelScope): open() then
    // throws ld::Cancelled, having built nothing that outlives it.
    const CancelToken* cancel = nullptr;
};

class ModelDirectory {
public:
    // Throws one ld::Error(root, "N problems: ...") listing every missing folder, bad
    // config, tensor mismatch and inconsistency, or ld::Cancelled (options.cancel). A directory without a model card is
    // taken as a bare diffusers folder: the card's defaults with the sub-folders present.
    static std::shared_ptr<ModelDirectory> open(const std::string& root, const ModelDirectoryOptions& options = {});

    const std::string& root() const { return root_; }
    const ModelCard& card() const { return card_; }
    bool hasCardFile() const { return hasCardFile_; }
    const std::vector<ComponentInfo>& components() const { return components_; }

    // Loaded components (null when the card does not name them). The denoiser is one of
    // unet, pixart, sd3; code that only calls it goes through inference/denoiser.h.
    std::shared_ptr<UNet2DConditionModel> unet;
    std::shared_ptr<PixArtTransformer2DModel> pixart;    // transformer/ of class PixArtTransformer2DModel
    std::shared_ptr<SD3Transformer2DModel> sd3;          // transformer/ of class SD3Transformer2DModel
    std::shared_ptr<AutoencoderKL> vae;                  // image encoder: AutoencoderKL
    std::shared_ptr<TinyAutoencoder> tinyAutoencoder;    // image encoder: TAESD family
    std::shared_ptr<SpaceToDepthStemImpl> stem;          // image encoder: space-to-depth stem
    std::shared_ptr<CLIPTextModel> textEncoder;
    std::shared_ptr<BpeTokenizer> tokenizer;              // CLIP checkpoints
    std::shared_ptr<PhraseVocabulary> phraseVocabulary;   // small from-scratch text encoders
    std::shared_ptr<LinearMaskProjectionImpl> maskProjection;  // for the linear mask codec
    nlohmann::json schedulerConfig;                      // scheduler/scheduler_config.json as read

    // Latent geometry at the card's resolution: [channels, height, width].
    int imageLatentChannels() const { return imageLatentChannels_; }
    int maskLatentChannels() const;
    int latentFactor() const { return latentFactor_; }
    std::vector<int64_t> imageLatentShape() const;
    std::vector<int64_t> maskLatentShape() const;
    int64_t totalParameters() const;

    // Human-readable and JSON summaries (what `labeldiff-cli inspect` prints).
    std::string describe() const;
    nlohmann::json describeJson() const;

private:
    std::string root_;
    ModelCard card_;
    bool hasCardFile_ = false;
    std::vector<ComponentInfo> components_;
    int imageLatentChannels_ = 0;
    int latentFactor_ = 8;
};

}  // namespace ld
