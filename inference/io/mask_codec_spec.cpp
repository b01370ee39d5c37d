#include "inference/io/mask_codec_spec.h"

#include "core/enum_names.h"
#include "core/error.h"

namespace ld {

namespace {

const EnumName<MaskCodecKind> kCodecKinds[] = {{MaskCodecKind::Downsample, "downsample"},
                                               {MaskCodecKind::Autoencoder, "autoencoder"},
                                               {MaskCodecKind::Linear, "linear"},
                                               {MaskCodecKind::PixelUnshuffle, "pixel_unshuffle"}};

}  // namespace

std::string maskCodecKindName(MaskCodecKind kind) { return enumName(kCodecKinds, kind); }
MaskCodecKind parseMaskCodecKind(const std::string& name) {
    return parseEnum(kCodecKinds, name, "mask codec", "mask codec type");
}

MaskCodecSpec MaskCodecSpec::fromJson(const nlohmann::json& j, const std::string& subject) {
    MaskCodecSpec s;
    if (j.is_string()) {
        s.kind = parseMaskCodecKind(j.get<std::string>());
        return s;
    }
    if (!j.is_object()) throw Error(subject, "'mask_codec' must be an object or a type name");
    if (j.contains("type")) {
        if (!j["type"].is_string()) throw Error(subject, "'mask_codec.type' must be a string");
        try {
            s.kind = parseMaskCodecKind(j["type"].get<std::string>());
        } catch (const Error& e) {
            throw Error(subject, e.what());
        }
    }
    auto readInt = [&](const char* key, int& out) {
        if (!j.contains(key)) return;
        if (!j[key].is_number_integer() || j[key].get<int64_t>() < 1 || j[key].get<int64_t>() > 4096)
            throw Error(subject, std::string("'mask_codec.") + key + "' must be an integer in 1..4096");
        out = j[key].get<int>();
    };
    readInt("latent_channels", s.latentChannels);
    readInt("downscale_factor", s.factor);
    if (s.kind == MaskCodecKind::PixelUnshuffle && s.latentChannels != s.factor * s.factor)
        throw Error(subject, "the pixel_unshuffle mask codec has downscale_factor² latent channels (" +
                                 std::to_string(s.factor * s.factor) + "), not " + std::to_string(s.latentChannels));
    return s;
}

nlohmann::json MaskCodecSpec::toJson() const {
    return nlohmann::json{
        {"type", maskCodecKindName(kind)}, {"latent_channels", latentChannels}, {"downscale_factor", factor}};
}

}  // namespace ld
