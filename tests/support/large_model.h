#pragma once
// The tiny test model with its U-Net widened until loading takes measurable time (seconds
// on a 2-core machine): what cancelling a model load is tested with. Every other
// component stays tiny, so the U-Net's many tensors are most of the load.
#include "support/tiny_model.h"

namespace ld::test {

inline std::string writeLargeModel(const std::string& dir, int width = 192) {
    TinyModelSpec spec;
    writeTinyModel(dir, spec);
    UNet2DConditionConfig c = tinyUNetConfig(spec, 16);  // the tiny text encoder's width
    c.blockOutChannels = {width, 2 * width};
    c.layersPerBlock = {2, 2};
    c.attentionHeads = {4, 4};
    c.normNumGroups = 32;
    torch::manual_seed(1);
    UNet2DConditionModel unet(c);
    const std::filesystem::path root(dir);
    writeJsonFile(root / "unet/config.json", c.toJson());
    saveSafetensors((root / "unet/diffusion_pytorch_model.safetensors").string(), stateDict(unet));
    return dir;
}

}  // namespace ld::test
