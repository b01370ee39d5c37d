#pragma once
// The model card: one JSON file at the root of a model directory that says what the
// sub-folders are, how masks become latents, what the denoiser predicts, and the
// settings the model was tuned for. Reading tolerates keys it does not know (newer
// writers, hand-written notes); a known key with a wrong type or value is an ld::Error
// naming the file and the key.
#include "inference/io/mask_codec_spec.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace ld {

inline constexpr const char* kModelCardFileName = "model_card.json";
inline constexpr int kModelCardVersion = 1;

enum class PredictionType { Epsilon, V, Sample, Flow };
std::string predictionTypeName(PredictionType t);          // "epsilon", "v_prediction", "sample", "flow"
PredictionType parsePredictionType(const std::string& s);  // also accepts "v"; ld::Error otherwise

struct SamplingDefaults {
    int steps = 50;
    std::string spacing = "trailing";  // "leading", "trailing" or "linspace"
    double guidance = 7.5;
    int ensemble = 1;
    double threshold = 0.5;            // on mask probability (decoded mask + 1) / 2
};

struct ModelCard {
    std::string name;
    std::string description;
    // Role -> sub-folder. Roles: unet or transformer, image_encoder (its folder is often "vae"),
    // text_encoder, tokenizer, scheduler; unknown roles are kept.
    std::map<std::string, std::string> components{{"unet", "unet"},
                                                  {"image_encoder", "vae"},
                                                  {"text_encoder", "text_encoder"},
                                                  {"tokenizer", "tokenizer"},
                                                  {"scheduler", "scheduler"}};
    MaskCodecSpec maskCodec;
    PredictionType predictionType = PredictionType::Epsilon;
    std::string scheduler = "ddim";  // "ddim" or "flow"
    // The denoiser network: "unet" (unet/), or a DiT in transformer/: "pixart"
    // (PixArtTransformer2DModel) or "sd3" (SD3Transformer2DModel). Recorded so that readers
    // without LibTorch (the model manager) can name it without opening the weights.
    std::string denoiser = "unet";
    int resolution = 512;            // image side the model was trained at
    SamplingDefaults defaults;
    std::map<std::string, double> classThresholds;  // class name -> threshold in [0, 1]
    // Class name -> presence gate τ_p in [0, 1] (core/presence_gate.h); 0 or missing: none.
    std::map<std::string, double> classPresence;
    // Training provenance (base model, data, steps, objective, date ...), free-form.
    nlohmann::json training = nlohmann::json::object();
    // Top-level keys this version does not know, written back unchanged.
    nlohmann::json extra = nlohmann::json::object();

    // The threshold for a class: its own if the card has one, else the default.
    double thresholdFor(const std::string& className) const;
    // The presence gate for a class: its own if the card has one, else 0 (always present).
    double presenceFor(const std::string& className) const;
    // Whether the denoiser is the discriminative baseline (training objective
    // "discriminative"): one pass from a zero latent, logits instead of a sample.
    bool isDiscriminative() const;
};

ModelCard modelCardFromJson(const nlohmann::json& j, const std::string& subject);
nlohmann::json modelCardToJson(const ModelCard& card);
ModelCard readModelCard(const std::string& path);
void writeModelCard(const std::string& path, const ModelCard& card);  // atomic

}  // namespace ld
