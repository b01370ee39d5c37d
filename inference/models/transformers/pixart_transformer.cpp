#include "inference/models/transformers/pixart_transformer.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "inference/io/json_config.h"
#include "inference/io/pretrained_files.h"
#include "inference/io/state_dict.h"

#include <torch/torch.h>

#include <filesystem>

namespace ld {

using namespace jsoncfg;

namespace {

const char* kSubject = "PixArtTransformer2DModel";

// Unsupported options change the computation: refusing beats a network that silently
// ignores part of its conditioning.
void refuseUnless(const nlohmann::json& j, const std::string& key, const nlohmann::json& allowed,
                  const std::string& subject, const std::string& why) {
    if (has(j, key) && j.at(key) != allowed)
        throw Error(subject, "config key '" + key + "' is " + describe(j.at(key)) + ": " + why +
                                 " is not supported by this PixArtTransformer2DModel implementation");
}

}  // namespace

PixArtTransformerConfig PixArtTransformerConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    if (!j.is_object()) throw Error(subject, "the PixArt config is not a JSON object");
    const std::string cls = getString(j, "_class_name", "PixArtTransformer2DModel", subject);
    if (cls != "PixArtTransformer2DModel")
        throw Error(subject, "'_class_name' is '" + cls + "'; expected PixArtTransformer2DModel");
    refuseUnless(j, "norm_type", "ada_norm_single", subject, "a norm other than ada_norm_single");
    refuseUnless(j, "attention_type", "default", subject, "gated/other attention");
    PixArtTransformerConfig c;
    c.numAttentionHeads = getInt(j, "num_attention_heads", c.numAttentionHeads, subject, kWidthLimit);
    c.attentionHeadDim = getInt(j, "attention_head_dim", c.attentionHeadDim, subject, kWidthLimit);
    c.inChannels = getInt(j, "in_channels", c.inChannels, subject, kWidthLimit);
    // diffusers: a null out_channels means "as many as come in".
    c.outChannels = j.contains("out_channels") && j.at("out_channels").is_null()
                        ? c.inChannels
                        : getInt(j, "out_channels", c.outChannels, subject, kWidthLimit);
    c.numLayers = getInt(j, "num_layers", c.numLayers, subject, kDepthLimit);
    c.crossAttentionDim = getInt(j, "cross_attention_dim", c.crossAttentionDim, subject, kWidthLimit);
    c.attentionBias = getBool(j, "attention_bias", c.attentionBias, subject);
    c.sampleSize = getInt(j, "sample_size", c.sampleSize, subject, kSampleLimit);
    c.patchSize = getInt(j, "patch_size", c.patchSize, subject, kSampleLimit);
    c.activationFn = getString(j, "activation_fn", c.activationFn, subject);
    c.upcastAttention = getBool(j, "upcast_attention", c.upcastAttention, subject);
    c.normElementwiseAffine = getBool(j, "norm_elementwise_affine", c.normElementwiseAffine, subject);
    c.normEps = getDouble(j, "norm_eps", c.normEps, subject);
    c.interpolationScale = getDouble(j, "interpolation_scale", 0.0, subject);
    c.captionChannels = getInt(j, "caption_channels", 0, subject, kWidthLimit);
    c.numEmbedsAdaNorm = getInt(j, "num_embeds_ada_norm", c.numEmbedsAdaNorm, subject);
    // diffusers resolves a null use_additional_conditions to "sample_size is 128" (the
    // 1024-px PixArt-α checkpoints, which embed resolution and aspect ratio too).
    c.imageShortcut = getString(j, "image_shortcut", c.imageShortcut, subject);
    c.imageChannels = getInt(j, "image_channels", c.imageChannels, subject, kWidthLimit);
    const bool additional = has(j, "use_additional_conditions") ? getBool(j, "use_additional_conditions", false, subject)
                                                                : c.sampleSize == 128;
    if (additional)
        throw Error(subject, std::string("config key 'use_additional_conditions' is ") +
                                 (has(j, "use_additional_conditions") ? "true" : "null with sample_size 128 (so true)") +
                                 ": the resolution and aspect-ratio embeddings are not supported by this "
                                 "PixArtTransformer2DModel implementation");
    // Each within its limit, the product may not be: one width, and the 2-D position table
    // (a token per patch of sample_size², each as wide) that the network computes when built.
    checkLimit(int64_t(c.numAttentionHeads) * c.attentionHeadDim, "num_attention_heads × attention_head_dim",
               kWidthLimit, subject);
    if (c.patchSize > 0)
        checkTable(int64_t(c.sampleSize / c.patchSize) * (c.sampleSize / c.patchSize), c.innerDim(),
                   "(sample_size / patch_size)² × num_attention_heads × attention_head_dim", subject);
    c.validate(subject);
    return c;
}

PixArtTransformerConfig PixArtTransformerConfig::fromJsonFile(const std::string& path) {
    return fromJson(jsoncfg::readFile(path), path);
}

void PixArtTransformerConfig::validate(const std::string& subject) const {
    auto fail = [&](const std::string& why) { throw Error(subject, why); };
    if (numAttentionHeads <= 0 || attentionHeadDim <= 0) fail("num_attention_heads and attention_head_dim must be positive");
    if (inChannels <= 0 || outChannels <= 0) fail("in_channels and out_channels must be positive");
    if (numLayers <= 0) fail("num_layers must be positive");
    if (crossAttentionDim <= 0) fail("cross_attention_dim must be positive");
    if (patchSize <= 0 || sampleSize <= 0 || sampleSize % patchSize != 0)
        fail("sample_size must be a positive multiple of patch_size");
    if (innerDim() % 4 != 0)
        fail("num_attention_heads * attention_head_dim = " + std::to_string(innerDim()) +
             " must be divisible by 4 for the 2-D sin-cos position embedding");
    if (activationFn != "gelu-approximate" && activationFn != "gelu")
        fail("config key 'activation_fn' is '" + activationFn + "': only gelu-approximate and gelu are supported");
    if (!(normEps > 0)) fail("norm_eps must be positive");
    if (interpolationScale < 0) fail("interpolation_scale must be positive");
    if (captionChannels < 0) fail("caption_channels must be positive");
    if (captionChannels == 0 && crossAttentionDim != innerDim())
        fail("without caption_channels the caption goes straight to cross-attention, so cross_attention_dim (" +
             std::to_string(crossAttentionDim) + ") must equal num_attention_heads * attention_head_dim (" +
             std::to_string(innerDim()) + ")");
    if (captionChannels > 0 && crossAttentionDim != innerDim())
        fail("the caption projection outputs num_attention_heads * attention_head_dim = " + std::to_string(innerDim()) +
             " channels, so cross_attention_dim (" + std::to_string(crossAttentionDim) + ") must equal it");
    if (numEmbedsAdaNorm <= 0) fail("num_embeds_ada_norm must be positive");
    if (imageShortcut != "channels" && imageShortcut != "sequence")
        fail("config key 'image_shortcut' is '" + imageShortcut + "': expected 'channels' or 'sequence'");
    if (sequenceShortcut() && imageChannels <= 0)
        fail("image_shortcut 'sequence' needs image_channels (the image latent's channels) > 0");
    if (!sequenceShortcut() && imageChannels != 0)
        fail("image_channels is only read with image_shortcut 'sequence' (with 'channels' the image latent is part "
             "of in_channels)");
}

nlohmann::json PixArtTransformerConfig::toJson() const {
    nlohmann::json j;
    j["_class_name"] = "PixArtTransformer2DModel";
    j["num_attention_heads"] = numAttentionHeads;
    j["attention_head_dim"] = attentionHeadDim;
    j["in_channels"] = inChannels;
    j["out_channels"] = outChannels;
    j["num_layers"] = numLayers;
    j["dropout"] = 0.0;
    j["norm_num_groups"] = 32;
    j["cross_attention_dim"] = crossAttentionDim;
    j["attention_bias"] = attentionBias;
    j["sample_size"] = sampleSize;
    j["patch_size"] = patchSize;
    j["activation_fn"] = activationFn;
    j["num_embeds_ada_norm"] = numEmbedsAdaNorm;
    j["upcast_attention"] = upcastAttention;
    j["norm_type"] = "ada_norm_single";
    j["norm_elementwise_affine"] = normElementwiseAffine;
    j["norm_eps"] = normEps;
    j["interpolation_scale"] = interpolationScale > 0 ? nlohmann::json(interpolationScale) : nlohmann::json(nullptr);
    j["use_additional_conditions"] = false;
    j["caption_channels"] = captionChannels > 0 ? nlohmann::json(captionChannels) : nlohmann::json(nullptr);
    j["attention_type"] = "default";
    if (sequenceShortcut()) {
        j["image_shortcut"] = imageShortcut;
        j["image_channels"] = imageChannels;
    }
    return j;
}

AdaLayerNormSingleImpl::AdaLayerNormSingleImpl(int64_t dim) {
    emb = register_module("emb", std::make_shared<torch::nn::Module>());
    timestep_embedder = emb->register_module("timestep_embedder", TimestepEmbedding(256, dim, Activation::SiLU));
    linear = register_module("linear", torch::nn::Linear(dim, 6 * dim));
}

PixArtBlockImpl::PixArtBlockImpl(const PixArtTransformerConfig& c) : eps_(c.normEps) {
    const int64_t dim = c.innerDim();
    // diffusers initialises the table as randn / sqrt(dim).
    scale_shift_table = register_parameter("scale_shift_table", torch::randn({6, dim}) / std::sqrt(double(dim)));
    if (c.normElementwiseAffine) {
        norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(c.normEps)));
        norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(c.normEps)));
    }
    AttentionOptions a;
    a.queryDim = dim;
    a.heads = c.numAttentionHeads;
    a.dimHead = c.attentionHeadDim;
    a.bias = c.attentionBias;
    a.upcastAttention = c.upcastAttention;
    attn1 = register_module("attn1", Attention(a));
    a.crossAttentionDim = c.crossAttentionDim;
    attn2 = register_module("attn2", Attention(a));
    ff = register_module("ff", GeluFeedForward(dim, 4 * dim, c.activationFn == "gelu-approximate"));
}

torch::Tensor PixArtBlockImpl::norm(torch::nn::LayerNorm& layer, const torch::Tensor& x) const {
    return layer ? layer(x) : layerNormNoAffine(x, eps_);
}

torch::Tensor PixArtBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& modulation,
                                       const torch::Tensor& caption, const torch::Tensor& captionBias) {
    const int64_t b = x.size(0), dim = x.size(2);
    // adaLN-single: the shared projection of t plus this block's learned offsets.
    const bool perToken = modulation.dim() == 3;
    const auto m = perToken ? (scale_shift_table.view({1, 1, 6, dim}) +
                               modulation.reshape({b, modulation.size(1), 6, dim}))
                                  .unbind(2)
                            : (scale_shift_table.unsqueeze(0) + modulation.reshape({b, 6, dim})).unbind(1);
    const auto &shiftMsa = m[0], &scaleMsa = m[1], &gateMsa = m[2], &shiftMlp = m[3], &scaleMlp = m[4],
               &gateMlp = m[5];
    torch::Tensor h = x + overTokens(gateMsa) * attn1(modulate(norm(norm1, x), shiftMsa, scaleMsa));
    // PixArt's cross-attention reads the residual stream directly: no norm, no gate.
    h = h + attendWithKeyBias(*attn2, h, caption, captionBias);
    return h + overTokens(gateMlp) * ff(modulate(norm(norm2, h), shiftMlp, scaleMlp));
}

PixArtTransformer2DModel::PixArtTransformer2DModel(const PixArtTransformerConfig& config) : config_(config) {
    const auto& c = config_;
    c.validate(kSubject);
    const int64_t dim = c.innerDim();
    PatchEmbedOptions pe;
    pe.height = pe.width = c.sampleSize;
    pe.patchSize = c.patchSize;
    pe.inChannels = c.inChannels;
    pe.embedDim = dim;
    pe.interpolationScale = c.effectiveInterpolationScale();
    pos_embed = register_module("pos_embed", PatchEmbed(pe));
    if (c.sequenceShortcut()) {
        // Same grid and position table as the mask tokens: an image token and the mask
        // token of the same patch share their position.
        pe.inChannels = c.imageChannels;
        image_embed = register_module("image_embed", PatchEmbed(pe));
    }
    adaln_single = register_module("adaln_single", AdaLayerNormSingle(dim));
    if (c.captionChannels > 0)
        caption_projection =
            register_module("caption_projection", TimestepEmbedding(c.captionChannels, dim, Activation::GELUTanh));
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (int i = 0; i < c.numLayers; ++i) {
        blocks_.push_back(PixArtBlock(c));
        transformer_blocks->push_back(blocks_.back());
    }
    scale_shift_table = register_parameter("scale_shift_table", torch::randn({2, dim}) / std::sqrt(double(dim)));
    proj_out = register_module("proj_out", torch::nn::Linear(dim, int64_t(c.patchSize) * c.patchSize * c.outChannels));
}

torch::Tensor PixArtTransformer2DModel::forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                                const torch::Tensor& encoderHiddenStates,
                                                const torch::Tensor& encoderAttentionMask,
                                                std::map<std::string, torch::Tensor>* debug) {
    const auto& c = config_;
    const torch::Tensor& ref = proj_out->weight;
    const auto opts = torch::TensorOptions().device(ref.device()).dtype(ref.scalar_type());
    if (sample.dim() != 4 || sample.size(1) != c.inputChannels())
        throw Error(kSubject, "expected a [B, " + std::to_string(c.inputChannels()) + ", H, W] sample, got " +
                                  c10::str(sample.sizes()));
    const int64_t b = sample.size(0);
    const int64_t captionWidth = c.captionChannels > 0 ? c.captionChannels : c.crossAttentionDim;
    if (encoderHiddenStates.dim() != 3 || encoderHiddenStates.size(0) != b || encoderHiddenStates.size(2) != captionWidth)
        throw Error(kSubject, "expected encoder hidden states [" + std::to_string(b) + ", L, " +
                                  std::to_string(captionWidth) + "], got " + c10::str(encoderHiddenStates.sizes()));
    const int64_t captionLength = encoderHiddenStates.size(1);
    if (encoderAttentionMask.defined() &&
        (encoderAttentionMask.dim() != 2 || encoderAttentionMask.size(0) != b ||
         encoderAttentionMask.size(1) != captionLength))
        throw Error(kSubject, "expected an encoder attention mask [" + std::to_string(b) + ", " +
                                  std::to_string(captionLength) + "], got " + c10::str(encoderAttentionMask.sizes()));
    torch::Tensor t = timesteps.to(ref.device());
    if (t.dim() == 0 || (t.dim() == 1 && t.size(0) == 1 && b != 1)) t = t.reshape({1}).expand({b});
    if (t.dim() != 1 || t.size(0) != b)
        throw Error(kSubject, "expected " + std::to_string(b) + " timesteps, got " + c10::str(timesteps.sizes()));
    auto keep = [&](const char* name, const torch::Tensor& v) {
        if (debug) (*debug)[name] = v;
    };

    const int64_t gh = sample.size(2) / c.patchSize, gw = sample.size(3) / c.patchSize;
    const torch::Tensor in = sample.to(opts);
    torch::Tensor x = pos_embed(in.slice(1, 0, c.inChannels));
    keep("pos_embed", x);
    if (debug) keep("pos_embed.pos_embed", pos_embed->positionTable(gh, gw));
    const int64_t maskTokens = x.size(1);

    // In sequence mode the clean image tokens are embedded at t = 0 in the same batch.
    const torch::Tensor tAll = c.sequenceShortcut() ? torch::cat({t.to(torch::kFloat), torch::zeros({b}, t.options().dtype(torch::kFloat))})
                                                    : t;
    const torch::Tensor timeProjAll = timestepEmbedding(tAll, 256, /*flipSinToCos=*/true, /*freqShift=*/0);
    const torch::Tensor embeddedAll = adaln_single->timestep_embedder(timeProjAll.to(opts));
    const torch::Tensor modulationAll = adaln_single->linear(torch::silu(embeddedAll));
    const torch::Tensor timeProj = timeProjAll.slice(0, 0, b);
    const torch::Tensor embeddedTimestep = embeddedAll.slice(0, 0, b);
    torch::Tensor modulation = modulationAll.slice(0, 0, b);
    keep("adaln_single.emb.time_proj", timeProj);
    keep("adaln_single.emb", embeddedTimestep);
    keep("adaln_single", modulation);
    if (c.sequenceShortcut()) {
        const torch::Tensor clean = modulationAll.slice(0, b);
        keep("adaln_single.clean", clean);
        const torch::Tensor image = image_embed(in.slice(1, c.inChannels));
        keep("image_embed", image);
        x = torch::cat({x, image}, 1);
        modulation = torch::cat({modulation.unsqueeze(1).expand({b, maskTokens, modulation.size(1)}),
                                 clean.unsqueeze(1).expand({b, image.size(1), clean.size(1)})},
                                1);
    }

    torch::Tensor caption = encoderHiddenStates.to(opts);
    if (caption_projection) caption = caption_projection(caption);
    keep("caption_projection", caption);
    const torch::Tensor captionBias =
        encoderAttentionMask.defined() ? keepMaskToBias(encoderAttentionMask.to(ref.device()), ref.scalar_type())
                                       : torch::Tensor();

    for (size_t i = 0; i < blocks_.size(); ++i) {
        x = blocks_[i]->forward(x, modulation, caption, captionBias);
        if (debug) (*debug)["transformer_blocks." + std::to_string(i)] = x;
    }

    x = x.slice(1, 0, maskTokens);  // the image tokens are context, not output
    // The output modulation is read from the timestep embedding itself (no SiLU, no
    // projection), shift first.
    const auto ss = (scale_shift_table.unsqueeze(0) + embeddedTimestep.unsqueeze(1)).unbind(1);
    x = modulate(layerNormNoAffine(x, 1e-6), ss[0], ss[1]);
    x = proj_out(x);
    keep("proj_out", x);
    return unpatchify(x, gh, gw, c.patchSize, c.outChannels).to(sample.scalar_type());
}

void PixArtTransformer2DModel::load(const TensorMap& tensors, const std::string& source) {
    loadStateDict(*this, tensors, source, true);
}

void PixArtTransformer2DModel::loadFile(const std::string& weightsPath) {
    load(mapSafetensors(weightsPath), weightsPath);
}

std::shared_ptr<PixArtTransformer2DModel> PixArtTransformer2DModel::fromPretrained(const std::string& folder) {
    const std::string configPath = (std::filesystem::path(folder) / "config.json").string();
    auto model = std::make_shared<PixArtTransformer2DModel>(PixArtTransformerConfig::fromJsonFile(configPath));
    model->loadFile(findWeightsFile(folder, {"diffusion_pytorch_model"}));
    model->eval();
    return model;
}

void PixArtTransformer2DModel::save(const std::string& folder) const {
    saveTransformerFolder(*this, config_.toJson().dump(2) + "\n", folder);
}

int64_t PixArtTransformer2DModel::parameterCount() const { return ld::parameterCount(*this); }

}  // namespace ld
