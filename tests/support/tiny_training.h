#pragma once
// The "model" block of a training config for a from-scratch model small enough that a
// test trains it for a few hundred steps on one CPU thread in seconds.
#include <nlohmann/json.hpp>

namespace ld::test {

inline nlohmann::json tinyTrainingModel() {
    return {{"resolution", 32},
            {"latent_factor", 4},
            {"image_latent_channels", 4},
            {"stem_hidden", 16},
            {"stem_layers", 1},
            {"block_out_channels", {16, 32}},
            {"attention", {true, true}},
            {"attention_head_dim", 8},
            {"norm_groups", 4},
            {"text_hidden", 16},
            {"text_layers", 1},
            {"text_heads", 2},
            {"scheduler", {{"rescale_betas_zero_snr", true}}}};
}

}  // namespace ld::test
