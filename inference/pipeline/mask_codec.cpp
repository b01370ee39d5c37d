#include "inference/pipeline/mask_codec.h"

#include "core/error.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"

#include <cstring>

namespace ld {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

// ---- checks ---------------------------------------------------------------------------

void MaskCodec::checkMasks(const torch::Tensor& masks) const {
    const int f = factor();
    if (masks.dim() != 4 || masks.size(1) != 1)
        throw Error("mask codec " + maskCodecKindName(kind()), "expected masks [B, 1, H, W]");
    if (masks.size(2) == 0 || masks.size(3) == 0 || masks.size(2) % f != 0 || masks.size(3) % f != 0)
        throw Error("mask codec " + maskCodecKindName(kind()),
                    "mask height and width must be positive multiples of " + std::to_string(f) + ", got " +
                        std::to_string(masks.size(2)) + "x" + std::to_string(masks.size(3)));
}

void MaskCodec::checkLatents(const torch::Tensor& latents) const {
    if (latents.dim() != 4 || latents.size(1) != latentChannels())
        throw Error("mask codec " + maskCodecKindName(kind()),
                    "expected latents [B, " + std::to_string(latentChannels()) + ", h, w]");
}

// ---- downsample -----------------------------------------------------------------------

DownsampleMaskCodec::DownsampleMaskCodec(int latentChannels, int factor) : channels_(latentChannels), factor_(factor) {
    if (latentChannels < 1 || factor < 1) throw Error("downsample mask codec", "channels and factor must be positive");
}

torch::Tensor DownsampleMaskCodec::encode(const torch::Tensor& masks) const {
    checkMasks(masks);
    auto m = masks.is_floating_point() ? masks : masks.to(torch::kFloat);
    auto cells = F::avg_pool2d(m, F::AvgPool2dFuncOptions(factor_).stride(factor_));
    return cells.expand({-1, channels_, -1, -1}).contiguous();
}

torch::Tensor DownsampleMaskCodec::decode(const torch::Tensor& latents) const {
    checkLatents(latents);
    auto cells = latents.mean(1, true);
    auto up = F::interpolate(cells, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{latents.size(2) * factor_, latents.size(3) * factor_})
                                        .mode(torch::kBilinear)
                                        .align_corners(false));
    return up.clamp(-1, 1);
}

// ---- pixel unshuffle ------------------------------------------------------------------

PixelUnshuffleMaskCodec::PixelUnshuffleMaskCodec(int factor) : factor_(factor) {
    if (factor < 1) throw Error("pixel_unshuffle mask codec", "the factor must be positive");
}

torch::Tensor PixelUnshuffleMaskCodec::encode(const torch::Tensor& masks) const {
    checkMasks(masks);
    return torch::pixel_unshuffle(masks.is_floating_point() ? masks : masks.to(torch::kFloat), factor_);
}

torch::Tensor PixelUnshuffleMaskCodec::decode(const torch::Tensor& latents) const {
    checkLatents(latents);
    return torch::pixel_shuffle(latents, factor_).clamp(-1, 1);
}

// ---- autoencoder ----------------------------------------------------------------------

AutoencoderMaskCodec::AutoencoderMaskCodec(Fn encodeImages, Fn decodeImages, int latentChannels, int factor)
    : encode_(std::move(encodeImages)), decode_(std::move(decodeImages)), channels_(latentChannels), factor_(factor) {
    if (!encode_ || !decode_) throw Error("autoencoder mask codec", "encode and decode functions are required");
    if (latentChannels < 1 || factor < 1) throw Error("autoencoder mask codec", "channels and factor must be positive");
}

std::unique_ptr<AutoencoderMaskCodec> AutoencoderMaskCodec::fromTinyAutoencoder(
    std::shared_ptr<const TinyAutoencoder> ae) {
    if (!ae) throw Error("autoencoder mask codec", "no autoencoder");
    if (ae->config().imageChannels != 3) throw Error("autoencoder mask codec", "the autoencoder must take RGB images");
    const int channels = ae->config().latentChannels;
    const int factor = ae->config().downscale();
    return std::make_unique<AutoencoderMaskCodec>(
        [ae](const torch::Tensor& x) { return ae->encode((x + 1) * 0.5); },
        [ae](const torch::Tensor& z) { return ae->decode(z) * 2 - 1; }, channels, factor);
}

torch::Tensor AutoencoderMaskCodec::encode(const torch::Tensor& masks) const {
    checkMasks(masks);
    auto m = masks.is_floating_point() ? masks : masks.to(torch::kFloat);
    return encode_(m.expand({-1, 3, -1, -1}).contiguous());
}

torch::Tensor AutoencoderMaskCodec::decode(const torch::Tensor& latents) const {
    checkLatents(latents);
    auto images = decode_(latents);
    if (images.dim() != 4 || images.size(1) != 3)
        throw Error("autoencoder mask codec", "the decoder must return [B, 3, H, W] images");
    return images.mean(1, true).clamp(-1, 1);
}

// ---- linear ---------------------------------------------------------------------------

LinearMaskProjectionImpl::LinearMaskProjectionImpl(int latentChannels, int factor)
    : channels_(latentChannels), factor_(factor) {
    if (latentChannels < 1 || factor < 1) throw Error("linear mask codec", "channels and factor must be positive");
    const int cell = factor * factor;
    encodeProj_ = register_module("encode", nn::Conv2d(nn::Conv2dOptions(cell, latentChannels, 1)));
    decodeProj_ = register_module("decode", nn::Conv2d(nn::Conv2dOptions(latentChannels, cell, 1)));
    torch::NoGradGuard noGrad;
    encodeProj_->weight.fill_(1.0 / cell);
    encodeProj_->bias.zero_();
    decodeProj_->weight.fill_(1.0 / latentChannels);
    decodeProj_->bias.zero_();
}

torch::Tensor LinearMaskProjectionImpl::encode(const torch::Tensor& masks) {
    const auto& w = encodeProj_->weight;
    return encodeProj_->forward(torch::pixel_unshuffle(masks.to(w.device(), w.scalar_type()), factor_));
}

torch::Tensor LinearMaskProjectionImpl::decode(const torch::Tensor& latents) {
    const auto& w = decodeProj_->weight;
    return torch::pixel_shuffle(decodeProj_->forward(latents.to(w.device(), w.scalar_type())), factor_);
}

LinearMaskCodec::LinearMaskCodec(int latentChannels, int factor)
    : projection_(LinearMaskProjection(latentChannels, factor)) {}

LinearMaskCodec::LinearMaskCodec(LinearMaskProjection projection) : projection_(std::move(projection)) {
    if (!projection_) throw Error("linear mask codec", "no projection module");
}

torch::Tensor LinearMaskCodec::encode(const torch::Tensor& masks) const {
    checkMasks(masks);
    return projection_.ptr()->encode(masks);
}

torch::Tensor LinearMaskCodec::decode(const torch::Tensor& latents) const {
    checkLatents(latents);
    // Not clamped: training compares the raw projection with the mask.
    return projection_.ptr()->decode(latents);
}

std::unique_ptr<MaskCodec> makeMaskCodec(const MaskCodecSpec& spec) {
    switch (spec.kind) {
        case MaskCodecKind::Downsample: return std::make_unique<DownsampleMaskCodec>(spec.latentChannels, spec.factor);
        case MaskCodecKind::Linear: return std::make_unique<LinearMaskCodec>(spec.latentChannels, spec.factor);
        case MaskCodecKind::PixelUnshuffle: return std::make_unique<PixelUnshuffleMaskCodec>(spec.factor);
        case MaskCodecKind::Autoencoder: break;
    }
    throw Error("mask codec autoencoder", "needs the model's autoencoder; build it with AutoencoderMaskCodec");
}

torch::Tensor maskToSignedTensor(const BinaryMask& mask) {
    if (mask.empty()) throw Error("mask", "empty mask");
    cv::Mat m = mask.mat();
    if (!m.isContinuous()) m = m.clone();
    auto t = torch::from_blob(m.data, {1, 1, m.rows, m.cols}, torch::kUInt8).to(torch::kFloat);
    return t.gt(0).to(torch::kFloat) * 2 - 1;
}

SoftMask signedTensorToSoftMask(const torch::Tensor& mask) {
    torch::Tensor t = mask;
    if (t.dim() == 4 && t.size(0) == 1 && t.size(1) == 1) t = t[0][0];
    if (t.dim() != 2) throw Error("mask tensor", "expected [1, 1, H, W] or [H, W]");
    t = ((t.detach().to(torch::kCPU, torch::kFloat) + 1) * 0.5).clamp(0, 1).contiguous();
    SoftMask out(int(t.size(0)), int(t.size(1)));
    std::memcpy(out.mat().data, t.data_ptr<float>(), size_t(t.numel()) * sizeof(float));
    return out;
}

}  // namespace ld
