#include "inference/models/autoencoders/space_to_depth_stem.h"

#include "core/error.h"

namespace ld {

namespace nn = torch::nn;

SpaceToDepthStemConfig SpaceToDepthStemConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    if (!j.is_object()) throw Error(subject, "config must be a JSON object");
    SpaceToDepthStemConfig c;
    auto readInt = [&](const char* key, int& out, int lo, int hi) {
        if (!j.contains(key)) return;
        if (!j[key].is_number_integer()) throw Error(subject, std::string("'") + key + "' must be an integer");
        const int v = j[key].get<int>();
        if (v < lo || v > hi)
            throw Error(subject, std::string("'") + key + "' must be in " + std::to_string(lo) + ".." +
                                     std::to_string(hi) + ", got " + std::to_string(v));
        out = v;
    };
    readInt("in_channels", c.imageChannels, 1, 64);
    readInt("downscale_factor", c.factor, 1, 64);
    readInt("latent_channels", c.latentChannels, 1, 4096);
    readInt("hidden_channels", c.hiddenChannels, 1, 4096);
    readInt("hidden_layers", c.hiddenLayers, 0, 64);
    if (j.contains("downsample_channels")) {
        const auto& d = j["downsample_channels"];
        if (!d.is_array() || d.size() > 6) throw Error(subject, "'downsample_channels' must be a list of at most 6 channel counts");
        for (const auto& v : d) {
            if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 4096)
                throw Error(subject, "'downsample_channels' entries must be integers in 1..4096");
            c.downsampleChannels.push_back(v.get<int>());
        }
        if (c.factor % (1 << c.downsampleChannels.size()) != 0)
            throw Error(subject, "downscale_factor " + std::to_string(c.factor) + " is not divisible by the " +
                                     std::to_string(1 << c.downsampleChannels.size()) + " of the strided convolutions");
    }
    if (j.contains("output_norm")) {
        if (!j["output_norm"].is_boolean()) throw Error(subject, "'output_norm' must be true or false");
        c.outputNorm = j["output_norm"].get<bool>();
    }
    return c;
}

nlohmann::json SpaceToDepthStemConfig::toJson() const {
    return nlohmann::json{{"_class_name", "SpaceToDepthStem"},      {"in_channels", imageChannels},
                          {"downscale_factor", factor},             {"latent_channels", latentChannels},
                          {"hidden_channels", hiddenChannels},      {"hidden_layers", hiddenLayers},
                          {"downsample_channels", downsampleChannels},
                          {"output_norm", outputNorm}};
}

SpaceToDepthStemImpl::SpaceToDepthStemImpl(const SpaceToDepthStemConfig& config) : config_(config) {
    if (config_.factor < 1 || config_.imageChannels < 1 || config_.latentChannels < 1 ||
        config_.hiddenChannels < 1 || config_.hiddenLayers < 0)
        throw Error("SpaceToDepthStem config", "channel counts and factor must be positive");
    const int strided = 1 << config_.downsampleChannels.size();
    if (config_.factor % strided != 0)
        throw Error("SpaceToDepthStem config", "the factor is not divisible by the strided convolutions' " +
                                                   std::to_string(strided));
    down_ = register_module("down", nn::ModuleList());
    int channels = config_.imageChannels;
    for (int out : config_.downsampleChannels) {
        down_->push_back(nn::Conv2d(nn::Conv2dOptions(channels, out, 3).stride(2).padding(1)));
        channels = out;
    }
    const int rest = config_.factor / strided;
    const int unshuffled = channels * rest * rest;
    projIn_ = register_module("proj_in", nn::Conv2d(nn::Conv2dOptions(unshuffled, config_.hiddenChannels, 1)));
    blocks_ = register_module("blocks", nn::ModuleList());
    for (int i = 0; i < config_.hiddenLayers; ++i)
        blocks_->push_back(
            nn::Conv2d(nn::Conv2dOptions(config_.hiddenChannels, config_.hiddenChannels, 3).padding(1)));
    projOut_ = register_module("proj_out",
                               nn::Conv2d(nn::Conv2dOptions(config_.hiddenChannels, config_.latentChannels, 3).padding(1)));
    if (config_.outputNorm)
        normOut_ = register_module("norm_out", nn::GroupNorm(nn::GroupNormOptions(1, config_.latentChannels)));
}

torch::Tensor SpaceToDepthStemImpl::forward(const torch::Tensor& images) {
    const int f = config_.factor;
    if (images.dim() != 4 || images.size(1) != config_.imageChannels)
        throw Error("SpaceToDepthStem", "expected images [B, " + std::to_string(config_.imageChannels) + ", H, W]");
    if (images.size(2) % f != 0 || images.size(3) % f != 0 || images.size(2) == 0 || images.size(3) == 0)
        throw Error("SpaceToDepthStem", "image height and width must be positive multiples of " + std::to_string(f));
    const auto& w = projIn_->weight;
    auto x = images.to(w.device(), w.scalar_type());
    for (auto& conv : *down_) x = torch::silu(conv->as<nn::Conv2d>()->forward(x));
    x = torch::pixel_unshuffle(x, f >> config_.downsampleChannels.size());
    x = torch::silu(projIn_->forward(x));
    for (auto& block : *blocks_) x = torch::silu(block->as<nn::Conv2d>()->forward(x));
    x = projOut_->forward(x);
    return normOut_ ? normOut_->forward(x) : x;
}

}  // namespace ld
