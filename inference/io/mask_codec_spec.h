#pragma once
// What a model card says about its mask codec: the kind, latent channels and factor. Kept
// apart from the codecs themselves so that the card (read by ui/) needs no LibTorch.
#include <nlohmann/json.hpp>

#include <string>

namespace ld {

enum class MaskCodecKind { Downsample, Autoencoder, Linear, PixelUnshuffle };

std::string maskCodecKindName(MaskCodecKind kind);        // "downsample", "autoencoder", "linear", "pixel_unshuffle"
MaskCodecKind parseMaskCodecKind(const std::string& name);  // ld::Error for an unknown name

// What a model card says about its codec.
struct MaskCodecSpec {
    MaskCodecKind kind = MaskCodecKind::Downsample;
    int latentChannels = 4;
    int factor = 8;
    // JSON: {"type": "downsample", "latent_channels": 4, "downscale_factor": 8}
    static MaskCodecSpec fromJson(const nlohmann::json& j, const std::string& subject);
    nlohmann::json toJson() const;
};

}  // namespace ld
