#include "inference/models/autoencoders/tiny_autoencoder.h"

#include "core/ascii_lower.h"
#include "core/error.h"
#include "inference/io/state_dict.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

namespace ld {

namespace {

namespace nn = torch::nn;

nn::Conv2d conv3(int in, int out, int stride = 1, bool bias = true) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(bias));
}

nn::Conv2d conv1(int in, int out) { return nn::Conv2d(nn::Conv2dOptions(in, out, 1).bias(false)); }

// tanh(x / 3) * 3: keeps decoder inputs in (-3, 3) whatever a sampler hands it.
struct SoftClampImpl : nn::Module {
    torch::Tensor forward(const torch::Tensor& x) { return torch::tanh(x / 3) * 3; }
};
TORCH_MODULE(SoftClamp);

// GroupNorm computed in fp32 whatever the module dtype: fp16 statistics over 256 channels
// overflow. Parameter names match torch.nn.GroupNorm.
struct UpcastGroupNormImpl : nn::Module {
    UpcastGroupNormImpl(int groups, int channels) : groups_(groups) {
        weight = register_parameter("weight", torch::ones({channels}));
        bias = register_parameter("bias", torch::zeros({channels}));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        if (x.scalar_type() == torch::kFloat) return torch::group_norm(x, groups_, weight, bias, 1e-5);
        return torch::group_norm(x.to(torch::kFloat), groups_, weight.to(torch::kFloat), bias.to(torch::kFloat), 1e-5)
            .to(x.scalar_type());
    }
    torch::Tensor weight, bias;
    int groups_;
};
TORCH_MODULE(UpcastGroupNorm);

struct TinyBlockImpl : nn::Module {
    TinyBlockImpl(int in, int out, bool midblockGroupNorm, int groups, int expansion) {
        conv = register_module("conv", nn::Sequential(conv3(in, out), nn::ReLU(), conv3(out, out), nn::ReLU(),
                                                      conv3(out, out)));
        if (in != out) skip = register_module("skip", conv1(in, out));
        if (midblockGroupNorm) {
            const int hidden = in * expansion;
            pool = register_module("pool", nn::Sequential(conv1(in, hidden), UpcastGroupNorm(groups, hidden),
                                                          nn::ReLU(), conv1(hidden, in)));
        }
    }
    torch::Tensor forward(torch::Tensor x) {
        if (pool) x = x + pool->forward(x);
        return torch::relu(conv->forward(x) + (skip ? skip->forward(x) : x));
    }
    nn::Sequential conv{nullptr};
    nn::Conv2d skip{nullptr};
    nn::Sequential pool{nullptr};
};
TORCH_MODULE(TinyBlock);

nn::Sequential buildEncoder(const TinyAutoencoderConfig& c) {
    nn::Sequential s;
    s->push_back(conv3(c.imageChannels, c.channels));
    const size_t last = c.encoderBlocks.size() - 1;
    for (size_t stage = 0; stage < c.encoderBlocks.size(); ++stage) {
        if (stage > 0) s->push_back(conv3(c.channels, c.channels, 2, false));
        for (int b = 0; b < c.encoderBlocks[stage]; ++b)
            s->push_back(TinyBlock(c.channels, c.channels, c.midblockGroupNorm && stage == last, c.groupNormGroups,
                                   c.groupNormExpansion));
    }
    s->push_back(conv3(c.channels, c.latentChannels));
    return s;
}

nn::Sequential buildDecoder(const TinyAutoencoderConfig& c) {
    nn::Sequential s;
    s->push_back(SoftClamp());
    s->push_back(conv3(c.latentChannels, c.channels));
    s->push_back(nn::ReLU());
    const size_t last = c.decoderBlocks.size() - 1;
    for (size_t stage = 0; stage < c.decoderBlocks.size(); ++stage) {
        for (int b = 0; b < c.decoderBlocks[stage]; ++b)
            s->push_back(TinyBlock(c.channels, c.channels, c.midblockGroupNorm && stage == 0, c.groupNormGroups,
                                   c.groupNormExpansion));
        if (stage < last) {
            s->push_back(nn::Upsample(
                nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest)));
            s->push_back(conv3(c.channels, c.channels, 1, false));
        }
    }
    s->push_back(conv3(c.channels, c.imageChannels));
    return s;
}

void validate(const TinyAutoencoderConfig& c, const std::string& subject) {
    auto positive = [&](int v, const char* what) {
        if (v <= 0 || v > 4096) throw Error(subject, std::string(what) + " must be in 1..4096, got " + std::to_string(v));
    };
    positive(c.imageChannels, "in_channels");
    positive(c.latentChannels, "latent_channels");
    positive(c.channels, "channels");
    if (c.encoderBlocks.empty() || c.encoderBlocks.size() > 6)
        throw Error(subject, "num_encoder_blocks must list 1..6 stages");
    if (c.decoderBlocks.size() != c.encoderBlocks.size())
        throw Error(subject, "num_decoder_blocks must list as many stages as num_encoder_blocks");
    for (int b : c.encoderBlocks)
        if (b < 0 || b > 64) throw Error(subject, "num_encoder_blocks entries must be in 0..64");
    for (int b : c.decoderBlocks)
        if (b < 0 || b > 64) throw Error(subject, "num_decoder_blocks entries must be in 0..64");
    if (c.midblockGroupNorm) {
        positive(c.groupNormGroups, "group_norm_groups");
        positive(c.groupNormExpansion, "group_norm_expansion");
        if ((c.channels * c.groupNormExpansion) % c.groupNormGroups != 0)
            throw Error(subject, "channels x group_norm_expansion must be divisible by group_norm_groups");
    }
}

// Index -> the key suffixes under it, for a Sequential checkpoint.
std::map<int, std::set<std::string>> byIndex(const TensorMap& tensors, const std::string& subject) {
    std::map<int, std::set<std::string>> out;
    for (const auto& [key, t] : tensors) {
        const auto dot = key.find('.');
        const std::string head = key.substr(0, dot);
        if (dot == std::string::npos || head.empty() || head.size() > 4 ||
            !std::all_of(head.begin(), head.end(), [](unsigned char ch) { return std::isdigit(ch); }))
            throw Error(subject, "not a TAESD-family checkpoint: unexpected key '" + key + "'");
        out[std::stoi(head)].insert(key.substr(dot + 1));
    }
    if (out.empty()) throw Error(subject, "not a TAESD-family checkpoint: no tensors");
    return out;
}

const torch::Tensor& need(const TensorMap& tensors, const std::string& key, int64_t dims, const std::string& subject) {
    auto it = tensors.find(key);
    if (it == tensors.end()) throw Error(subject, "not a TAESD-family checkpoint: missing '" + key + "'");
    if (it->second.dim() != dims)
        throw Error(subject, "'" + key + "' has " + std::to_string(it->second.dim()) + " dimensions, expected " +
                                 std::to_string(dims));
    return it->second;
}

void inferGroupNorm(const TensorMap& tensors, TinyAutoencoderConfig& c, const std::string& subject) {
    for (const auto& [key, t] : tensors) {
        if (key.size() > 14 && key.compare(key.size() - 14, 14, ".pool.0.weight") == 0) {
            c.midblockGroupNorm = true;
            if (t.dim() != 4 || t.size(0) % c.channels != 0)
                throw Error(subject, "'" + key + "' has an unexpected shape");
            c.groupNormExpansion = int(t.size(0) / c.channels);
            return;
        }
    }
}

int64_t countParameters(const nn::Module& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}


}  // namespace

// ---- config ---------------------------------------------------------------------------

TinyAutoencoderConfig TinyAutoencoderConfig::taesd() { return TinyAutoencoderConfig{}; }

TinyAutoencoderConfig TinyAutoencoderConfig::taef2() {
    TinyAutoencoderConfig c;
    c.latentChannels = 32;
    c.midblockGroupNorm = true;
    return c;
}

int TinyAutoencoderConfig::downscale() const { return 1 << (encoderBlocks.empty() ? 0 : encoderBlocks.size() - 1); }

TinyAutoencoderConfig TinyAutoencoderConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    if (!j.is_object()) throw Error(subject, "config must be a JSON object");
    TinyAutoencoderConfig c;
    // get<int>() would keep the low 32 bits of 2^32 + 4 (4: a network other than the file
    // says); validate() bounds the values that fit.
    auto intOf = [&](const nlohmann::json& v, const char* key) {
        const int64_t x = v.get<int64_t>();
        if (x < -(int64_t(1) << 31) || x >= (int64_t(1) << 31))
            throw Error(subject, std::string("config key '") + key + "' is " + std::to_string(x) + ", past the limit of 4096");
        return int(x);
    };
    auto readInt = [&](const char* key, int& out) {
        if (!j.contains(key)) return;
        if (!j[key].is_number_integer()) throw Error(subject, std::string("'") + key + "' must be an integer");
        out = intOf(j[key], key);
    };
    auto readList = [&](const char* key, std::vector<int>& out) {
        if (!j.contains(key)) return;
        const auto& v = j[key];
        if (!v.is_array() || v.size() > 64) throw Error(subject, std::string("'") + key + "' must be a list of at most 64 integers");
        out.clear();
        for (const auto& e : v) {
            if (!e.is_number_integer()) throw Error(subject, std::string("'") + key + "' must be a list of integers");
            out.push_back(intOf(e, key));
        }
    };
    readInt("in_channels", c.imageChannels);
    readInt("latent_channels", c.latentChannels);
    readInt("channels", c.channels);
    readList("num_encoder_blocks", c.encoderBlocks);
    readList("num_decoder_blocks", c.decoderBlocks);
    if (j.contains("use_midblock_gn")) {
        if (!j["use_midblock_gn"].is_boolean()) throw Error(subject, "'use_midblock_gn' must be true or false");
        c.midblockGroupNorm = j["use_midblock_gn"].get<bool>();
    }
    readInt("group_norm_groups", c.groupNormGroups);
    readInt("group_norm_expansion", c.groupNormExpansion);
    validate(c, subject);
    return c;
}

nlohmann::json TinyAutoencoderConfig::toJson() const {
    return nlohmann::json{{"_class_name", "TinyAutoencoder"},
                          {"in_channels", imageChannels},
                          {"latent_channels", latentChannels},
                          {"channels", channels},
                          {"num_encoder_blocks", encoderBlocks},
                          {"num_decoder_blocks", decoderBlocks},
                          {"use_midblock_gn", midblockGroupNorm},
                          {"group_norm_groups", groupNormGroups},
                          {"group_norm_expansion", groupNormExpansion}};
}

TinyAutoencoderConfig TinyAutoencoderConfig::inferFromEncoder(const TensorMap& tensors, const std::string& subject) {
    const auto idx = byIndex(tensors, subject);
    TinyAutoencoderConfig c;
    const auto& first = need(tensors, "0.weight", 4, subject);
    c.channels = int(first.size(0));
    c.imageChannels = int(first.size(1));
    const int lastIndex = idx.rbegin()->first;
    const auto& out = need(tensors, std::to_string(lastIndex) + ".weight", 4, subject);
    c.latentChannels = int(out.size(0));
    c.encoderBlocks = {0};
    for (int i = 1; i < lastIndex; ++i) {
        auto it = idx.find(i);
        if (it == idx.end()) throw Error(subject, "not a TAESD encoder: nothing at index " + std::to_string(i));
        if (it->second.count("conv.0.weight")) ++c.encoderBlocks.back();
        else c.encoderBlocks.push_back(0);  // a stride-2 conv opens the next stage
    }
    c.decoderBlocks.assign(c.encoderBlocks.rbegin(), c.encoderBlocks.rend());
    inferGroupNorm(tensors, c, subject);
    validate(c, subject);
    return c;
}

TinyAutoencoderConfig TinyAutoencoderConfig::inferFromDecoder(const TensorMap& tensors, const std::string& subject) {
    const auto idx = byIndex(tensors, subject);
    TinyAutoencoderConfig c;
    const auto& in = need(tensors, "1.weight", 4, subject);
    c.channels = int(in.size(0));
    c.latentChannels = int(in.size(1));
    const int lastIndex = idx.rbegin()->first;
    const auto& out = need(tensors, std::to_string(lastIndex) + ".weight", 4, subject);
    c.imageChannels = int(out.size(0));
    c.decoderBlocks = {0};
    for (int i = 3; i < lastIndex; ++i) {
        auto it = idx.find(i);
        if (it == idx.end()) continue;  // the upsample holds no tensors
        if (it->second.count("conv.0.weight")) ++c.decoderBlocks.back();
        else c.decoderBlocks.push_back(0);  // upsample + conv opens the next stage
    }
    c.encoderBlocks.assign(c.decoderBlocks.rbegin(), c.decoderBlocks.rend());
    inferGroupNorm(tensors, c, subject);
    validate(c, subject);
    return c;
}

// ---- model ----------------------------------------------------------------------------

struct TinyAutoencoder::Stacks {
    nn::Sequential encoder{nullptr};
    nn::Sequential decoder{nullptr};
};

TinyAutoencoder::TinyAutoencoder(const TinyAutoencoderConfig& config)
    : config_(config), stacks_(std::make_shared<Stacks>()) {
    validate(config_, "TinyAutoencoder config");
    stacks_->encoder = buildEncoder(config_);
    stacks_->decoder = buildDecoder(config_);
}

torch::nn::Module& TinyAutoencoder::encoder() { return *stacks_->encoder; }
torch::nn::Module& TinyAutoencoder::decoder() { return *stacks_->decoder; }
const torch::nn::Module& TinyAutoencoder::encoder() const { return *stacks_->encoder; }
const torch::nn::Module& TinyAutoencoder::decoder() const { return *stacks_->decoder; }

c10::Device TinyAutoencoder::device() const { return stacks_->encoder->parameters().front().device(); }
c10::ScalarType TinyAutoencoder::dtype() const { return stacks_->encoder->parameters().front().scalar_type(); }

torch::Tensor TinyAutoencoder::encode(const torch::Tensor& images) const {
    const int f = config_.downscale();
    if (images.dim() != 4 || images.size(1) != config_.imageChannels)
        throw Error("TinyAutoencoder::encode", "expected images [B, " + std::to_string(config_.imageChannels) +
                                                   ", H, W], got " + std::to_string(images.dim()) + " dimensions" +
                                                   (images.dim() == 4 ? " with " + std::to_string(images.size(1)) +
                                                                            " channels" : ""));
    if (images.size(2) % f != 0 || images.size(3) % f != 0 || images.size(2) == 0 || images.size(3) == 0)
        throw Error("TinyAutoencoder::encode", "image height and width must be positive multiples of " +
                                                   std::to_string(f) + ", got " + std::to_string(images.size(2)) +
                                                   "x" + std::to_string(images.size(3)));
    return stacks_->encoder->forward(images.to(device(), dtype()));
}

torch::Tensor TinyAutoencoder::decode(const torch::Tensor& latents) const {
    if (latents.dim() != 4 || latents.size(1) != config_.latentChannels)
        throw Error("TinyAutoencoder::decode",
                    "expected latents [B, " + std::to_string(config_.latentChannels) + ", h, w]");
    return stacks_->decoder->forward(latents.to(device(), dtype())).clamp(0, 1);
}

void TinyAutoencoder::loadEncoder(const TensorMap& tensors, const std::string& source) {
    loadStateDict(*stacks_->encoder, tensors, source);
}

void TinyAutoencoder::loadDecoder(const TensorMap& tensors, const std::string& source) {
    loadStateDict(*stacks_->decoder, tensors, source);
}

void TinyAutoencoder::loadEncoderFile(const std::string& path) { loadEncoder(loadSafetensors(path), path); }
void TinyAutoencoder::loadDecoderFile(const std::string& path) { loadDecoder(loadSafetensors(path), path); }

void TinyAutoencoder::to(c10::Device device, c10::ScalarType dtype) {
    stacks_->encoder->to(device, dtype);
    stacks_->decoder->to(device, dtype);
}

int64_t TinyAutoencoder::encoderParameterCount() const { return countParameters(*stacks_->encoder); }
int64_t TinyAutoencoder::decoderParameterCount() const { return countParameters(*stacks_->decoder); }

std::string findTinyAutoencoderCheckpoint(const std::string& path, const std::string& role) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path, "no such file or folder");
    if (!fs::is_directory(path, ec)) return path;
    std::vector<std::string> all, matching;
    for (const auto& e : fs::directory_iterator(path, ec)) {
        if (!e.is_regular_file(ec)) continue;
        const std::string name = e.path().filename().string();
        const std::string low = asciiLower(name);
        if (low.size() < 12 || low.compare(low.size() - 12, 12, ".safetensors") != 0) continue;
        all.push_back(name);
        if (low.find(asciiLower(role)) != std::string::npos) matching.push_back(e.path().string());
    }
    if (ec) throw Error(path, "cannot list the folder: " + ec.message());
    if (matching.size() == 1) return matching.front();
    std::sort(matching.begin(), matching.end());
    if (matching.size() > 1) {
        std::string names;
        for (const auto& m : matching) names += "\n  " + m;
        throw Error(path, "more than one " + role + " checkpoint; name the file instead:" + names);
    }
    std::string names;
    for (const auto& a : all) names += " " + a;
    throw Error(path, "no *.safetensors file with '" + role + "' in its name" +
                          (all.empty() ? std::string(" (the folder holds no .safetensors files)")
                                       : " (found:" + names + ")"));
}

std::shared_ptr<TinyAutoencoder> loadTinyAutoencoder(const std::string& encoderPath, const std::string& decoderPath) {
    namespace fs = std::filesystem;
    const std::string encFile = findTinyAutoencoderCheckpoint(encoderPath, "encoder");
    std::string decSearch = decoderPath;
    if (decSearch.empty()) {
        std::error_code ec;
        decSearch = fs::is_directory(encoderPath, ec) ? encoderPath : fs::path(encFile).parent_path().string();
        if (decSearch.empty()) decSearch = ".";
    }
    // The encoder is read first so that a refused file (pickle, corrupt) is the error shown.
    const TensorMap encTensors = loadSafetensors(encFile);
    const std::string decFile = findTinyAutoencoderCheckpoint(decSearch, "decoder");
    const TensorMap decTensors = loadSafetensors(decFile);
    TinyAutoencoderConfig config = TinyAutoencoderConfig::inferFromEncoder(encTensors, encFile);
    const TinyAutoencoderConfig decConfig = TinyAutoencoderConfig::inferFromDecoder(decTensors, decFile);
    if (decConfig.latentChannels != config.latentChannels || decConfig.imageChannels != config.imageChannels ||
        decConfig.encoderBlocks.size() != config.encoderBlocks.size())
        throw Error(decFile, "this decoder takes " + std::to_string(decConfig.latentChannels) +
                                 "-channel latents over " + std::to_string(decConfig.decoderBlocks.size()) +
                                 " stages, but the encoder " + encFile + " makes " +
                                 std::to_string(config.latentChannels) + "-channel latents over " +
                                 std::to_string(config.encoderBlocks.size()) + " stages");
    config.decoderBlocks = decConfig.decoderBlocks;
    config.midblockGroupNorm = config.midblockGroupNorm || decConfig.midblockGroupNorm;
    auto ae = std::make_shared<TinyAutoencoder>(config);
    ae->loadEncoder(encTensors, encFile);
    ae->loadDecoder(decTensors, decFile);
    return ae;
}

}  // namespace ld
