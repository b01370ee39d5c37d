#include "inference/models/transformers/sd3_transformer.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "inference/io/json_config.h"
#include "inference/io/pretrained_files.h"
#include "inference/io/state_dict.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>

namespace ld {

using namespace jsoncfg;

namespace {

const char* kSubject = "SD3Transformer2DModel";

constexpr double kNormEps = 1e-6;

}  // namespace

SD3TransformerConfig SD3TransformerConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    if (!j.is_object()) throw Error(subject, "the SD3 config is not a JSON object");
    const std::string cls = getString(j, "_class_name", "SD3Transformer2DModel", subject);
    if (cls != "SD3Transformer2DModel")
        throw Error(subject, "'_class_name' is '" + cls + "'; expected SD3Transformer2DModel");
    // SD3.5's additions change the computation; an empty list / false is the SD3 network.
    if (has(j, "qk_norm"))
        throw Error(subject, "config key 'qk_norm' is " + describe(j.at("qk_norm")) +
                                 ": query/key normalisation (SD3.5) is not supported by this SD3Transformer2DModel "
                                 "implementation");
    if (has(j, "dual_attention_layers") && !(j.at("dual_attention_layers").is_array() &&
                                             j.at("dual_attention_layers").empty()))
        throw Error(subject, "config key 'dual_attention_layers' is " + describe(j.at("dual_attention_layers")) +
                                 ": dual attention (SD3.5) is not supported by this SD3Transformer2DModel "
                                 "implementation");
    SD3TransformerConfig c;
    c.sampleSize = getInt(j, "sample_size", c.sampleSize, subject, kSampleLimit);
    c.patchSize = getInt(j, "patch_size", c.patchSize, subject, kSampleLimit);
    c.inChannels = getInt(j, "in_channels", c.inChannels, subject, kWidthLimit);
    c.numLayers = getInt(j, "num_layers", c.numLayers, subject, kDepthLimit);
    c.attentionHeadDim = getInt(j, "attention_head_dim", c.attentionHeadDim, subject, kWidthLimit);
    c.numAttentionHeads = getInt(j, "num_attention_heads", c.numAttentionHeads, subject, kWidthLimit);
    c.jointAttentionDim = getInt(j, "joint_attention_dim", c.jointAttentionDim, subject, kWidthLimit);
    c.captionProjectionDim = getInt(j, "caption_projection_dim", c.captionProjectionDim, subject, kWidthLimit);
    c.pooledProjectionDim = getInt(j, "pooled_projection_dim", c.pooledProjectionDim, subject, kWidthLimit);
    c.outChannels = j.contains("out_channels") && j.at("out_channels").is_null()
                        ? c.inChannels
                        : getInt(j, "out_channels", c.outChannels, subject, kWidthLimit);
    if (j.contains("pos_embed_max_size") && j.at("pos_embed_max_size").is_null())
        throw Error(subject, "config key 'pos_embed_max_size' is null: SD3 without a stored position table is not "
                             "supported");
    c.posEmbedMaxSize = getInt(j, "pos_embed_max_size", c.posEmbedMaxSize, subject, kSampleLimit);
    // Each within its limit, the product may not be: one width, and the stored position
    // table (pos_embed_max_size² tokens, each as wide) that the network holds.
    checkLimit(int64_t(c.numAttentionHeads) * c.attentionHeadDim, "num_attention_heads × attention_head_dim",
               kWidthLimit, subject);
    checkTable(int64_t(c.posEmbedMaxSize) * c.posEmbedMaxSize, c.innerDim(),
               "pos_embed_max_size² × num_attention_heads × attention_head_dim", subject);
    c.validate(subject);
    return c;
}

SD3TransformerConfig SD3TransformerConfig::fromJsonFile(const std::string& path) { return fromJson(jsoncfg::readFile(path), path); }

void SD3TransformerConfig::validate(const std::string& subject) const {
    auto fail = [&](const std::string& why) { throw Error(subject, why); };
    if (numAttentionHeads <= 0 || attentionHeadDim <= 0) fail("num_attention_heads and attention_head_dim must be positive");
    if (inChannels <= 0 || outChannels <= 0) fail("in_channels and out_channels must be positive");
    if (numLayers <= 0) fail("num_layers must be positive");
    if (jointAttentionDim <= 0 || pooledProjectionDim <= 0) fail("joint_attention_dim and pooled_projection_dim must be positive");
    if (patchSize <= 0 || sampleSize <= 0 || sampleSize % patchSize != 0)
        fail("sample_size must be a positive multiple of patch_size");
    if (posEmbedMaxSize <= 0) fail("pos_embed_max_size must be positive");
    if (posEmbedMaxSize < sampleSize / patchSize)
        fail("pos_embed_max_size (" + std::to_string(posEmbedMaxSize) + ") is smaller than the " +
             std::to_string(sampleSize / patchSize) + " patches of sample_size");
    if (innerDim() % 4 != 0)
        fail("num_attention_heads * attention_head_dim = " + std::to_string(innerDim()) +
             " must be divisible by 4 for the 2-D sin-cos position embedding");
    // The context tokens join the image tokens' attention, so they need the same width.
    if (captionProjectionDim != innerDim())
        fail("caption_projection_dim (" + std::to_string(captionProjectionDim) +
             ") must equal num_attention_heads * attention_head_dim (" + std::to_string(innerDim()) + ")");
}

nlohmann::json SD3TransformerConfig::toJson() const {
    nlohmann::json j;
    j["_class_name"] = "SD3Transformer2DModel";
    j["sample_size"] = sampleSize;
    j["patch_size"] = patchSize;
    j["in_channels"] = inChannels;
    j["num_layers"] = numLayers;
    j["attention_head_dim"] = attentionHeadDim;
    j["num_attention_heads"] = numAttentionHeads;
    j["joint_attention_dim"] = jointAttentionDim;
    j["caption_projection_dim"] = captionProjectionDim;
    j["pooled_projection_dim"] = pooledProjectionDim;
    j["out_channels"] = outChannels;
    j["pos_embed_max_size"] = posEmbedMaxSize;
    return j;
}

AdaLayerNormLinearImpl::AdaLayerNormLinearImpl(int64_t dim, int64_t chunks) : chunks_(chunks) {
    linear = register_module("linear", torch::nn::Linear(dim, chunks * dim));
}

std::vector<torch::Tensor> AdaLayerNormLinearImpl::chunks(const torch::Tensor& temb) {
    return linear(torch::silu(temb)).chunk(chunks_, 1);
}

JointAttentionImpl::JointAttentionImpl(int64_t dim, int64_t heads, int64_t headDim, bool contextPreOnly)
    : heads_(heads), headDim_(headDim), contextPreOnly_(contextPreOnly) {
    const int64_t inner = heads * headDim;
    to_q = register_module("to_q", torch::nn::Linear(dim, inner));
    to_k = register_module("to_k", torch::nn::Linear(dim, inner));
    to_v = register_module("to_v", torch::nn::Linear(dim, inner));
    add_q_proj = register_module("add_q_proj", torch::nn::Linear(dim, inner));
    add_k_proj = register_module("add_k_proj", torch::nn::Linear(dim, inner));
    add_v_proj = register_module("add_v_proj", torch::nn::Linear(dim, inner));
    out_proj = torch::nn::Linear(inner, dim);
    to_out = register_module("to_out", torch::nn::ModuleList(out_proj));
    if (!contextPreOnly) to_add_out = register_module("to_add_out", torch::nn::Linear(inner, dim));
}

std::pair<torch::Tensor, torch::Tensor> JointAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& c) {
    const int64_t n = x.size(1);
    const torch::Tensor k = torch::cat({to_k(x), add_k_proj(c)}, 1);
    const torch::Tensor v = torch::cat({to_v(x), add_v_proj(c)}, 1);
    // A pre-only block never reads the context's own outputs; its queries are skipped
    // (each query's softmax row is independent of the others).
    const torch::Tensor q = contextPreOnly_ ? to_q(x) : torch::cat({to_q(x), add_q_proj(c)}, 1);
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim_));
    torch::Tensor h = multiHeadAttention(q, k, v, heads_, scale, /*upcast=*/false).to(q.scalar_type());
    torch::Tensor image = out_proj(h.slice(1, 0, n));
    if (contextPreOnly_) return {image, torch::Tensor()};
    return {image, to_add_out(h.slice(1, n))};
}

JointTransformerBlockImpl::JointTransformerBlockImpl(int64_t dim, int64_t heads, int64_t headDim, bool contextPreOnly)
    : contextPreOnly_(contextPreOnly) {
    norm1 = register_module("norm1", AdaLayerNormLinear(dim, 6));
    norm1_context = register_module("norm1_context", AdaLayerNormLinear(dim, contextPreOnly ? 2 : 6));
    attn = register_module("attn", JointAttention(dim, heads, headDim, contextPreOnly));
    ff = register_module("ff", GeluFeedForward(dim, 4 * dim, /*tanhApproximation=*/true));
    if (!contextPreOnly) ff_context = register_module("ff_context", GeluFeedForward(dim, 4 * dim, true));
}

std::pair<torch::Tensor, torch::Tensor> JointTransformerBlockImpl::forward(const torch::Tensor& x,
                                                                           const torch::Tensor& c,
                                                                           const torch::Tensor& temb) {
    // AdaLayerNormZero order: shift, scale, gate (attention), then shift, scale, gate (MLP).
    const auto m = norm1->chunks(temb);
    const auto mc = norm1_context->chunks(temb);
    const torch::Tensor xn = modulate(layerNormNoAffine(x, kNormEps), m[0], m[1]);
    // AdaLayerNormContinuous (pre-only block) reads its two chunks as scale, then shift.
    const torch::Tensor cn = contextPreOnly_ ? modulate(layerNormNoAffine(c, kNormEps), mc[1], mc[0])
                                             : modulate(layerNormNoAffine(c, kNormEps), mc[0], mc[1]);
    auto [attnX, attnC] = attn(xn, cn);
    torch::Tensor h = x + m[2].unsqueeze(1) * attnX;
    h = h + m[5].unsqueeze(1) * ff(modulate(layerNormNoAffine(h, kNormEps), m[3], m[4]));
    if (contextPreOnly_) return {h, torch::Tensor()};
    torch::Tensor hc = c + mc[2].unsqueeze(1) * attnC;
    hc = hc + mc[5].unsqueeze(1) * ff_context(modulate(layerNormNoAffine(hc, kNormEps), mc[3], mc[4]));
    return {h, hc};
}

SD3Transformer2DModel::SD3Transformer2DModel(const SD3TransformerConfig& config) : config_(config) {
    const auto& c = config_;
    c.validate(kSubject);
    const int64_t dim = c.innerDim();
    PatchEmbedOptions pe;
    pe.height = pe.width = c.sampleSize;
    pe.patchSize = c.patchSize;
    pe.inChannels = c.inChannels;
    pe.embedDim = dim;
    pe.posEmbedMaxSize = c.posEmbedMaxSize;
    pos_embed = register_module("pos_embed", PatchEmbed(pe));
    time_text_embed = register_module("time_text_embed", std::make_shared<torch::nn::Module>());
    timestep_embedder = time_text_embed->register_module("timestep_embedder", TimestepEmbedding(256, dim, Activation::SiLU));
    text_embedder =
        time_text_embed->register_module("text_embedder", TimestepEmbedding(c.pooledProjectionDim, dim, Activation::SiLU));
    context_embedder = register_module("context_embedder", torch::nn::Linear(c.jointAttentionDim, c.captionProjectionDim));
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (int i = 0; i < c.numLayers; ++i) {
        blocks_.push_back(JointTransformerBlock(dim, c.numAttentionHeads, c.attentionHeadDim, i == c.numLayers - 1));
        transformer_blocks->push_back(blocks_.back());
    }
    norm_out = register_module("norm_out", AdaLayerNormLinear(dim, 2));
    proj_out = register_module("proj_out", torch::nn::Linear(dim, int64_t(c.patchSize) * c.patchSize * c.outChannels));
}

torch::Tensor SD3Transformer2DModel::forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                             const torch::Tensor& encoderHiddenStates,
                                             const torch::Tensor& pooledProjections,
                                             std::map<std::string, torch::Tensor>* debug) {
    const auto& c = config_;
    const torch::Tensor& ref = proj_out->weight;
    const auto opts = torch::TensorOptions().device(ref.device()).dtype(ref.scalar_type());
    if (sample.dim() != 4 || sample.size(1) != c.inChannels)
        throw Error(kSubject, "expected a [B, " + std::to_string(c.inChannels) + ", H, W] sample, got " +
                                  c10::str(sample.sizes()));
    const int64_t b = sample.size(0);
    if (encoderHiddenStates.dim() != 3 || encoderHiddenStates.size(0) != b ||
        encoderHiddenStates.size(2) != c.jointAttentionDim)
        throw Error(kSubject, "expected encoder hidden states [" + std::to_string(b) + ", L, " +
                                  std::to_string(c.jointAttentionDim) + "], got " + c10::str(encoderHiddenStates.sizes()));
    if (pooledProjections.dim() != 2 || pooledProjections.size(0) != b ||
        pooledProjections.size(1) != c.pooledProjectionDim)
        throw Error(kSubject, "expected pooled projections [" + std::to_string(b) + ", " +
                                  std::to_string(c.pooledProjectionDim) + "], got " + c10::str(pooledProjections.sizes()));
    torch::Tensor t = timesteps.to(ref.device());
    if (t.dim() == 0 || (t.dim() == 1 && t.size(0) == 1 && b != 1)) t = t.reshape({1}).expand({b});
    if (t.dim() != 1 || t.size(0) != b)
        throw Error(kSubject, "expected " + std::to_string(b) + " timesteps, got " + c10::str(timesteps.sizes()));
    auto keep = [&](const std::string& name, const torch::Tensor& v) {
        if (debug) (*debug)[name] = v;
    };

    const int64_t gh = sample.size(2) / c.patchSize, gw = sample.size(3) / c.patchSize;
    torch::Tensor x = pos_embed(sample.to(opts));
    keep("pos_embed", x);

    const torch::Tensor timeProj = timestepEmbedding(t, 256, /*flipSinToCos=*/true, /*freqShift=*/0);
    keep("time_text_embed.time_proj", timeProj);
    const torch::Tensor timeEmb = timestep_embedder(timeProj.to(opts));
    keep("time_text_embed.timestep_embedder", timeEmb);
    const torch::Tensor textEmb = text_embedder(pooledProjections.to(opts));
    keep("time_text_embed.text_embedder", textEmb);
    const torch::Tensor temb = timeEmb + textEmb;
    keep("time_text_embed", temb);

    torch::Tensor context = context_embedder(encoderHiddenStates.to(opts));
    keep("context_embedder", context);

    for (size_t i = 0; i < blocks_.size(); ++i) {
        auto [h, hc] = blocks_[i]->forward(x, context, temb);
        x = h;
        context = hc;
        keep("transformer_blocks." + std::to_string(i) + ".hidden", x);
        if (context.defined()) keep("transformer_blocks." + std::to_string(i) + ".context", context);
    }

    const auto so = norm_out->chunks(temb);  // scale, shift
    x = modulate(layerNormNoAffine(x, kNormEps), so[1], so[0]);
    keep("norm_out", x);
    x = proj_out(x);
    keep("proj_out", x);
    return unpatchify(x, gh, gw, c.patchSize, c.outChannels).to(sample.scalar_type());
}

void SD3Transformer2DModel::load(const TensorMap& tensors, const std::string& source) {
    loadStateDict(*this, tensors, source, true);
}

void SD3Transformer2DModel::loadFile(const std::string& weightsPath) { load(mapSafetensors(weightsPath), weightsPath); }

std::shared_ptr<SD3Transformer2DModel> SD3Transformer2DModel::fromPretrained(const std::string& folder) {
    const std::string configPath = (std::filesystem::path(folder) / "config.json").string();
    auto model = std::make_shared<SD3Transformer2DModel>(SD3TransformerConfig::fromJsonFile(configPath));
    model->loadFile(findWeightsFile(folder, {"diffusion_pytorch_model"}));
    model->eval();
    return model;
}

void SD3Transformer2DModel::save(const std::string& folder) const {
    saveTransformerFolder(*this, config_.toJson().dump(2) + "\n", folder);
}

int64_t SD3Transformer2DModel::parameterCount() const { return ld::parameterCount(*this); }

}  // namespace ld
