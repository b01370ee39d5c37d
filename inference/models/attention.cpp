#include "inference/models/attention.h"

#include "core/error.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <limits>

namespace ld {

namespace {

#if TORCH_VERSION_MAJOR >= 2
constexpr bool kHaveSdpa = true;
#else
constexpr bool kHaveSdpa = false;
#endif

bool isHalf(const torch::Tensor& t) {
    return t.scalar_type() == torch::kHalf || t.scalar_type() == torch::kBFloat16;
}

// [B, N, H*d] -> [B, H, N, d]
torch::Tensor splitHeads(const torch::Tensor& x, int64_t heads) {
    const int64_t b = x.size(0), n = x.size(1), c = x.size(2);
    return x.reshape({b, n, heads, c / heads}).permute({0, 2, 1, 3});
}

// [B, H, N, d] -> [B, N, H*d]
torch::Tensor mergeHeads(const torch::Tensor& x) {
    const int64_t b = x.size(0), h = x.size(1), n = x.size(2), d = x.size(3);
    return x.permute({0, 2, 1, 3}).reshape({b, n, h * d});
}

// diffusers' AttnProcessor: baddbmm (beta 0) for the scores, softmax, bmm.
torch::Tensor plainAttention(const torch::Tensor& q4, const torch::Tensor& k4, const torch::Tensor& v4, double scale,
                             bool upcast, bool causal) {
    const int64_t b = q4.size(0), h = q4.size(1), nq = q4.size(2), nk = k4.size(2), d = q4.size(3);
    const auto valueType = v4.scalar_type();
    // Scores of half inputs are always formed in float32: a softmax over fp16 scores
    // loses the small probabilities, and q k^T can exceed the fp16 range.
    const bool toFloat = upcast || isHalf(q4);
    torch::Tensor q = q4.reshape({b * h, nq, d});
    torch::Tensor k = k4.reshape({b * h, nk, d});
    if (toFloat) {
        q = q.to(torch::kFloat);
        k = k.to(torch::kFloat);
    }
    // bmm then scale (what BLAS does for baddbmm's alpha): diffusers' baddbmm with beta 0
    // produced NaN now and then on LibTorch 1.13's CPU path, even over a zeroed input.
    torch::Tensor scores = torch::bmm(q, k.transpose(1, 2)).mul_(scale);
    if (causal) {
        auto mask = torch::ones({nq, nk}, torch::TensorOptions().dtype(torch::kBool).device(q.device()))
                        .triu(1 + (nk - nq));
        scores = scores.masked_fill(mask, std::numeric_limits<float>::lowest());
    }
    torch::Tensor probs = scores.softmax(-1).to(valueType);
    torch::Tensor out = torch::bmm(probs, v4.reshape({b * h, nk, d}));
    return out.reshape({b, h, nq, d});
}

}  // namespace

bool hasScaledDotProductAttention() { return kHaveSdpa; }

torch::Tensor multiHeadAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 int64_t heads, double scale, bool upcast, bool causal) {
    if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3 || q.size(0) != k.size(0) || k.size(0) != v.size(0) ||
        k.size(1) != v.size(1) || q.size(2) != k.size(2) || heads <= 0 || q.size(2) % heads != 0 ||
        v.size(2) != q.size(2))
        throw Error("attention", "incompatible shapes q " + c10::str(q.sizes()) + ", k " + c10::str(k.sizes()) +
                                     ", v " + c10::str(v.sizes()) + " for " + std::to_string(heads) + " heads");
    torch::Tensor q4 = splitHeads(q, heads), k4 = splitHeads(k, heads), v4 = splitHeads(v, heads);
    torch::Tensor out;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
    // The fused kernels accumulate q k^T and the softmax in float32 on CUDA; on the CPU
    // an fp16 upcast request keeps to the explicit float32 path.
    const bool useSdpa = !(upcast && q.scalar_type() == torch::kHalf && !q.is_cuda()) &&
                         (!causal || q.size(1) == k.size(1));
    if (useSdpa)
        out = at::scaled_dot_product_attention(q4, k4, v4, /*attn_mask=*/c10::nullopt, /*dropout_p=*/0.0,
                                               /*is_causal=*/causal, /*scale=*/scale);
    else
        out = plainAttention(q4, k4, v4, scale, upcast, causal);
#elif TORCH_VERSION_MAJOR == 2
    // 2.0's scaled_dot_product_attention has no scale argument: usable only at the default.
    const double defaultScale = 1.0 / std::sqrt(static_cast<double>(q4.size(3)));
    const bool useSdpa = std::fabs(scale - defaultScale) < 1e-12 * defaultScale &&
                         !(upcast && q.scalar_type() == torch::kHalf && !q.is_cuda()) &&
                         (!causal || q.size(1) == k.size(1));
    if (useSdpa)
        out = at::scaled_dot_product_attention(q4, k4, v4, c10::nullopt, 0.0, causal);
    else
        out = plainAttention(q4, k4, v4, scale, upcast, causal);
#else
    out = plainAttention(q4, k4, v4, scale, upcast, causal);
#endif
    return mergeHeads(out);
}

torch::Tensor groupNormUpcast(torch::nn::GroupNorm norm, const torch::Tensor& x) {
    const auto& o = norm->options;
    if (isHalf(x)) {
        torch::Tensor w = o.affine() ? norm->weight.to(torch::kFloat) : torch::Tensor();
        torch::Tensor b = o.affine() ? norm->bias.to(torch::kFloat) : torch::Tensor();
        return torch::group_norm(x.to(torch::kFloat), o.num_groups(), w, b, o.eps()).to(x.scalar_type());
    }
    return norm->forward(x);
}

AttentionImpl::AttentionImpl(const AttentionOptions& o) : options_(o) {
    if (o.queryDim <= 0 || o.heads <= 0 || o.dimHead <= 0)
        throw Error("Attention", "query_dim, heads and dim_head must be positive");
    const int64_t inner = o.heads * o.dimHead;
    const int64_t kvDim = o.crossAttentionDim > 0 ? o.crossAttentionDim : o.queryDim;
    if (o.normGroups > 0) {
        if (o.queryDim % o.normGroups != 0)
            throw Error("Attention", std::to_string(o.queryDim) + " channels are not divisible into " +
                                         std::to_string(o.normGroups) + " groups");
        group_norm = register_module(
            "group_norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(o.normGroups, o.queryDim).eps(o.normEps)));
    }
    to_q = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(o.queryDim, inner).bias(o.bias)));
    to_k = register_module("to_k", torch::nn::Linear(torch::nn::LinearOptions(kvDim, inner).bias(o.bias)));
    to_v = register_module("to_v", torch::nn::Linear(torch::nn::LinearOptions(kvDim, inner).bias(o.bias)));
    out_proj = torch::nn::Linear(torch::nn::LinearOptions(inner, o.queryDim).bias(o.outBias));
    to_out = register_module("to_out", torch::nn::ModuleList(out_proj));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& context) {
    const auto& o = options_;
    torch::Tensor residual = hidden;
    torch::Tensor x = hidden;
    const bool spatial = x.dim() == 4;
    int64_t b = 0, c = 0, h = 0, w = 0;
    if (spatial) {
        b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        x = x.view({b, c, h * w}).transpose(1, 2);
    }
    if (group_norm) x = groupNormUpcast(group_norm, x.transpose(1, 2)).transpose(1, 2);
    const torch::Tensor& kv = context.defined() ? context : x;
    torch::Tensor q = to_q(x), k = to_k(kv), v = to_v(kv);
    const double scale = 1.0 / std::sqrt(static_cast<double>(o.dimHead));
    x = multiHeadAttention(q, k, v, o.heads, scale, o.upcastAttention || o.upcastSoftmax);
    x = out_proj(x.to(q.scalar_type()));
    if (spatial) x = x.transpose(-1, -2).reshape({b, c, h, w});
    if (o.residualConnection) x = x + residual;
    if (o.rescaleOutputFactor != 1.0) x = x / o.rescaleOutputFactor;
    return x;
}

}  // namespace ld
