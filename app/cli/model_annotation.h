#pragma once
// What the sampling sub-commands share: their options (a sampler result becomes an
// annotation through inference/pipeline/model_provenance.h's modelAnnotation).
#include "inference/pipeline/sampler.h"

#include <CLI/CLI.hpp>

namespace ld::cli {

// The sampler's options, the same for every command that samples.
inline void addSamplerOptions(CLI::App& sub, SamplerSettings& s, SamplerOptions& o) {
    sub.add_option("--steps", s.steps, "Denoising steps (0: the model's default)");
    sub.add_option("--spacing", s.spacing, "Timestep spacing: trailing, leading or linspace")
        ->check(CLI::IsMember({"trailing", "leading", "linspace"}));
    sub.add_option("--guidance", s.guidance, "Classifier-free guidance scale (1: off)");
    sub.add_option("--ensemble", s.ensemble, "Ensemble size: seeds averaged in latent space");
    sub.add_option("--seed", s.seed, "Base seed (member k uses seed + k)")->capture_default_str();
    sub.add_option("--eta", s.eta, "DDIM eta (0: deterministic)")->capture_default_str();
    sub.add_option("--start", s.start, "Start the trajectory from noise (default) or zero (one deterministic member)")
        ->check(CLI::IsMember({"noise", "zero"}));
    sub.add_option("--threshold", s.threshold, "Threshold on the probability (default: the model's per class)");
    sub.add_option("--presence", s.presence,
                   "Presence gate: no mask unless the most confident 0.5 % of pixels reach it (0: off; "
                   "default: the model's per class)");
    sub.add_option("--max-batch", s.maxBatch, "Largest U-Net batch (0: no limit)");
    sub.add_option("--device", o.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    sub.add_option("--dtype", o.dtype, "fp32, bf16 or fp16")->capture_default_str();
    sub.add_option("--autocast", o.autocast, "CUDA mixed precision on fp32 weights: off, bf16 or fp16 (no effect on the CPU)")
        ->check(CLI::IsMember({"off", "bf16", "fp16"}));
    sub.add_option("--threads", o.threads, "CPU threads (0: automatic, the cores other programs leave free)");
}

}  // namespace ld::cli
