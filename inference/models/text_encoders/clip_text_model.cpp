#include "inference/models/text_encoders/clip_text_model.h"

#include "core/error.h"
#include "inference/models/attention.h"
#include "inference/io/json_config.h"
#include "inference/io/pretrained_files.h"
#include "inference/io/state_dict.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>

namespace ld {

namespace {
const char* kSubject = "CLIPTextModel";
}

CLIPTextConfig CLIPTextConfig::fromJson(const nlohmann::json& root, const std::string& subject) {
    using namespace jsoncfg;
    if (!root.is_object()) throw Error(subject, "the text encoder config is not a JSON object");
    const nlohmann::json& j = has(root, "text_config") ? root.at("text_config") : root;
    if (!j.is_object()) throw Error(subject, "config key 'text_config' is not an object");
    CLIPTextConfig c;
    c.vocabSize = getInt(j, "vocab_size", c.vocabSize, subject, kVocabularyLimit);
    c.hiddenSize = getInt(j, "hidden_size", c.hiddenSize, subject, kWidthLimit);
    c.intermediateSize = getInt(j, "intermediate_size", c.intermediateSize, subject, kFeedForwardLimit);
    c.projectionDim = getInt(j, "projection_dim", getInt(root, "projection_dim", c.projectionDim, subject, kWidthLimit), subject, kWidthLimit);
    c.numHiddenLayers = getInt(j, "num_hidden_layers", c.numHiddenLayers, subject, kDepthLimit);
    c.numAttentionHeads = getInt(j, "num_attention_heads", c.numAttentionHeads, subject, kWidthLimit);
    c.maxPositionEmbeddings = getInt(j, "max_position_embeddings", c.maxPositionEmbeddings, subject, kPositionsLimit);
    c.hiddenAct = getString(j, "hidden_act", c.hiddenAct, subject);
    c.layerNormEps = getDouble(j, "layer_norm_eps", c.layerNormEps, subject);
    c.padTokenId = getInt(j, "pad_token_id", c.padTokenId, subject);
    c.bosTokenId = getInt(j, "bos_token_id", c.bosTokenId, subject);
    c.eosTokenId = getInt(j, "eos_token_id", c.eosTokenId, subject);
    for (const auto& a : getStringList(root, "architectures", {}, subject))
        if (a == "CLIPTextModelWithProjection") c.withProjection = true;
    checkTable(c.vocabSize, c.hiddenSize, "vocab_size × hidden_size", subject);
    c.validate(subject);
    return c;
}

CLIPTextConfig CLIPTextConfig::fromJsonFile(const std::string& path) { return fromJson(jsoncfg::readFile(path), path); }

void CLIPTextConfig::validate(const std::string& subject) const {
    auto fail = [&](const std::string& why) { throw Error(subject, why); };
    if (vocabSize <= 0 || hiddenSize <= 0 || intermediateSize <= 0 || numHiddenLayers <= 0 ||
        maxPositionEmbeddings <= 0 || projectionDim <= 0)
        fail("sizes must be positive");
    if (numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0)
        fail("hidden_size " + std::to_string(hiddenSize) + " is not divisible by num_attention_heads " +
             std::to_string(numAttentionHeads));
    if (!(layerNormEps > 0)) fail("layer_norm_eps must be positive");
    parseActivation(hiddenAct, "hidden_act", subject);
}

nlohmann::json CLIPTextConfig::toJson() const {
    nlohmann::json j;
    j["architectures"] = {withProjection ? "CLIPTextModelWithProjection" : "CLIPTextModel"};
    j["model_type"] = "clip_text_model";
    j["vocab_size"] = vocabSize;
    j["hidden_size"] = hiddenSize;
    j["intermediate_size"] = intermediateSize;
    j["projection_dim"] = projectionDim;
    j["num_hidden_layers"] = numHiddenLayers;
    j["num_attention_heads"] = numAttentionHeads;
    j["max_position_embeddings"] = maxPositionEmbeddings;
    j["hidden_act"] = hiddenAct;
    j["layer_norm_eps"] = layerNormEps;
    j["attention_dropout"] = 0.0;
    j["pad_token_id"] = padTokenId;
    j["bos_token_id"] = bosTokenId;
    j["eos_token_id"] = eosTokenId;
    j["torch_dtype"] = "float32";
    return j;
}

CLIPTextConfig CLIPTextConfig::vitL14() {
    CLIPTextConfig c;
    c.hiddenSize = 768;
    c.intermediateSize = 3072;
    c.projectionDim = 768;
    c.numAttentionHeads = 12;
    c.padTokenId = 1;
    c.bosTokenId = 0;
    c.eosTokenId = 2;
    return c;
}

CLIPAttentionImpl::CLIPAttentionImpl(int64_t hidden, int64_t heads) : heads_(heads) {
    q_proj = register_module("q_proj", torch::nn::Linear(hidden, hidden));
    k_proj = register_module("k_proj", torch::nn::Linear(hidden, hidden));
    v_proj = register_module("v_proj", torch::nn::Linear(hidden, hidden));
    out_proj = register_module("out_proj", torch::nn::Linear(hidden, hidden));
}

torch::Tensor CLIPAttentionImpl::forward(const torch::Tensor& x) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(x.size(2) / heads_));
    // Half-precision CLIP overflows in q k^T for long prompts: upcast like SD2 attention.
    const bool upcast = x.scalar_type() != torch::kFloat;
    torch::Tensor a = multiHeadAttention(q_proj(x), k_proj(x), v_proj(x), heads_, scale, upcast, /*causal=*/true);
    return out_proj(a.to(x.scalar_type()));
}

CLIPMLPImpl::CLIPMLPImpl(int64_t hidden, int64_t intermediate, Activation act) : act_(act) {
    fc1 = register_module("fc1", torch::nn::Linear(hidden, intermediate));
    fc2 = register_module("fc2", torch::nn::Linear(intermediate, hidden));
}

torch::Tensor CLIPMLPImpl::forward(const torch::Tensor& x) { return fc2(activate(act_, fc1(x))); }

CLIPEncoderLayerImpl::CLIPEncoderLayerImpl(const CLIPTextConfig& c) {
    auto ln = torch::nn::LayerNormOptions({c.hiddenSize}).eps(c.layerNormEps);
    self_attn = register_module("self_attn", CLIPAttention(c.hiddenSize, c.numAttentionHeads));
    layer_norm1 = register_module("layer_norm1", torch::nn::LayerNorm(ln));
    mlp = register_module("mlp", CLIPMLP(c.hiddenSize, c.intermediateSize,
                                         parseActivation(c.hiddenAct, "hidden_act", kSubject)));
    layer_norm2 = register_module("layer_norm2", torch::nn::LayerNorm(ln));
}

torch::Tensor CLIPEncoderLayerImpl::forward(const torch::Tensor& x) {
    torch::Tensor h = x + self_attn(layer_norm1(x));
    return h + mlp(layer_norm2(h));
}

CLIPTextEmbeddingsImpl::CLIPTextEmbeddingsImpl(const CLIPTextConfig& c) {
    token_embedding = register_module("token_embedding", torch::nn::Embedding(c.vocabSize, c.hiddenSize));
    position_embedding =
        register_module("position_embedding", torch::nn::Embedding(c.maxPositionEmbeddings, c.hiddenSize));
}

torch::Tensor CLIPTextEmbeddingsImpl::forward(const torch::Tensor& ids) {
    const int64_t len = ids.size(1);
    torch::Tensor pos = torch::arange(len, torch::TensorOptions().dtype(torch::kLong).device(ids.device()));
    return token_embedding(ids) + position_embedding(pos).unsqueeze(0);
}

CLIPEncoderImpl::CLIPEncoderImpl(const CLIPTextConfig& c) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < c.numHiddenLayers; ++i) {
        layers_.push_back(CLIPEncoderLayer(c));
        layers->push_back(layers_.back());
    }
}

CLIPTextTransformerImpl::CLIPTextTransformerImpl(const CLIPTextConfig& c) {
    embeddings = register_module("embeddings", CLIPTextEmbeddings(c));
    encoder = register_module("encoder", CLIPEncoder(c));
    final_layer_norm = register_module(
        "final_layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hiddenSize}).eps(c.layerNormEps)));
}

CLIPTextModel::CLIPTextModel(const CLIPTextConfig& config) : config_(config) {
    config_.validate(kSubject);
    text_model = register_module("text_model", CLIPTextTransformer(config_));
    if (config_.withProjection)
        text_projection = register_module(
            "text_projection",
            torch::nn::Linear(torch::nn::LinearOptions(config_.hiddenSize, config_.projectionDim).bias(false)));
}

torch::Tensor CLIPTextModel::run(const torch::Tensor& idsIn, std::vector<torch::Tensor>* hidden) {
    if (!idsIn.defined() || idsIn.dim() != 2 || idsIn.size(1) == 0)
        throw Error(kSubject, "token ids must be [B, L], got " +
                                  (idsIn.defined() ? c10::str(idsIn.sizes()) : std::string("nothing")));
    if (idsIn.is_floating_point() || idsIn.is_complex() || idsIn.scalar_type() == torch::kBool)
        throw Error(kSubject, "token ids must be integers");
    if (idsIn.size(1) > config_.maxPositionEmbeddings)
        throw Error(kSubject, "sequence of " + std::to_string(idsIn.size(1)) + " tokens exceeds max_position_embeddings " +
                                  std::to_string(config_.maxPositionEmbeddings));
    if (idsIn.numel() > 0) {
        const int64_t lo = idsIn.min().item<int64_t>(), hi = idsIn.max().item<int64_t>();
        if (lo < 0 || hi >= config_.vocabSize)
            throw Error(kSubject, "token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary of " +
                                      std::to_string(config_.vocabSize));
    }
    const auto device = text_model->embeddings->token_embedding->weight.device();
    torch::Tensor ids = idsIn.to(device, torch::kLong);
    torch::Tensor x = text_model->embeddings(ids);
    if (hidden) hidden->push_back(x);
    for (auto& layer : text_model->encoder->layers_) {
        x = layer(x);
        if (hidden) hidden->push_back(x);
    }
    return x;
}

CLIPTextOutput CLIPTextModel::forward(const torch::Tensor& ids, bool outputHiddenStates) {
    std::vector<torch::Tensor> hidden;
    torch::Tensor x = run(ids, outputHiddenStates ? &hidden : nullptr);
    CLIPTextOutput out;
    out.lastHiddenState = text_model->final_layer_norm(x);
    // The pooled position is found on the CPU: argmax over integer ties is not guaranteed
    // to return the first occurrence (LibTorch 1.13 does not), and ids are tiny.
    const torch::Tensor cpuIds = ids.to(torch::kCPU, torch::kLong).contiguous();
    const auto acc = cpuIds.accessor<int64_t, 2>();
    std::vector<int64_t> positions(size_t(cpuIds.size(0)), 0);
    for (int64_t r = 0; r < cpuIds.size(0); ++r) {
        int64_t best = 0;
        for (int64_t c = 0; c < cpuIds.size(1); ++c) {
            const bool hit = config_.eosTokenId == 2 ? acc[r][c] > acc[r][best] : acc[r][c] == config_.eosTokenId;
            if (hit) {
                best = c;
                if (config_.eosTokenId != 2) break;
            }
        }
        positions[size_t(r)] = best;
    }
    torch::Tensor eosPos = torch::tensor(positions, torch::kLong).to(x.device());
    torch::Tensor rows = torch::arange(x.size(0), torch::TensorOptions().dtype(torch::kLong).device(x.device()));
    out.pooledOutput = out.lastHiddenState.index({rows, eosPos});
    if (text_projection) out.textEmbeds = text_projection(out.pooledOutput);
    out.hiddenStates = std::move(hidden);
    return out;
}

torch::Tensor CLIPTextModel::encode(const torch::Tensor& ids, int clipSkip) {
    if (clipSkip < 0 || clipSkip >= config_.numHiddenLayers)
        throw Error(kSubject, "clip_skip " + std::to_string(clipSkip) + " must be in [0, " +
                                  std::to_string(config_.numHiddenLayers - 1) + "]");
    if (clipSkip == 0) return text_model->final_layer_norm(run(ids, nullptr));
    std::vector<torch::Tensor> hidden;
    run(ids, &hidden);
    return text_model->final_layer_norm(hidden[hidden.size() - 1 - static_cast<size_t>(clipSkip)]);
}

void CLIPTextModel::setNullEmbedding(const torch::Tensor& embedding) {
    if (!embedding.defined() || embedding.dim() != 2 || embedding.size(1) != config_.hiddenSize ||
        embedding.size(0) <= 0 || embedding.size(0) > config_.maxPositionEmbeddings)
        throw Error("null_embedding", "must be [L, " + std::to_string(config_.hiddenSize) + "] with L <= " +
                                          std::to_string(config_.maxPositionEmbeddings) + ", got " +
                                          (embedding.defined() ? c10::str(embedding.sizes()) : std::string("nothing")));
    const auto& w = text_model->embeddings->token_embedding->weight;
    nullEmbedding_ = embedding.detach().to(w.device(), w.scalar_type()).clone();
}

void CLIPTextModel::initNullEmbeddingFromIds(const torch::Tensor& ids) {
    torch::NoGradGuard noGrad;
    torch::Tensor t = ids.dim() == 1 ? ids.unsqueeze(0) : ids;
    if (t.dim() != 2 || t.size(0) != 1) throw Error("null_embedding", "initialise from one row of token ids");
    setNullEmbedding(encode(t).squeeze(0));
}

torch::Tensor CLIPTextModel::nullEmbeddingBatch(int64_t batch) const {
    if (!nullEmbedding_.defined()) throw Error(kSubject, "no null embedding has been set or loaded");
    return nullEmbedding_.unsqueeze(0).expand({batch, -1, -1});
}

void CLIPTextModel::loadNullEmbedding(const std::string& path) {
    TensorMap t = loadSafetensors(path);
    auto it = t.find("null_embedding");
    if (it == t.end()) throw Error(path, "has no tensor named null_embedding");
    try {
        setNullEmbedding(it->second.to(torch::kFloat));
    } catch (const Error& e) {
        throw Error(path, e.what());
    }
}

void CLIPTextModel::saveNullEmbedding(const std::string& path) const {
    if (!nullEmbedding_.defined()) throw Error(path, "no null embedding to save");
    saveSafetensors(path, {{"null_embedding", nullEmbedding_.detach().to(torch::kCPU).contiguous()}});
}

void CLIPTextModel::load(TensorMap tensors, const std::string& source) {
    tensors.erase("text_model.embeddings.position_ids");
    if (!text_projection) tensors.erase("text_projection.weight");
    auto it = tensors.find("null_embedding");
    if (it != tensors.end()) {
        setNullEmbedding(it->second.to(torch::kFloat));
        tensors.erase(it);
    }
    loadStateDict(*this, tensors, source, true);
}

void CLIPTextModel::loadFile(const std::string& weightsPath) { load(mapSafetensors(weightsPath), weightsPath); }

std::shared_ptr<CLIPTextModel> CLIPTextModel::fromPretrained(const std::string& folder) {
    namespace fs = std::filesystem;
    auto config = CLIPTextConfig::fromJsonFile((fs::path(folder) / "config.json").string());
    auto model = std::make_shared<CLIPTextModel>(config);
    model->loadFile(findWeightsFile(folder, {"model"}));
    const fs::path nullPath = fs::path(folder) / "null_embedding.safetensors";
    std::error_code ec;
    if (fs::is_regular_file(nullPath, ec)) model->loadNullEmbedding(nullPath.string());
    model->eval();
    return model;
}

int64_t CLIPTextModel::parameterCount() const {
    int64_t total = 0;
    for (const auto& p : parameters()) total += p.numel();
    return total;
}

void CLIPTextModel::to(torch::Device device, torch::Dtype dtype, bool nonBlocking) {
    torch::nn::Module::to(device, dtype, nonBlocking);
    if (nullEmbedding_.defined()) nullEmbedding_ = nullEmbedding_.to(device, dtype);
}

void CLIPTextModel::to(torch::Dtype dtype, bool nonBlocking) {
    torch::nn::Module::to(dtype, nonBlocking);
    if (nullEmbedding_.defined()) nullEmbedding_ = nullEmbedding_.to(dtype);
}

void CLIPTextModel::to(torch::Device device, bool nonBlocking) {
    torch::nn::Module::to(device, nonBlocking);
    if (nullEmbedding_.defined()) nullEmbedding_ = nullEmbedding_.to(device);
}

}  // namespace ld
