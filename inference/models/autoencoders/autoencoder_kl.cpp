#include "inference/models/autoencoders/autoencoder_kl.h"

#include "core/error.h"
#include "inference/io/json_config.h"
#include "inference/io/pretrained_files.h"
#include "inference/io/state_dict.h"

#include <torch/torch.h>

#include <filesystem>

namespace ld {

namespace {

const char* kSubject = "AutoencoderKL";
constexpr double kVaeEps = 1e-6;  // every GroupNorm of diffusers' VAE

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t k) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).padding((k - 1) / 2));
}

BlockOptions vaeBlock(const AutoencoderKLConfig& c, Activation act) {
    BlockOptions o;
    o.tembChannels = 0;
    o.groups = c.normNumGroups;
    o.eps = kVaeEps;
    o.act = act;
    return o;
}

}  // namespace

AutoencoderKLConfig AutoencoderKLConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    using namespace jsoncfg;
    if (!j.is_object()) throw Error(subject, "the VAE config is not a JSON object");
    const std::string cls = getString(j, "_class_name", "AutoencoderKL", subject);
    if (cls != "AutoencoderKL") throw Error(subject, "'_class_name' is '" + cls + "'; only AutoencoderKL is supported");
    if (has(j, "latents_mean") || has(j, "latents_std"))
        throw Error(subject, "config keys 'latents_mean'/'latents_std' (per-channel latent statistics) are not supported");
    AutoencoderKLConfig c;
    c.inChannels = getInt(j, "in_channels", c.inChannels, subject, kWidthLimit);
    c.outChannels = getInt(j, "out_channels", c.outChannels, subject, kWidthLimit);
    c.downBlockTypes = getStringList(j, "down_block_types", c.downBlockTypes, subject);
    c.upBlockTypes = getStringList(j, "up_block_types", c.upBlockTypes, subject);
    c.blockOutChannels = getIntList(j, "block_out_channels", c.blockOutChannels, subject, kWidthLimit);
    if (int64_t(c.blockOutChannels.size()) > kMaxLevels)
        throw Error(subject, "config key 'block_out_channels' has " + std::to_string(c.blockOutChannels.size()) +
                                 " entries, past the limit of " + std::to_string(kMaxLevels) + " resolution levels");
    c.layersPerBlock = getInt(j, "layers_per_block", c.layersPerBlock, subject, kDepthLimit);
    c.actFn = getString(j, "act_fn", c.actFn, subject);
    c.latentChannels = getInt(j, "latent_channels", c.latentChannels, subject, kWidthLimit);
    c.normNumGroups = getInt(j, "norm_num_groups", c.normNumGroups, subject, kWidthLimit);
    auto ss = getIntOrList(j, "sample_size", subject, kSampleLimit);
    if (!ss.empty()) c.sampleSize = ss.front();
    c.scalingFactor = getDouble(j, "scaling_factor", c.scalingFactor, subject);
    c.shiftFactor = getDouble(j, "shift_factor", 0.0, subject);
    c.forceUpcast = getBool(j, "force_upcast", c.forceUpcast, subject);
    c.useQuantConv = getBool(j, "use_quant_conv", c.useQuantConv, subject);
    c.usePostQuantConv = getBool(j, "use_post_quant_conv", c.usePostQuantConv, subject);
    c.midBlockAddAttention = getBool(j, "mid_block_add_attention", c.midBlockAddAttention, subject);
    c.validate(subject);
    return c;
}

AutoencoderKLConfig AutoencoderKLConfig::fromJsonFile(const std::string& path) {
    return fromJson(jsoncfg::readFile(path), path);
}

void AutoencoderKLConfig::validate(const std::string& subject) const {
    auto fail = [&](const std::string& why) { throw Error(subject, why); };
    const size_t n = blockOutChannels.size();
    if (n == 0) fail("block_out_channels is empty");
    if (downBlockTypes.size() != n || upBlockTypes.size() != n)
        fail("down_block_types and up_block_types need one entry per block_out_channels entry");
    for (const auto& t : downBlockTypes)
        if (t != "DownEncoderBlock2D") fail("down block type '" + t + "' is not supported (DownEncoderBlock2D)");
    for (const auto& t : upBlockTypes)
        if (t != "UpDecoderBlock2D") fail("up block type '" + t + "' is not supported (UpDecoderBlock2D)");
    if (inChannels <= 0 || outChannels <= 0 || latentChannels <= 0) fail("channel counts must be positive");
    if (layersPerBlock <= 0) fail("layers_per_block must be positive");
    if (normNumGroups <= 0) fail("norm_num_groups must be positive");
    for (int ch : blockOutChannels)
        if (ch <= 0 || ch % normNumGroups != 0)
            fail("block_out_channels entry " + std::to_string(ch) + " is not divisible by norm_num_groups " +
                 std::to_string(normNumGroups));
    if (!(scalingFactor > 0)) fail("scaling_factor must be positive");
    parseActivation(actFn, "act_fn", subject);
}

nlohmann::json AutoencoderKLConfig::toJson() const {
    nlohmann::json j;
    j["_class_name"] = "AutoencoderKL";
    j["in_channels"] = inChannels;
    j["out_channels"] = outChannels;
    j["down_block_types"] = downBlockTypes;
    j["up_block_types"] = upBlockTypes;
    j["block_out_channels"] = blockOutChannels;
    j["layers_per_block"] = layersPerBlock;
    j["act_fn"] = actFn;
    j["latent_channels"] = latentChannels;
    j["norm_num_groups"] = normNumGroups;
    j["sample_size"] = sampleSize;
    j["scaling_factor"] = scalingFactor;
    j["shift_factor"] = shiftFactor != 0.0 ? nlohmann::json(shiftFactor) : nlohmann::json(nullptr);
    j["latents_mean"] = nullptr;
    j["latents_std"] = nullptr;
    j["force_upcast"] = forceUpcast;
    j["use_quant_conv"] = useQuantConv;
    j["use_post_quant_conv"] = usePostQuantConv;
    j["mid_block_add_attention"] = midBlockAddAttention;
    return j;
}

AutoencoderKLConfig AutoencoderKLConfig::sd() {
    AutoencoderKLConfig c;
    c.blockOutChannels = {128, 256, 512, 512};
    c.downBlockTypes.assign(4, "DownEncoderBlock2D");
    c.upBlockTypes.assign(4, "UpDecoderBlock2D");
    c.layersPerBlock = 2;
    c.sampleSize = 512;
    return c;
}

void convertLegacyVaeKeys(TensorMap& tensors) {
    static const std::pair<const char*, const char*> kRenames[] = {
        {"query", "to_q"}, {"key", "to_k"}, {"value", "to_v"}, {"proj_attn", "to_out.0"}};
    TensorMap out;
    for (auto& [name, t] : tensors) {
        std::string n = name;
        const auto at = n.find("mid_block.attentions.");
        if (at != std::string::npos) {
            for (const auto& [oldName, newName] : kRenames) {
                for (const char* leaf : {".weight", ".bias"}) {
                    const std::string from = std::string(".") + oldName + leaf;
                    if (n.size() >= from.size() && n.compare(n.size() - from.size(), from.size(), from) == 0)
                        n = n.substr(0, n.size() - from.size()) + "." + newName + leaf;
                }
            }
            // Older checkpoints stored these projections as 1x1 convolutions.
            const bool projection = n.find(".to_q.weight") != std::string::npos ||
                                    n.find(".to_k.weight") != std::string::npos ||
                                    n.find(".to_v.weight") != std::string::npos ||
                                    n.find(".to_out.0.weight") != std::string::npos;
            if (projection && t.dim() == 4 && t.size(2) == 1 && t.size(3) == 1) t = t.flatten(1);
        }
        out[n] = t;
    }
    tensors.swap(out);
}

VaeEncoderImpl::VaeEncoderImpl(const AutoencoderKLConfig& c) {
    act_ = parseActivation(c.actFn, "act_fn", kSubject);
    const auto& ch = c.blockOutChannels;
    const int n = static_cast<int>(ch.size());
    conv_in = register_module("conv_in", conv(c.inChannels, ch[0], 3));
    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    int64_t output = ch[0];
    for (int i = 0; i < n; ++i) {
        const int64_t input = output;
        output = ch[i];
        BlockOptions o = vaeBlock(c, act_);
        o.inChannels = input;
        o.outChannels = output;
        o.layers = c.layersPerBlock;
        o.addSample = i != n - 1;
        o.downsamplePadding = 0;
        downs_.push_back(DownBlock2D(o));
        down_blocks->push_back(downs_.back());
    }
    BlockOptions m = vaeBlock(c, act_);
    m.inChannels = ch.back();
    mid_block = register_module("mid_block", UNetMidBlock2D(m, c.midBlockAddAttention));
    conv_norm_out = register_module(
        "conv_norm_out", torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.normNumGroups, ch.back()).eps(kVaeEps)));
    conv_out = register_module("conv_out", conv(ch.back(), 2 * c.latentChannels, 3));
}

torch::Tensor VaeEncoderImpl::forward(const torch::Tensor& x) {
    torch::Tensor h = conv_in(x);
    for (auto& d : downs_) h = d->forward(h, torch::Tensor(), torch::Tensor(), nullptr);
    h = mid_block(h);
    return conv_out(activate(act_, groupNormUpcast(conv_norm_out, h)));
}

VaeDecoderImpl::VaeDecoderImpl(const AutoencoderKLConfig& c) {
    act_ = parseActivation(c.actFn, "act_fn", kSubject);
    std::vector<int> rch(c.blockOutChannels.rbegin(), c.blockOutChannels.rend());
    const int n = static_cast<int>(rch.size());
    conv_in = register_module("conv_in", conv(c.latentChannels, rch[0], 3));
    BlockOptions m = vaeBlock(c, act_);
    m.inChannels = rch[0];
    mid_block = register_module("mid_block", UNetMidBlock2D(m, c.midBlockAddAttention));
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    int64_t output = rch[0];
    for (int i = 0; i < n; ++i) {
        const int64_t prev = output;
        output = rch[i];
        BlockOptions o = vaeBlock(c, act_);
        o.inChannels = prev;
        o.outChannels = output;
        o.layers = c.layersPerBlock + 1;
        o.addSample = i != n - 1;
        o.skipConnections = false;
        ups_.push_back(UpBlock2D(o));
        up_blocks->push_back(ups_.back());
    }
    conv_norm_out = register_module(
        "conv_norm_out",
        torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.normNumGroups, c.blockOutChannels[0]).eps(kVaeEps)));
    conv_out = register_module("conv_out", conv(c.blockOutChannels[0], c.outChannels, 3));
}

torch::Tensor VaeDecoderImpl::forward(const torch::Tensor& z, std::map<std::string, torch::Tensor>* debug) {
    torch::Tensor h = conv_in(z);
    h = mid_block(h);
    if (debug) (*debug)["decoder.mid_block"] = h.detach();
    for (auto& u : ups_) h = u->forward(h, torch::Tensor(), torch::Tensor(), nullptr);
    return conv_out(activate(act_, groupNormUpcast(conv_norm_out, h)));
}

torch::Tensor LatentDistribution::std() const { return torch::exp(0.5 * logvar); }

torch::Tensor LatentDistribution::sample(c10::optional<at::Generator> generator) const {
    return mean + std() * torch::randn(mean.sizes(), generator, mean.options());
}

AutoencoderKL::AutoencoderKL(const AutoencoderKLConfig& config) : config_(config) {
    config_.validate(kSubject);
    encoder = register_module("encoder", VaeEncoder(config_));
    decoder = register_module("decoder", VaeDecoder(config_));
    const int64_t l = config_.latentChannels;
    if (config_.useQuantConv) quant_conv = register_module("quant_conv", conv(2 * l, 2 * l, 1));
    if (config_.usePostQuantConv) post_quant_conv = register_module("post_quant_conv", conv(l, l, 1));
}

LatentDistribution AutoencoderKL::encode(const torch::Tensor& images, std::map<std::string, torch::Tensor>* debug) {
    if (!images.defined() || images.dim() != 4 || images.size(1) != config_.inChannels)
        throw Error(kSubject, "encode needs images [B, " + std::to_string(config_.inChannels) + ", H, W], got " +
                                  (images.defined() ? c10::str(images.sizes()) : std::string("nothing")));
    const int f = config_.downscale();
    if (images.size(2) % f != 0 || images.size(3) % f != 0)
        throw Error(kSubject, "image size " + std::to_string(images.size(2)) + "x" + std::to_string(images.size(3)) +
                                  " is not a multiple of " + std::to_string(f));
    const auto& w = encoder->conv_in->weight;
    torch::Tensor h = encoder(images.to(w.device(), w.scalar_type()));
    if (debug) (*debug)["encoder"] = h.detach();
    if (quant_conv) h = quant_conv(h);
    if (debug) (*debug)["quant_conv"] = h.detach();
    auto parts = h.chunk(2, 1);
    LatentDistribution d;
    d.mean = parts[0].to(images.scalar_type());
    d.logvar = torch::clamp(parts[1], -30.0, 20.0).to(images.scalar_type());
    return d;
}

torch::Tensor AutoencoderKL::decode(const torch::Tensor& latents, std::map<std::string, torch::Tensor>* debug) {
    if (!latents.defined() || latents.dim() != 4 || latents.size(1) != config_.latentChannels)
        throw Error(kSubject, "decode needs latents [B, " + std::to_string(config_.latentChannels) + ", h, w], got " +
                                  (latents.defined() ? c10::str(latents.sizes()) : std::string("nothing")));
    const auto& w = decoder->conv_in->weight;
    torch::Tensor z = latents.to(w.device(), w.scalar_type());
    if (post_quant_conv) z = post_quant_conv(z);
    if (debug) (*debug)["post_quant_conv"] = z.detach();
    return decoder(z, debug).to(latents.scalar_type());
}

void AutoencoderKL::load(TensorMap tensors, const std::string& source) {
    convertLegacyVaeKeys(tensors);
    loadStateDict(*this, tensors, source, true);
}

void AutoencoderKL::loadFile(const std::string& weightsPath) { load(mapSafetensors(weightsPath), weightsPath); }

std::shared_ptr<AutoencoderKL> AutoencoderKL::fromPretrained(const std::string& folder) {
    auto config = AutoencoderKLConfig::fromJsonFile((std::filesystem::path(folder) / "config.json").string());
    auto model = std::make_shared<AutoencoderKL>(config);
    model->loadFile(findWeightsFile(folder, {"diffusion_pytorch_model"}));
    model->eval();
    return model;
}

int64_t AutoencoderKL::parameterCount() const {
    int64_t total = 0;
    for (const auto& p : parameters()) total += p.numel();
    return total;
}

}  // namespace ld
