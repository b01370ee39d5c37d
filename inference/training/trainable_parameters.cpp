#include "inference/training/trainable_parameters.h"

#include "core/error.h"
#include "inference/models/autoencoders/autoencoder_kl.h"
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/pipeline/conditioning.h"
#include "inference/io/model_directory.h"
#include "inference/models/autoencoders/space_to_depth_stem.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"
#include "inference/training/train_config.h"

#include <torch/torch.h>

#include <regex>

namespace ld {

std::vector<TrainableParameter> trainableParameters(ModelDirectory& model, const TrainConfig& cfg) {
    std::vector<TrainableParameter> params;
    auto addModule = [&](const std::string& prefix, torch::nn::Module& m) {
        for (const auto& kv : m.named_parameters(true)) {
            TrainableParameter p{prefix + kv.key(), kv.value(), kv.value().dim() >= 2};
            if (p.name.find("embedding") != std::string::npos) p.decay = false;
            params.push_back(p);
        }
    };
    torch::nn::Module& denoiser = denoiserModule(model);
    addModule(denoiserRole(model) + ".", denoiser);
    if (model.stem) addModule("image_encoder.", *model.stem);
    if (model.textEncoder) {
        addModule("text_encoder.", *model.textEncoder);
        if (!model.textEncoder->hasNullEmbedding())
            model.textEncoder->initNullEmbeddingFromIds(
                tokenizePhrases(model, {""}).to(denoiser.parameters().front().device()));
        params.push_back({"text_encoder.null_embedding", model.textEncoder->mutableNullEmbedding(), false});
    }
    if (model.maskProjection) addModule("mask_codec.", *model.maskProjection);
    if (model.vae)
        for (auto& p : model.vae->parameters()) p.set_requires_grad(false);
    if (model.tinyAutoencoder) {
        for (auto& p : model.tinyAutoencoder->encoder().parameters()) p.set_requires_grad(false);
        for (auto& p : model.tinyAutoencoder->decoder().parameters()) p.set_requires_grad(false);
    }

    std::vector<std::regex> freeze, only;
    for (const auto& f : cfg.freeze) freeze.emplace_back(f);
    for (const auto& f : cfg.trainOnly) only.emplace_back(f);
    std::vector<TrainableParameter> trainable;
    for (auto& p : params) {
        bool train = only.empty();
        for (const auto& r : only) train = train || std::regex_search(p.name, r);
        for (const auto& r : freeze) train = train && !std::regex_search(p.name, r);
        p.param.set_requires_grad(train);
        if (p.name.rfind("text_encoder.", 0) == 0) p.lrScale = cfg.textLrScale;
        if (train) trainable.push_back(p);
    }
    if (trainable.empty()) throw Error("training config", "every parameter is frozen");
    return trainable;
}

int64_t parameterCount(const std::vector<TrainableParameter>& params) {
    int64_t n = 0;
    for (const auto& p : params) n += p.param.numel();
    return n;
}

TensorMap parameterState(const std::vector<TrainableParameter>& params) {
    TensorMap s;
    for (const auto& p : params) s[p.name] = p.param.detach().to(torch::kCPU).clone().contiguous();
    return s;
}

void copyFromState(const TensorMap& state, const std::string& key, torch::Tensor& into, const std::string& subject) {
    auto it = state.find(key);
    if (it == state.end()) throw Error(subject, "training state lacks " + key);
    torch::NoGradGuard ng;
    into.copy_(it->second.to(into.device(), into.scalar_type()));
}

}  // namespace ld
