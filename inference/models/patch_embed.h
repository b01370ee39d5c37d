#pragma once
// diffusers' PatchEmbed (embeddings.py) as the DiTs use it: a strided convolution turns a
// [B, C, H, W] latent into row-major tokens [B, (H/p)(W/p), D], plus a fixed 2-D sin-cos
// position table. Key names: pos_embed.proj.{weight,bias} and, with pos_embed_max_size (SD3),
// the persistent buffer pos_embed.pos_embed.
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

namespace ld {

// The 2-D sin-cos table, [1, gridH * gridW, dim] float32, tokens in row-major order.
// Channels [0, dim/2) encode the column and [dim/2, dim) the row, each half [sin, cos] of
// position * 10000^(-i / (dim/4)). Positions are arange(n) / (n / baseSize) /
// interpolationScale. dim must be a multiple of 4.
torch::Tensor sincosPositionTable(int64_t dim, int64_t gridH, int64_t gridW, double baseSize,
                                  double interpolationScale);

struct PatchEmbedOptions {
    int64_t height = 0, width = 0;  // the latent size the table is built for (sample_size)
    int64_t patchSize = 2;
    int64_t inChannels = 4;
    int64_t embedDim = 0;
    double interpolationScale = 1.0;
    // > 0 (SD3): one maxSize x maxSize table stored with the weights; every input takes its
    // centre crop. 0 (PixArt): a table computed for the input's grid, not stored.
    int64_t posEmbedMaxSize = 0;
};

class PatchEmbedImpl : public torch::nn::Module {
public:
    explicit PatchEmbedImpl(const PatchEmbedOptions& options);
    // latent [B, C, H, W] (H, W multiples of the patch size) -> tokens [B, N, D].
    torch::Tensor forward(const torch::Tensor& latent);
    // The table added for a (gridH, gridW) token grid, [1, gridH * gridW, D].
    torch::Tensor positionTable(int64_t gridH, int64_t gridW) const;

    const PatchEmbedOptions& options() const { return options_; }

    torch::nn::Conv2d proj{nullptr};
    torch::Tensor pos_embed;  // registered as a buffer only with posEmbedMaxSize

private:
    PatchEmbedOptions options_;
    torch::Tensor defaultTable_;  // PixArt: the table at the configured size, kept out of the state dict
};
TORCH_MODULE(PatchEmbed);

}  // namespace ld
