#include "inference/models/patch_embed.h"

#include "core/error.h"

#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace ld {

namespace {
const char* kSubject = "PatchEmbed";
}

torch::Tensor sincosPositionTable(int64_t dim, int64_t gridH, int64_t gridW, double baseSize,
                                  double interpolationScale) {
    if (dim <= 0 || dim % 4 != 0)
        throw Error(kSubject, "the sin-cos position table needs a width divisible by 4, got " + std::to_string(dim));
    if (gridH <= 0 || gridW <= 0 || !(baseSize > 0) || !(interpolationScale > 0))
        throw Error(kSubject, "the sin-cos position table needs a positive grid, base size and interpolation scale");
    const int64_t quarter = dim / 4;
    std::vector<double> omega(static_cast<size_t>(quarter));
    for (int64_t i = 0; i < quarter; ++i)
        omega[static_cast<size_t>(i)] = 1.0 / std::pow(10000.0, static_cast<double>(i) / static_cast<double>(quarter));
    // diffusers forms the positions in float32 (a NumPy float32 grid divided by Python
    // floats) and everything after in float64; both roundings are kept so the table matches
    // to the last bit.
    auto positions = [&](int64_t n) {
        std::vector<double> p(static_cast<size_t>(n));
        const float step = static_cast<float>(static_cast<double>(n) / baseSize);
        const float interp = static_cast<float>(interpolationScale);
        for (int64_t i = 0; i < n; ++i) p[static_cast<size_t>(i)] = (static_cast<float>(i) / step) / interp;
        return p;
    };
    const std::vector<double> rows = positions(gridH), cols = positions(gridW);
    torch::Tensor table = torch::empty({1, gridH * gridW, dim}, torch::kFloat);
    float* out = table.data_ptr<float>();
    for (int64_t r = 0; r < gridH; ++r)
        for (int64_t c = 0; c < gridW; ++c) {
            float* t = out + (r * gridW + c) * dim;
            for (int64_t i = 0; i < quarter; ++i) {
                const double ac = cols[static_cast<size_t>(c)] * omega[static_cast<size_t>(i)];
                const double ar = rows[static_cast<size_t>(r)] * omega[static_cast<size_t>(i)];
                t[i] = static_cast<float>(std::sin(ac));
                t[quarter + i] = static_cast<float>(std::cos(ac));
                t[2 * quarter + i] = static_cast<float>(std::sin(ar));
                t[3 * quarter + i] = static_cast<float>(std::cos(ar));
            }
        }
    return table;
}

PatchEmbedImpl::PatchEmbedImpl(const PatchEmbedOptions& o) : options_(o) {
    if (o.patchSize <= 0 || o.inChannels <= 0 || o.embedDim <= 0 || o.height <= 0 || o.width <= 0)
        throw Error(kSubject, "patch size, channels, embedding width and sample size must be positive");
    if (o.height % o.patchSize != 0 || o.width % o.patchSize != 0)
        throw Error(kSubject, "sample size " + std::to_string(o.height) + "x" + std::to_string(o.width) +
                                  " is not a multiple of the patch size " + std::to_string(o.patchSize));
    proj = register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.inChannels, o.embedDim, o.patchSize)
                                                         .stride(o.patchSize)
                                                         .bias(true)));
    const double baseSize = static_cast<double>(o.height / o.patchSize);
    if (o.posEmbedMaxSize > 0) {
        pos_embed = register_buffer(
            "pos_embed", sincosPositionTable(o.embedDim, o.posEmbedMaxSize, o.posEmbedMaxSize, baseSize,
                                             o.interpolationScale));
    } else {
        defaultTable_ = sincosPositionTable(o.embedDim, o.height / o.patchSize, o.width / o.patchSize, baseSize,
                                            o.interpolationScale);
    }
}

torch::Tensor PatchEmbedImpl::positionTable(int64_t gridH, int64_t gridW) const {
    const auto& o = options_;
    if (o.posEmbedMaxSize > 0) {
        if (gridH > o.posEmbedMaxSize || gridW > o.posEmbedMaxSize)
            throw Error(kSubject, "a " + std::to_string(gridH) + "x" + std::to_string(gridW) +
                                      " token grid exceeds pos_embed_max_size " + std::to_string(o.posEmbedMaxSize));
        // The centre crop keeps the positions a smaller input would have had at training
        // resolution symmetric around the middle of the table.
        const int64_t top = (o.posEmbedMaxSize - gridH) / 2, left = (o.posEmbedMaxSize - gridW) / 2;
        return pos_embed.reshape({1, o.posEmbedMaxSize, o.posEmbedMaxSize, -1})
            .slice(1, top, top + gridH)
            .slice(2, left, left + gridW)
            .reshape({1, gridH * gridW, -1});
    }
    if (gridH == o.height / o.patchSize && gridW == o.width / o.patchSize) return defaultTable_;
    return sincosPositionTable(o.embedDim, gridH, gridW, static_cast<double>(o.height / o.patchSize),
                               o.interpolationScale);
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& latent) {
    const auto& o = options_;
    if (latent.dim() != 4 || latent.size(1) != o.inChannels || latent.size(2) % o.patchSize != 0 ||
        latent.size(3) % o.patchSize != 0)
        throw Error(kSubject, "expected a [B, " + std::to_string(o.inChannels) +
                                  ", H, W] latent with H and W multiples of " + std::to_string(o.patchSize) + ", got " +
                                  c10::str(latent.sizes()));
    const int64_t gh = latent.size(2) / o.patchSize, gw = latent.size(3) / o.patchSize;
    torch::Tensor tokens = proj(latent).flatten(2).transpose(1, 2);
    return tokens + positionTable(gh, gw).to(tokens.device(), tokens.scalar_type());
}

}  // namespace ld
