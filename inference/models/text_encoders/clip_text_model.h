#pragma once
// transformers' CLIPTextModel (modeling_clip.py, v4.44, eager attention): token + position
// embeddings, pre-LN encoder layers with a causal mask, final_layer_norm, pooled output at
// the EOS position; CLIPTextModelWithProjection's text_projection when the config names it.
// Key names are transformers' (`text_model.embeddings.token_embedding.weight`, ...).
//
// The learned null embedding for classifier-free guidance lives here too, but outside the
// HF state_dict (its own `null_embedding` tensor, saved in its own file), so a pure HF
// checkpoint loads unchanged.
#include "inference/models/activations.h"
#include "inference/io/safetensors.h"

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace ld {

struct CLIPTextConfig {
    int vocabSize = 49408;
    int hiddenSize = 512;
    int intermediateSize = 2048;
    int projectionDim = 512;
    int numHiddenLayers = 12;
    int numAttentionHeads = 8;
    int maxPositionEmbeddings = 77;
    std::string hiddenAct = "quick_gelu";
    double layerNormEps = 1e-5;
    int padTokenId = 1;
    int bosTokenId = 49406;
    int eosTokenId = 49407;
    bool withProjection = false;  // architectures: CLIPTextModelWithProjection

    // transformers' config.json (a CLIPTextConfig, or a full CLIPConfig whose
    // `text_config` is used). ld::Error(subject) names a key of the wrong type.
    static CLIPTextConfig fromJson(const nlohmann::json& j, const std::string& subject = "text encoder config");
    static CLIPTextConfig fromJsonFile(const std::string& path);
    nlohmann::json toJson() const;
    void validate(const std::string& subject = "text encoder config") const;

    static CLIPTextConfig vitL14();  // SD 1.x text encoder
};

class CLIPAttentionImpl : public torch::nn::Module {
public:
    CLIPAttentionImpl(int64_t hidden, int64_t heads);
    torch::Tensor forward(const torch::Tensor& x);  // causal self-attention
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};

private:
    int64_t heads_;
};
TORCH_MODULE(CLIPAttention);

class CLIPMLPImpl : public torch::nn::Module {
public:
    CLIPMLPImpl(int64_t hidden, int64_t intermediate, Activation act);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Linear fc1{nullptr}, fc2{nullptr};

private:
    Activation act_;
};
TORCH_MODULE(CLIPMLP);

class CLIPEncoderLayerImpl : public torch::nn::Module {
public:
    explicit CLIPEncoderLayerImpl(const CLIPTextConfig& c);
    torch::Tensor forward(const torch::Tensor& x);
    CLIPAttention self_attn{nullptr};
    torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
    CLIPMLP mlp{nullptr};
};
TORCH_MODULE(CLIPEncoderLayer);

class CLIPTextEmbeddingsImpl : public torch::nn::Module {
public:
    explicit CLIPTextEmbeddingsImpl(const CLIPTextConfig& c);
    torch::Tensor forward(const torch::Tensor& ids);
    torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr};
};
TORCH_MODULE(CLIPTextEmbeddings);

class CLIPEncoderImpl : public torch::nn::Module {
public:
    explicit CLIPEncoderImpl(const CLIPTextConfig& c);
    torch::nn::ModuleList layers{nullptr};
    std::vector<CLIPEncoderLayer> layers_;
};
TORCH_MODULE(CLIPEncoder);

class CLIPTextTransformerImpl : public torch::nn::Module {
public:
    explicit CLIPTextTransformerImpl(const CLIPTextConfig& c);
    CLIPTextEmbeddings embeddings{nullptr};
    CLIPEncoder encoder{nullptr};
    torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(CLIPTextTransformer);

struct CLIPTextOutput {
    torch::Tensor lastHiddenState;            // [B, L, D], after final_layer_norm
    torch::Tensor pooledOutput;               // [B, D]: lastHiddenState at the EOS position
    torch::Tensor textEmbeds;                 // [B, projection_dim] with text_projection, else undefined
    std::vector<torch::Tensor> hiddenStates;  // embeddings, then each layer's output (on request)
};

class CLIPTextModel : public torch::nn::Module {
public:
    explicit CLIPTextModel(const CLIPTextConfig& config);
    const CLIPTextConfig& config() const { return config_; }

    // ids [B, L] integer token ids (L <= max_position_embeddings; no attention mask, as the
    // SD pipelines run it). Pooled position: argmax(ids) when eos_token_id == 2 (the legacy
    // rule transformers keeps for old configs), else the first eos_token_id.
    CLIPTextOutput forward(const torch::Tensor& ids, bool outputHiddenStates = false);

    // The conditioning a diffusion U-Net sees: last_hidden_state (clipSkip 0) or, as
    // diffusers' clip_skip does, final_layer_norm(hidden_states[-(clipSkip + 1)]).
    torch::Tensor encode(const torch::Tensor& ids, int clipSkip = 0);

    // The learned null (unconditional) embedding [L, D]; undefined until set or loaded.
    bool hasNullEmbedding() const { return nullEmbedding_.defined(); }
    const torch::Tensor& nullEmbedding() const { return nullEmbedding_; }
    torch::Tensor& mutableNullEmbedding() { return nullEmbedding_; }  // e.g. for requires_grad / an optimizer
    void setNullEmbedding(const torch::Tensor& embedding);  // [L, D]; moved to the model's device/dtype
    // Initialises it as the encoding of the given ids (e.g. the tokenized empty prompt).
    void initNullEmbeddingFromIds(const torch::Tensor& ids);
    // [B, L, D] copies of the null embedding.
    torch::Tensor nullEmbeddingBatch(int64_t batch) const;
    // Stored as the single tensor "null_embedding" in a safetensors file.
    void loadNullEmbedding(const std::string& path);
    void saveNullEmbedding(const std::string& path) const;

    // Checked load of transformers-named tensors. Ignored: text_model.embeddings.position_ids
    // (a buffer older checkpoints carry), and text_projection.* when the config has none.
    // A "null_embedding" tensor in the same map is taken as the null embedding.
    void load(TensorMap tensors, const std::string& source);
    void loadFile(const std::string& weightsPath);
    // A transformers `text_encoder/` folder: config.json + model(.fp16).safetensors, plus
    // null_embedding.safetensors when present.
    static std::shared_ptr<CLIPTextModel> fromPretrained(const std::string& folder);

    int64_t parameterCount() const;

    void to(torch::Device device, torch::Dtype dtype, bool nonBlocking = false) override;
    void to(torch::Dtype dtype, bool nonBlocking = false) override;
    void to(torch::Device device, bool nonBlocking = false) override;

    CLIPTextTransformer text_model{nullptr};
    torch::nn::Linear text_projection{nullptr};

private:
    torch::Tensor run(const torch::Tensor& ids, std::vector<torch::Tensor>* hidden);
    CLIPTextConfig config_;
    torch::Tensor nullEmbedding_;
};

}  // namespace ld
