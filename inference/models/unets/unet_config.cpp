#include "inference/models/unets/unet_config.h"

#include "core/enum_names.h"
#include "core/error.h"
#include "inference/models/activations.h"
#include "inference/io/json_config.h"

#include <algorithm>

namespace ld {

namespace {

using namespace jsoncfg;

// An int broadcast to n entries, or a list of exactly n.
std::vector<int> perBlock(const nlohmann::json& j, const std::string& key, const std::vector<int>& def, int n,
                          const std::string& subject, const SizeLimit& limit) {
    if (has(j, key) && j.at(key).is_array()) {
        for (const auto& e : j.at(key))
            if (e.is_array())
                throw Error(subject, "config key '" + key +
                                         "' holds nested per-layer lists, which this implementation does not support");
    }
    std::vector<int> v = getIntOrList(j, key, subject, limit);
    if (v.empty()) v = def;
    const bool wasList = has(j, key) && j.at(key).is_array();
    if (v.size() == 1 && !wasList) v.assign(static_cast<size_t>(n), v[0]);
    if (static_cast<int>(v.size()) != n)
        throw Error(subject, "config key '" + key + "' has " + std::to_string(v.size()) + " entries, but there are " +
                                 std::to_string(n) + " blocks");
    return v;
}

void refuseIfSet(const nlohmann::json& j, const std::string& key, const std::string& subject, const std::string& what) {
    if (has(j, key))
        throw Error(subject, "config key '" + key + "' is " + describe(j.at(key)) + ": " + what +
                                 " is not supported by this UNet2DConditionModel implementation");
}

void refuseUnless(const nlohmann::json& j, const std::string& key, const nlohmann::json& allowed,
                  const std::string& subject, const std::string& what) {
    if (has(j, key) && j.at(key) != allowed)
        throw Error(subject, "config key '" + key + "' is " + describe(j.at(key)) + ": " + what +
                                 " is not supported by this UNet2DConditionModel implementation (only " +
                                 allowed.dump() + ")");
}

bool anyTrue(const nlohmann::json& v) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_array())
        for (const auto& e : v)
            if (e.is_boolean() && e.get<bool>()) return true;
    return false;
}

}  // namespace

const EnumName<ConvInWidening> kWidenings[] = {{ConvInWidening::None, "none"},
                                               {ConvInWidening::DuplicateAndHalve, "duplicate_and_halve"},
                                               {ConvInWidening::ZeroInit, "zero_init"},
                                               {ConvInWidening::None, ""},
                                               {ConvInWidening::DuplicateAndHalve, "duplicate"},
                                               {ConvInWidening::ZeroInit, "zero"}};

std::string convInWideningName(ConvInWidening mode) { return enumName(kWidenings, mode); }
ConvInWidening parseConvInWidening(const std::string& name, const std::string& subject) {
    return parseEnum(kWidenings, name, subject, "conv_in widening");
}

UNet2DConditionConfig UNet2DConditionConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    if (!j.is_object()) throw Error(subject, "the UNet config is not a JSON object");
    const std::string cls = getString(j, "_class_name", "UNet2DConditionModel", subject);
    if (cls != "UNet2DConditionModel")
        throw Error(subject, "'_class_name' is '" + cls + "'; only UNet2DConditionModel is supported");

    // Features that change the computation and that this implementation lacks: refusing
    // beats loading a network that silently ignores part of its conditioning.
    refuseIfSet(j, "class_embed_type", subject, "a class embedding");
    refuseIfSet(j, "num_class_embeds", subject, "a class embedding");
    refuseIfSet(j, "encoder_hid_dim", subject, "an encoder_hid_proj text projection");
    refuseIfSet(j, "encoder_hid_dim_type", subject, "an encoder_hid_proj text projection");
    refuseIfSet(j, "time_cond_proj_dim", subject, "a timestep condition projection (LCM)");
    refuseIfSet(j, "timestep_post_act", subject, "a post-activation of the time embedding");
    refuseIfSet(j, "time_embedding_act_fn", subject, "an activation on the time embedding");
    refuseIfSet(j, "cross_attention_norm", subject, "a cross-attention norm");
    refuseUnless(j, "attention_type", "default", subject, "gated/other attention");
    refuseUnless(j, "time_embedding_type", "positional", subject, "a non-sinusoidal time embedding");
    refuseUnless(j, "resnet_skip_time_act", false, subject, "skipping the time activation");
    refuseUnless(j, "dual_cross_attention", false, subject, "dual cross-attention");
    refuseUnless(j, "class_embeddings_concat", false, subject, "class embedding concatenation");
    if (has(j, "only_cross_attention") && anyTrue(j.at("only_cross_attention")))
        throw Error(subject, "config key 'only_cross_attention' is true: cross-attention-only transformer blocks are "
                             "not supported by this UNet2DConditionModel implementation");
    if (has(j, "mid_block_only_cross_attention") && anyTrue(j.at("mid_block_only_cross_attention")))
        throw Error(subject, "config key 'mid_block_only_cross_attention' is true: not supported");

    UNet2DConditionConfig c;
    const std::vector<int> sampleSize = getIntOrList(j, "sample_size", subject, kSampleLimit);
    if (!sampleSize.empty()) c.sampleSize = sampleSize.front();
    c.inChannels = getInt(j, "in_channels", c.inChannels, subject, kWidthLimit);
    c.outChannels = getInt(j, "out_channels", c.outChannels, subject, kWidthLimit);
    c.centerInputSample = getBool(j, "center_input_sample", c.centerInputSample, subject);
    c.flipSinToCos = getBool(j, "flip_sin_to_cos", c.flipSinToCos, subject);
    c.freqShift = getInt(j, "freq_shift", c.freqShift, subject, kWidthLimit);
    c.downBlockTypes = getStringList(j, "down_block_types", c.downBlockTypes, subject);
    c.upBlockTypes = getStringList(j, "up_block_types", c.upBlockTypes, subject);
    if (j.contains("mid_block_type") && j.at("mid_block_type").is_null())
        c.midBlockType.clear();
    else
        c.midBlockType = getString(j, "mid_block_type", c.midBlockType, subject);
    c.blockOutChannels = getIntList(j, "block_out_channels", c.blockOutChannels, subject, kWidthLimit);
    const int n = static_cast<int>(c.blockOutChannels.size());
    if (n == 0) throw Error(subject, "config key 'block_out_channels' is empty");
    if (n > kMaxLevels)
        throw Error(subject, "config key 'block_out_channels' has " + std::to_string(n) + " entries, past the limit of " +
                                 std::to_string(kMaxLevels) + " resolution levels");
    c.layersPerBlock = perBlock(j, "layers_per_block", {2}, n, subject, kDepthLimit);
    c.downsamplePadding = getInt(j, "downsample_padding", c.downsamplePadding, subject, kKernelLimit);
    c.midBlockScaleFactor = getDouble(j, "mid_block_scale_factor", c.midBlockScaleFactor, subject);
    c.actFn = getString(j, "act_fn", c.actFn, subject);
    c.normNumGroups = getInt(j, "norm_num_groups", c.normNumGroups, subject, kWidthLimit);
    if (j.contains("norm_num_groups") && j.at("norm_num_groups").is_null())
        throw Error(subject, "config key 'norm_num_groups' is null: a U-Net without output GroupNorm is not supported");
    c.normEps = getDouble(j, "norm_eps", c.normEps, subject);
    c.crossAttentionDim = perBlock(j, "cross_attention_dim", {1280}, n, subject, kWidthLimit);
    c.transformerLayersPerBlock = perBlock(j, "transformer_layers_per_block", {1}, n, subject, kDepthLimit);
    if (has(j, "reverse_transformer_layers_per_block"))
        c.reverseTransformerLayersPerBlock = perBlock(j, "reverse_transformer_layers_per_block", {}, n, subject, kDepthLimit);
    // The quirk: attention_head_dim is the head COUNT; num_attention_heads overrides it.
    if (has(j, "num_attention_heads"))
        c.attentionHeads = perBlock(j, "num_attention_heads", {8}, n, subject, kWidthLimit);
    else
        c.attentionHeads = perBlock(j, "attention_head_dim", {8}, n, subject, kWidthLimit);
    c.useLinearProjection = getBool(j, "use_linear_projection", c.useLinearProjection, subject);
    c.upcastAttention = getBool(j, "upcast_attention", c.upcastAttention, subject);
    c.resnetOutScaleFactor = getDouble(j, "resnet_out_scale_factor", c.resnetOutScaleFactor, subject);
    c.convInKernel = getInt(j, "conv_in_kernel", c.convInKernel, subject, kKernelLimit);
    c.convOutKernel = getInt(j, "conv_out_kernel", c.convOutKernel, subject, kKernelLimit);
    c.timeEmbeddingDim = getInt(j, "time_embedding_dim", 0, subject, kWidthLimit);
    const std::string scaleShift = getString(j, "resnet_time_scale_shift", "default", subject);
    if (scaleShift != "default" && scaleShift != "scale_shift")
        throw Error(subject, "config key 'resnet_time_scale_shift' is '" + scaleShift +
                                 "': only \"default\" or \"scale_shift\" is supported");
    c.resnetTimeScaleShift = scaleShift == "scale_shift";
    c.additionEmbedType = getString(j, "addition_embed_type", "", subject);
    if (!c.additionEmbedType.empty() && c.additionEmbedType != "text_time")
        throw Error(subject, "config key 'addition_embed_type' is '" + c.additionEmbedType +
                                 "': only null or \"text_time\" (SDXL) is supported");
    c.additionTimeEmbedDim = getInt(j, "addition_time_embed_dim", 0, subject, kWidthLimit);
    c.projectionClassEmbeddingsInputDim = getInt(j, "projection_class_embeddings_input_dim", 0, subject, kWidthLimit);

    c.tokenInjection = getBool(j, "labeldiff_token_injection", false, subject);
    c.convInWidening = parseConvInWidening(getString(j, "labeldiff_conv_in_widening", "none", subject), subject);
    c.validate(subject);
    return c;
}

UNet2DConditionConfig UNet2DConditionConfig::fromJsonFile(const std::string& path) {
    return fromJson(readFile(path), path);
}

void UNet2DConditionConfig::validate(const std::string& subject) const {
    const size_t n = blockOutChannels.size();
    auto fail = [&](const std::string& why) { throw Error(subject, why); };
    if (n == 0) fail("block_out_channels is empty");
    if (downBlockTypes.size() != n)
        fail("down_block_types has " + std::to_string(downBlockTypes.size()) + " entries but block_out_channels has " +
             std::to_string(n));
    if (upBlockTypes.size() != n)
        fail("up_block_types has " + std::to_string(upBlockTypes.size()) + " entries but block_out_channels has " +
             std::to_string(n));
    for (auto* list : {&layersPerBlock, &crossAttentionDim, &transformerLayersPerBlock, &attentionHeads})
        if (list->size() != n) fail("a per-block list has " + std::to_string(list->size()) + " entries, expected " +
                                    std::to_string(n));
    if (!reverseTransformerLayersPerBlock.empty() && reverseTransformerLayersPerBlock.size() != n)
        fail("reverse_transformer_layers_per_block must have one entry per up block");
    for (const auto& t : downBlockTypes)
        if (t != "CrossAttnDownBlock2D" && t != "DownBlock2D")
            fail("down block type '" + t + "' is not supported (CrossAttnDownBlock2D, DownBlock2D)");
    for (const auto& t : upBlockTypes)
        if (t != "CrossAttnUpBlock2D" && t != "UpBlock2D")
            fail("up block type '" + t + "' is not supported (CrossAttnUpBlock2D, UpBlock2D)");
    if (!midBlockType.empty() && midBlockType != "UNetMidBlock2DCrossAttn")
        fail("config key 'mid_block_type' is '" + midBlockType + "': only UNetMidBlock2DCrossAttn (or null) is supported");
    if (inChannels <= 0 || outChannels <= 0) fail("in_channels and out_channels must be positive");
    if (normNumGroups <= 0) fail("norm_num_groups must be positive");
    if (!(normEps > 0)) fail("norm_eps must be positive");
    if (convInKernel <= 0 || convInKernel % 2 == 0 || convOutKernel <= 0 || convOutKernel % 2 == 0)
        fail("conv_in_kernel and conv_out_kernel must be odd and positive");
    if (downsamplePadding < 0) fail("downsample_padding must not be negative");
    if (!(midBlockScaleFactor > 0) || !(resnetOutScaleFactor > 0)) fail("scale factors must be positive");
    for (size_t i = 0; i < n; ++i) {
        const int ch = blockOutChannels[i];
        if (ch <= 0) fail("block_out_channels must be positive");
        if (ch % normNumGroups != 0)
            fail("block_out_channels[" + std::to_string(i) + "] = " + std::to_string(ch) +
                 " is not divisible by norm_num_groups " + std::to_string(normNumGroups));
        if (layersPerBlock[i] <= 0) fail("layers_per_block must be positive");
        if (transformerLayersPerBlock[i] <= 0) fail("transformer_layers_per_block must be positive");
        if (crossAttentionDim[i] <= 0) fail("cross_attention_dim must be positive");
        if (attentionHeads[i] <= 0 || ch % attentionHeads[i] != 0)
            fail("block " + std::to_string(i) + " has " + std::to_string(ch) + " channels, not divisible into " +
                 std::to_string(attentionHeads[i]) + " heads (attention_head_dim is the head count in diffusers)");
        // Up block (n-1-i) has the same channels with the reversed per-block heads.
    }
    if (!reverseTransformerLayersPerBlock.empty())
        for (int v : reverseTransformerLayersPerBlock)
            if (v <= 0) fail("reverse_transformer_layers_per_block must be positive");
    if (additionEmbedType == "text_time" && (additionTimeEmbedDim <= 0 || projectionClassEmbeddingsInputDim <= 0))
        fail("addition_embed_type \"text_time\" needs addition_time_embed_dim and projection_class_embeddings_input_dim");
    if (!additionEmbedType.empty() && additionEmbedType != "text_time")
        fail("addition_embed_type '" + additionEmbedType + "' is not supported");
    if (projectionClassEmbeddingsInputDim > 0 && additionEmbedType == "text_time" &&
        projectionClassEmbeddingsInputDim <= 6 * additionTimeEmbedDim)
        fail("projection_class_embeddings_input_dim must exceed 6 * addition_time_embed_dim (text_embeds + time_ids)");
    parseActivation(actFn, "act_fn", subject);
    if (timeEmbeddingDim < 0) fail("time_embedding_dim must be positive");
    if (freqShift * 2 >= blockOutChannels[0]) fail("freq_shift is too large for the timestep embedding");
}

nlohmann::json UNet2DConditionConfig::toJson() const {
    auto intOrList = [](const std::vector<int>& v) -> nlohmann::json {
        if (!v.empty() && std::all_of(v.begin(), v.end(), [&](int x) { return x == v[0]; })) return v[0];
        return v;
    };
    nlohmann::json j;
    j["_class_name"] = "UNet2DConditionModel";
    j["sample_size"] = sampleSize;
    j["in_channels"] = inChannels;
    j["out_channels"] = outChannels;
    j["center_input_sample"] = centerInputSample;
    j["flip_sin_to_cos"] = flipSinToCos;
    j["freq_shift"] = freqShift;
    j["down_block_types"] = downBlockTypes;
    j["mid_block_type"] = midBlockType.empty() ? nlohmann::json(nullptr) : nlohmann::json(midBlockType);
    j["up_block_types"] = upBlockTypes;
    j["only_cross_attention"] = false;
    j["block_out_channels"] = blockOutChannels;
    j["layers_per_block"] = intOrList(layersPerBlock);
    j["downsample_padding"] = downsamplePadding;
    j["mid_block_scale_factor"] = midBlockScaleFactor;
    j["act_fn"] = actFn;
    j["norm_num_groups"] = normNumGroups;
    j["norm_eps"] = normEps;
    j["cross_attention_dim"] = intOrList(crossAttentionDim);
    j["transformer_layers_per_block"] = intOrList(transformerLayersPerBlock);
    j["reverse_transformer_layers_per_block"] =
        reverseTransformerLayersPerBlock.empty() ? nlohmann::json(nullptr) : nlohmann::json(reverseTransformerLayersPerBlock);
    // Written under diffusers' (mis)name so that diffusers reads the same head counts.
    j["attention_head_dim"] = intOrList(attentionHeads);
    j["num_attention_heads"] = nullptr;
    j["use_linear_projection"] = useLinearProjection;
    j["upcast_attention"] = upcastAttention;
    j["resnet_out_scale_factor"] = resnetOutScaleFactor;
    j["conv_in_kernel"] = convInKernel;
    j["conv_out_kernel"] = convOutKernel;
    j["time_embedding_dim"] = timeEmbeddingDim > 0 ? nlohmann::json(timeEmbeddingDim) : nlohmann::json(nullptr);
    j["time_embedding_type"] = "positional";
    j["resnet_time_scale_shift"] = resnetTimeScaleShift ? "scale_shift" : "default";
    j["addition_embed_type"] = additionEmbedType.empty() ? nlohmann::json(nullptr) : nlohmann::json(additionEmbedType);
    j["addition_time_embed_dim"] =
        additionTimeEmbedDim > 0 ? nlohmann::json(additionTimeEmbedDim) : nlohmann::json(nullptr);
    j["projection_class_embeddings_input_dim"] = projectionClassEmbeddingsInputDim > 0
                                                     ? nlohmann::json(projectionClassEmbeddingsInputDim)
                                                     : nlohmann::json(nullptr);
    if (tokenInjection) j["labeldiff_token_injection"] = true;
    if (convInWidening != ConvInWidening::None) j["labeldiff_conv_in_widening"] = convInWideningName(convInWidening);
    return j;
}

UNet2DConditionConfig UNet2DConditionConfig::tiny() {
    UNet2DConditionConfig c;
    c.sampleSize = 16;
    c.inChannels = 8;
    c.outChannels = 4;
    c.downBlockTypes = {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"};
    c.upBlockTypes = {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"};
    c.blockOutChannels = {32, 64, 64};
    c.layersPerBlock = {1, 1, 1};
    c.crossAttentionDim = {32, 32, 32};
    c.transformerLayersPerBlock = {1, 1, 1};
    c.attentionHeads = {8, 8, 8};
    c.normNumGroups = 8;
    return c;
}

UNet2DConditionConfig UNet2DConditionConfig::sd15() {
    UNet2DConditionConfig c;
    c.sampleSize = 64;
    c.crossAttentionDim = {768, 768, 768, 768};
    return c;
}

UNet2DConditionConfig UNet2DConditionConfig::sd21() {
    UNet2DConditionConfig c;
    c.sampleSize = 96;
    c.crossAttentionDim = {1024, 1024, 1024, 1024};
    c.attentionHeads = {5, 10, 20, 20};
    c.useLinearProjection = true;
    c.upcastAttention = true;
    return c;
}

}  // namespace ld
