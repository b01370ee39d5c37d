#include "inference/models/transformers/dit_layers.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "inference/io/safetensors.h"
#include "inference/io/state_dict.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <filesystem>

namespace ld {

namespace {
bool isHalf(const torch::Tensor& t) {
    return t.scalar_type() == torch::kHalf || t.scalar_type() == torch::kBFloat16;
}
}  // namespace

GeluFeedForwardImpl::GeluFeedForwardImpl(int64_t dim, int64_t innerDim, bool tanhApproximation)
    : tanh_(tanhApproximation) {
    // diffusers' GELU module owns the first projection, hence net.0.proj.
    auto gelu = std::make_shared<torch::nn::Module>();
    in_ = gelu->register_module("proj", torch::nn::Linear(dim, innerDim));
    out_ = torch::nn::Linear(innerDim, dim);
    net = register_module("net", torch::nn::ModuleList());
    net->push_back(gelu);
    net->push_back(torch::nn::Dropout(0.0));
    net->push_back(out_);
}

torch::Tensor GeluFeedForwardImpl::forward(const torch::Tensor& x) {
    torch::Tensor h = in_(x);
    h = tanh_ ? torch::gelu(h, "tanh") : torch::gelu(h);
    return out_(h);
}

torch::Tensor keepMaskToBias(const torch::Tensor& mask, torch::ScalarType dtype) {
    if (mask.dim() != 2) throw Error("attention mask", "expected [B, tokens], got " + c10::str(mask.sizes()));
    // -10000 rather than -inf: a caption with every token masked then attends uniformly
    // instead of producing NaN, and the value is representable in fp16.
    return (1.0 - mask.to(dtype)) * -10000.0;
}

torch::Tensor multiHeadAttentionWithKeyBias(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                            int64_t heads, double scale, const torch::Tensor& keyBias, bool upcast) {
    if (!keyBias.defined()) return multiHeadAttention(q, k, v, heads, scale, upcast);
    if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3 || q.size(0) != k.size(0) || k.size(0) != v.size(0) ||
        k.size(1) != v.size(1) || q.size(2) != k.size(2) || v.size(2) != q.size(2) || heads <= 0 ||
        q.size(2) % heads != 0)
        throw Error("attention", "incompatible shapes q " + c10::str(q.sizes()) + ", k " + c10::str(k.sizes()) +
                                     ", v " + c10::str(v.sizes()) + " for " + std::to_string(heads) + " heads");
    const int64_t b = q.size(0), nq = q.size(1), nk = k.size(1), d = q.size(2) / heads;
    if (keyBias.dim() != 2 || keyBias.size(0) != b || keyBias.size(1) != nk)
        throw Error("attention", "the key mask is " + c10::str(keyBias.sizes()) + ", expected [" + std::to_string(b) +
                                     ", " + std::to_string(nk) + "]");
    auto split = [&](const torch::Tensor& t) { return t.reshape({b, t.size(1), heads, d}).permute({0, 2, 1, 3}); };
    torch::Tensor q4 = split(q), k4 = split(k), v4 = split(v);
    const auto valueType = v.scalar_type();
    const bool toFloat = upcast || isHalf(q);
    torch::Tensor bias = keyBias.to(q.device(), toFloat ? torch::kFloat : q.scalar_type()).view({b, 1, 1, nk});
    torch::Tensor out;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
    if (!toFloat) {
        out = at::scaled_dot_product_attention(q4, k4, v4, bias.expand({b, heads, nq, nk}), 0.0, false, scale);
        return out.permute({0, 2, 1, 3}).reshape({b, nq, heads * d});
    }
#endif
    // diffusers' AttnProcessor: scores = bias + scale * q k^T (baddbmm with beta 1), softmax, times v.
    torch::Tensor qs = q4, ks = k4;
    if (toFloat) {
        qs = qs.to(torch::kFloat);
        ks = ks.to(torch::kFloat);
    }
    torch::Tensor scores = torch::matmul(qs, ks.transpose(-1, -2)).mul_(scale).add_(bias);
    torch::Tensor probs = scores.softmax(-1).to(valueType);
    out = torch::matmul(probs, v4);
    return out.permute({0, 2, 1, 3}).reshape({b, nq, heads * d});
}

torch::Tensor attendWithKeyBias(AttentionImpl& attn, const torch::Tensor& x, const torch::Tensor& context,
                                const torch::Tensor& keyBias) {
    const auto& o = attn.options();
    const torch::Tensor& kv = context.defined() ? context : x;
    torch::Tensor q = attn.to_q(x), k = attn.to_k(kv), v = attn.to_v(kv);
    const double scale = 1.0 / std::sqrt(static_cast<double>(o.dimHead));
    torch::Tensor h = multiHeadAttentionWithKeyBias(q, k, v, o.heads, scale, keyBias,
                                                    o.upcastAttention || o.upcastSoftmax);
    return attn.out_proj(h.to(q.scalar_type()));
}

torch::Tensor layerNormNoAffine(const torch::Tensor& x, double eps) {
    return torch::layer_norm(x, {x.size(-1)}, {}, {}, eps);
}

torch::Tensor overTokens(const torch::Tensor& modulation) {
    return modulation.dim() == 2 ? modulation.unsqueeze(1) : modulation;
}

torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale) {
    return x * (1 + overTokens(scale)) + overTokens(shift);
}

torch::Tensor unpatchify(const torch::Tensor& tokens, int64_t gridH, int64_t gridW, int64_t patch, int64_t channels) {
    if (tokens.dim() != 3 || tokens.size(1) != gridH * gridW || tokens.size(2) != patch * patch * channels)
        throw Error("unpatchify", "tokens " + c10::str(tokens.sizes()) + " do not form a " + std::to_string(gridH) +
                                      "x" + std::to_string(gridW) + " grid of " + std::to_string(patch) + "x" +
                                      std::to_string(patch) + " patches of " + std::to_string(channels) + " channels");
    const int64_t b = tokens.size(0);
    return tokens.reshape({b, gridH, gridW, patch, patch, channels})
        .permute({0, 5, 1, 3, 2, 4})
        .reshape({b, channels, gridH * patch, gridW * patch});
}

void saveTransformerFolder(const torch::nn::Module& model, const std::string& configJson, const std::string& folder) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw Error(folder, "cannot create the folder: " + ec.message());
    TensorMap tensors;
    for (const auto& [name, t] : stateDict(model)) tensors[name] = t.to(torch::kCPU, torch::kFloat).contiguous();
    saveSafetensors((std::filesystem::path(folder) / "diffusion_pytorch_model.safetensors").string(), tensors);
    writeFileAtomic((std::filesystem::path(folder) / "config.json").string(), configJson);
}

int64_t parameterCount(const torch::nn::Module& model) {
    int64_t total = 0;
    for (const auto& p : model.parameters()) total += p.numel();
    return total;
}

}  // namespace ld
