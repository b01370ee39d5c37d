#include "inference/models/unets/unet.h"

#include "core/error.h"
#include "inference/io/pretrained_files.h"
#include "inference/io/state_dict.h"

#include <torch/torch.h>

#include <filesystem>

namespace ld {

namespace {

const char* kSubject = "UNet2DConditionModel";

std::string shapeOf(const torch::Tensor& t) { return c10::str(t.sizes()); }

template <typename T>
std::vector<T> reversed(std::vector<T> v) {
    std::reverse(v.begin(), v.end());
    return v;
}

}  // namespace

void widenConvIn(TensorMap& tensors, int64_t inChannels, ConvInWidening mode, const std::string& source) {
    auto it = tensors.find("conv_in.weight");
    if (it == tensors.end()) return;  // reported as missing by the checked load
    torch::Tensor w = it->second;
    if (w.dim() != 4) return;         // reported as mis-shaped by the checked load
    const int64_t have = w.size(1);
    if (have == inChannels) return;
    if (have > inChannels)
        throw Error(source, "conv_in.weight " + shapeOf(w) + " has " + std::to_string(have) +
                                " input channels, more than the network's in_channels " + std::to_string(inChannels));
    switch (mode) {
        case ConvInWidening::None:
            throw Error(source, "conv_in.weight " + shapeOf(w) + " has " + std::to_string(have) +
                                    " input channels but in_channels is " + std::to_string(inChannels) +
                                    "; choose a conv_in widening (duplicate_and_halve or zero_init) to adapt it");
        case ConvInWidening::DuplicateAndHalve: {
            if (inChannels % have != 0)
                throw Error(source, "conv_in widening duplicate_and_halve needs in_channels (" +
                                        std::to_string(inChannels) + ") to be a multiple of the checkpoint's " +
                                        std::to_string(have) + " input channels");
            const int64_t repeat = inChannels / have;
            // Each copy sees an input of the same statistics, so the sum over the copies
            // reproduces the pretrained response (Marigold).
            it->second = w.repeat({1, repeat, 1, 1}) / static_cast<double>(repeat);
            return;
        }
        case ConvInWidening::ZeroInit: {
            torch::Tensor extra = torch::zeros({w.size(0), inChannels - have, w.size(2), w.size(3)}, w.options());
            it->second = torch::cat({w, extra}, 1);
            return;
        }
    }
}

UNet2DConditionModel::UNet2DConditionModel(const UNet2DConditionConfig& config) : config_(config) {
    const auto& c = config_;
    c.validate(kSubject);
    act_ = parseActivation(c.actFn, "act_fn", kSubject);
    const int n = c.numBlocks();
    const int64_t timeDim = c.timeEmbedDim();
    const int64_t c0 = c.blockOutChannels[0];

    conv_in = register_module(
        "conv_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.inChannels, c0, c.convInKernel)
                                         .padding((c.convInKernel - 1) / 2)));
    time_embedding = register_module("time_embedding", TimestepEmbedding(c0, timeDim, act_));
    if (c.additionEmbedType == "text_time")
        add_embedding =
            register_module("add_embedding", TimestepEmbedding(c.projectionClassEmbeddingsInputDim, timeDim, act_));

    auto baseOptions = [&]() {
        BlockOptions o;
        o.tembChannels = timeDim;
        o.groups = c.normNumGroups;
        o.eps = c.normEps;
        o.act = act_;
        o.timeScaleShift = c.resnetTimeScaleShift;
        o.transformer.useLinearProjection = c.useLinearProjection;
        o.transformer.upcastAttention = c.upcastAttention;
        o.transformer.tokenInjection = c.tokenInjection;
        return o;
    };

    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    int64_t output = c0;
    for (int i = 0; i < n; ++i) {
        const int64_t input = output;
        output = c.blockOutChannels[i];
        BlockOptions o = baseOptions();
        o.inChannels = input;
        o.outChannels = output;
        o.layers = c.layersPerBlock[i];
        o.addSample = i != n - 1;
        o.downsamplePadding = c.downsamplePadding;
        o.crossAttention = UNet2DConditionConfig::isCrossAttnDown(c.downBlockTypes[i]);
        o.transformer.heads = c.attentionHeads[i];
        o.transformer.crossAttentionDim = c.crossAttentionDim[i];
        o.transformer.layers = c.transformerLayersPerBlock[i];
        downs_.push_back(DownBlock2D(o));
        down_blocks->push_back(downs_.back());
    }

    if (!c.midBlockType.empty()) {
        BlockOptions o = baseOptions();
        o.inChannels = c.blockOutChannels.back();
        o.outputScaleFactor = c.midBlockScaleFactor;
        o.crossAttention = true;
        o.transformer.heads = c.attentionHeads.back();
        o.transformer.crossAttentionDim = c.crossAttentionDim.back();
        o.transformer.layers = c.transformerLayersPerBlock.back();
        mid_block = register_module("mid_block", UNetMidBlock2DCrossAttn(o));
    }

    const auto rChannels = reversed(c.blockOutChannels);
    const auto rHeads = reversed(c.attentionHeads);
    const auto rLayers = reversed(c.layersPerBlock);
    const auto rCross = reversed(c.crossAttentionDim);
    const auto rDepth =
        c.reverseTransformerLayersPerBlock.empty() ? reversed(c.transformerLayersPerBlock) : c.reverseTransformerLayersPerBlock;
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    output = rChannels[0];
    for (int i = 0; i < n; ++i) {
        const int64_t prev = output;
        output = rChannels[i];
        const int64_t input = rChannels[std::min(i + 1, n - 1)];
        BlockOptions o = baseOptions();
        o.inChannels = input;
        o.outChannels = output;
        o.prevOutputChannels = prev;
        o.layers = rLayers[i] + 1;
        o.addSample = i != n - 1;
        o.crossAttention = UNet2DConditionConfig::isCrossAttnUp(c.upBlockTypes[i]);
        o.transformer.heads = rHeads[i];
        o.transformer.crossAttentionDim = rCross[i];
        o.transformer.layers = rDepth[i];
        ups_.push_back(UpBlock2D(o));
        up_blocks->push_back(ups_.back());
    }

    conv_norm_out = register_module(
        "conv_norm_out", torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.normNumGroups, c0).eps(c.normEps)));
    conv_out = register_module(
        "conv_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(c0, c.outChannels, c.convOutKernel)
                                          .padding((c.convOutKernel - 1) / 2)));
}

torch::Tensor UNet2DConditionModel::forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                            const torch::Tensor& encoderHiddenStates,
                                            const UNetAddedConditions* added,
                                            std::map<std::string, torch::Tensor>* debug) {
    const auto& c = config_;
    if (!sample.defined() || sample.dim() != 4 || sample.size(1) != c.inChannels)
        throw Error(kSubject, "sample must be [B, " + std::to_string(c.inChannels) + ", H, W], got " +
                                  (sample.defined() ? shapeOf(sample) : std::string("nothing")));
    const int64_t batch = sample.size(0);
    const bool needsText = !c.midBlockType.empty() ||
                           std::any_of(c.downBlockTypes.begin(), c.downBlockTypes.end(),
                                       UNet2DConditionConfig::isCrossAttnDown) ||
                           std::any_of(c.upBlockTypes.begin(), c.upBlockTypes.end(),
                                       UNet2DConditionConfig::isCrossAttnUp);
    if (needsText) {
        if (!encoderHiddenStates.defined() || encoderHiddenStates.dim() != 3 ||
            encoderHiddenStates.size(0) != batch)
            throw Error(kSubject, "encoder_hidden_states must be [" + std::to_string(batch) + ", L, D], got " +
                                      (encoderHiddenStates.defined() ? shapeOf(encoderHiddenStates)
                                                                     : std::string("nothing")));
        for (int d : c.crossAttentionDim)
            if (encoderHiddenStates.size(2) != d)
                throw Error(kSubject, "encoder_hidden_states has " + std::to_string(encoderHiddenStates.size(2)) +
                                          " features but cross_attention_dim is " + std::to_string(d));
    }
    const torch::Device device = conv_in->weight.device();
    const auto dtype = conv_in->weight.scalar_type();
    auto keep = [&](const char* name, const torch::Tensor& t) {
        if (debug) (*debug)[name] = t.detach();
    };

    torch::Tensor t = timesteps.to(device);
    if (t.dim() == 0) t = t.reshape({1});
    if (t.dim() != 1 || (t.size(0) != batch && t.size(0) != 1))
        throw Error(kSubject, "timesteps must be a scalar or [" + std::to_string(batch) + "], got " + shapeOf(t));
    t = t.expand({batch});

    torch::Tensor tproj = timestepEmbedding(t, c.blockOutChannels[0], c.flipSinToCos, c.freqShift).to(dtype);
    keep("time_proj", tproj);
    torch::Tensor emb = time_embedding(tproj);
    if (add_embedding) {
        if (!added || !added->textEmbeds.defined() || !added->timeIds.defined())
            throw Error(kSubject, "addition_embed_type \"text_time\" (SDXL) needs text_embeds and time_ids");
        const auto& te = added->textEmbeds;
        const auto& ids = added->timeIds;
        const int64_t expected = c.projectionClassEmbeddingsInputDim;
        if (te.dim() != 2 || ids.dim() != 2 || te.size(0) != batch || ids.size(0) != batch ||
            te.size(1) + ids.size(1) * c.additionTimeEmbedDim != expected)
            throw Error(kSubject, "text_embeds " + shapeOf(te) + " and time_ids " + shapeOf(ids) +
                                      " do not add up to projection_class_embeddings_input_dim " +
                                      std::to_string(expected));
        torch::Tensor timeEmbeds =
            timestepEmbedding(ids.to(device).flatten(), c.additionTimeEmbedDim, c.flipSinToCos, c.freqShift)
                .reshape({batch, -1});
        torch::Tensor addEmbeds = torch::cat({te.to(device, torch::kFloat), timeEmbeds}, -1).to(dtype);
        emb = emb + add_embedding(addEmbeds);
    }
    keep("time_embedding", emb);

    torch::Tensor ctx = encoderHiddenStates.defined() ? encoderHiddenStates.to(device, dtype) : torch::Tensor();
    torch::Tensor h = sample.to(device, dtype);
    if (c.centerInputSample) h = 2 * h - 1.0;
    h = conv_in(h);
    keep("conv_in", h);

    std::vector<torch::Tensor> skips{h};
    for (size_t i = 0; i < downs_.size(); ++i) {
        h = downs_[i](h, emb, ctx, &skips);
        if (debug) (*debug)["down_blocks." + std::to_string(i)] = h.detach();
    }
    if (mid_block) {
        h = mid_block(h, emb, ctx);
        keep("mid_block", h);
    }
    for (size_t i = 0; i < ups_.size(); ++i) {
        // Upsample to the size of the skip the next block takes first, as diffusers does
        // (forward_upsample_size), so inputs that are not multiples of 2^depth work.
        std::vector<int64_t> size;
        const size_t consumed = static_cast<size_t>(ups_[i]->numResnets());
        if (i + 1 < ups_.size() && skips.size() > consumed) {
            const auto& next = skips[skips.size() - consumed - 1];
            size = {next.size(2), next.size(3)};
        }
        h = ups_[i](h, emb, ctx, &skips, size);
        if (debug) (*debug)["up_blocks." + std::to_string(i)] = h.detach();
    }
    h = groupNormUpcast(conv_norm_out, h);
    keep("conv_norm_out", h);
    h = conv_out(activate(act_, h));
    return h.to(sample.scalar_type());
}

void UNet2DConditionModel::load(TensorMap tensors, const std::string& source) {
    widenConvIn(tensors, config_.inChannels, config_.convInWidening, source);
    if (config_.tokenInjection) {
        bool any = false;
        for (const auto& kv : tensors)
            if (kv.first.find(".attn1_text_proj.") != std::string::npos) any = true;
        if (!any) {
            // A plain SD checkpoint: the adapters start from their initialisation.
            for (const auto& kv : stateDict(*this))
                if (kv.first.find(".attn1_text_proj.") != std::string::npos)
                    tensors[kv.first] = kv.second.clone();
        }
    }
    loadStateDict(*this, tensors, source, true);
}

void UNet2DConditionModel::loadFile(const std::string& weightsPath) { load(mapSafetensors(weightsPath), weightsPath); }

std::shared_ptr<UNet2DConditionModel> UNet2DConditionModel::fromPretrained(
    const std::string& folder, const std::function<void(UNet2DConditionConfig&)>& overrides) {
    const std::string configPath = (std::filesystem::path(folder) / "config.json").string();
    UNet2DConditionConfig config = UNet2DConditionConfig::fromJsonFile(configPath);
    if (overrides) {
        overrides(config);
        config.validate(configPath);
    }
    auto model = std::make_shared<UNet2DConditionModel>(config);
    model->loadFile(findWeightsFile(folder, {"diffusion_pytorch_model"}));
    model->eval();
    return model;
}

int64_t UNet2DConditionModel::parameterCount() const {
    int64_t total = 0;
    for (const auto& p : parameters()) total += p.numel();
    return total;
}

}  // namespace ld
