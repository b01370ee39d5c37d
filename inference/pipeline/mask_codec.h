#pragma once
// Mask codecs: how a binary mask becomes a latent the denoiser works on, and back.
// Masks live in [-1, 1] (background -1, foreground +1), shaped [B, 1, H, W].
//   downsample  — area-average to the latent grid, replicated over the latent channels;
//                 decoded by bilinear upsampling (GS).
//   autoencoder — the image autoencoder itself on the mask replicated to 3 channels (DiGSeg).
//   linear      — a learned per-cell linear projection between a factor×factor block of
//                 mask pixels and the latent channels (GenMask).
//   pixel_unshuffle — each factor×factor block of mask pixels as factor² channels: an exact
//                 round trip, so the latent grid no longer caps thin structures (windows,
//                 fences) the way block averaging does.
#include "core/mask.h"
#include "inference/io/mask_codec_spec.h"

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <functional>
#include <memory>
#include <string>

namespace ld {

class TinyAutoencoder;

class MaskCodec {
public:
    virtual ~MaskCodec() = default;
    virtual MaskCodecKind kind() const = 0;
    virtual int latentChannels() const = 0;
    virtual int factor() const = 0;
    // [B, 1, H, W] in [-1, 1], H and W multiples of factor() -> [B, C, H/f, W/f].
    virtual torch::Tensor encode(const torch::Tensor& masks) const = 0;
    // [B, C, h, w] -> [B, 1, h·f, w·f] in [-1, 1] (soft; threshold it afterwards).
    virtual torch::Tensor decode(const torch::Tensor& latents) const = 0;

protected:
    void checkMasks(const torch::Tensor& masks) const;
    void checkLatents(const torch::Tensor& latents) const;
};

class DownsampleMaskCodec : public MaskCodec {
public:
    DownsampleMaskCodec(int latentChannels, int factor);
    MaskCodecKind kind() const override { return MaskCodecKind::Downsample; }
    int latentChannels() const override { return channels_; }
    int factor() const override { return factor_; }
    torch::Tensor encode(const torch::Tensor& masks) const override;
    torch::Tensor decode(const torch::Tensor& latents) const override;

private:
    int channels_, factor_;
};

class PixelUnshuffleMaskCodec : public MaskCodec {
public:
    explicit PixelUnshuffleMaskCodec(int factor);
    MaskCodecKind kind() const override { return MaskCodecKind::PixelUnshuffle; }
    int latentChannels() const override { return factor_ * factor_; }
    int factor() const override { return factor_; }
    torch::Tensor encode(const torch::Tensor& masks) const override;
    torch::Tensor decode(const torch::Tensor& latents) const override;

private:
    int factor_;
};

class AutoencoderMaskCodec : public MaskCodec {
public:
    // Functions over 3-channel images in [-1, 1]; any autoencoder fits (AutoencoderKL
    // with its scaling factor folded in, or a tiny one through fromTinyAutoencoder).
    using Fn = std::function<torch::Tensor(const torch::Tensor&)>;
    AutoencoderMaskCodec(Fn encodeImages, Fn decodeImages, int latentChannels, int factor);
    // The TAESD family works on [0, 1]; this wraps the range change.
    static std::unique_ptr<AutoencoderMaskCodec> fromTinyAutoencoder(std::shared_ptr<const TinyAutoencoder> ae);

    MaskCodecKind kind() const override { return MaskCodecKind::Autoencoder; }
    int latentChannels() const override { return channels_; }
    int factor() const override { return factor_; }
    torch::Tensor encode(const torch::Tensor& masks) const override;  // mask replicated to RGB
    torch::Tensor decode(const torch::Tensor& latents) const override;  // mean of the RGB channels

private:
    Fn encode_, decode_;
    int channels_, factor_;
};

// Keys: encode.{weight,bias} (1×1 conv factor²→C), decode.{weight,bias} (1×1 conv C→factor²).
// Initialised so that decode(encode(m)) is the block average of m: useful before training.
class LinearMaskProjectionImpl : public torch::nn::Module {
public:
    LinearMaskProjectionImpl(int latentChannels, int factor);
    torch::Tensor encode(const torch::Tensor& masks);
    torch::Tensor decode(const torch::Tensor& latents);
    int latentChannels() const { return channels_; }
    int factor() const { return factor_; }

private:
    int channels_, factor_;
    torch::nn::Conv2d encodeProj_{nullptr}, decodeProj_{nullptr};
};
TORCH_MODULE(LinearMaskProjection);

class LinearMaskCodec : public MaskCodec {
public:
    LinearMaskCodec(int latentChannels, int factor);
    explicit LinearMaskCodec(LinearMaskProjection projection);
    MaskCodecKind kind() const override { return MaskCodecKind::Linear; }
    int latentChannels() const override { return projection_->latentChannels(); }
    int factor() const override { return projection_->factor(); }
    torch::Tensor encode(const torch::Tensor& masks) const override;
    torch::Tensor decode(const torch::Tensor& latents) const override;
    // The learnable module, for training and for (de)serialising its state dict.
    LinearMaskProjection projection() const { return projection_; }

private:
    LinearMaskProjection projection_;
};

// Builds the downsample or linear codec from a spec; the autoencoder codec needs the
// autoencoder and is built with AutoencoderMaskCodec's constructors (ld::Error here).
std::unique_ptr<MaskCodec> makeMaskCodec(const MaskCodecSpec& spec);

// BinaryMask (0/1) -> [1, 1, H, W] float in {-1, 1}.
torch::Tensor maskToSignedTensor(const BinaryMask& mask);
// [1, 1, H, W] or [H, W] in [-1, 1] -> probabilities (x + 1) / 2 in [0, 1].
SoftMask signedTensorToSoftMask(const torch::Tensor& mask);

}  // namespace ld
