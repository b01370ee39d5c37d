#pragma once
// The training objectives of label diffusion, each a config option (GS, GenMask, DiGSeg):
// what the network predicts (ε, v, x₀, rectified-flow velocity, or a discriminative mask),
// how timesteps are drawn (uniform, SD3's logit-normal, GenMask's long tail toward pure
// noise), and which noise is added (Gaussian, or DiGSeg's multi-resolution annealed noise).
// Pure functions of their inputs and torch's global generator, so that training is
// reproducible step by step.
#include "inference/training/objective_config.h"

#include <torch/types.h>

#include <string>

namespace ld {

class NoiseSchedule;

// u in [0, 1] per sample, 1 = pure noise; a share terminalFraction of them exactly 1. Uniform: u ~ U[0,1). Logit-normal (SD3):
// u = sigmoid(m + s·n), n ~ N(0,1). Long tail (GenMask, Eq. 7): v ~ U[0,1),
// u = v / (v + shift·(1 − v)), the time shift toward t = T: shift = 1 is uniform, and as
// the shift falls the mass moves to the tail at pure noise (P(u < 0.85) = 0.85·s/(0.15 + 0.85·s)).
torch::Tensor sampleNoiseLevels(const ObjectiveConfig& c, int64_t batch);
// Discrete DDPM timesteps from levels: floor(u·T) clamped to [0, T−1], int64.
torch::Tensor levelsToTimesteps(const torch::Tensor& u, int numTrainTimesteps);

// DiGSeg's multi-resolution noise with annealing (Marigold's multi_res_noise_like):
// Gaussian noise plus, for i = 1, 2, ..., Gaussian noise drawn at the grid divided by r^i
// (r ~ U[2, 4) drawn per level, the grid shrinking cumulatively until a side reaches 1),
// bilinearly upsampled and weighted by strength_b^i with the per-sample strength
// strength_b = baseStrength·t_b/T; the sum is divided by its standard deviation over the
// whole batch. `timesteps` [B] float or int.
torch::Tensor multiResolutionNoise(const torch::Tensor& like, const torch::Tensor& timesteps, int numTrainTimesteps,
                                   double baseStrength = 0.9);

torch::Tensor sampleNoise(const ObjectiveConfig& c, const torch::Tensor& like, const torch::Tensor& timesteps,
                          int numTrainTimesteps);

// What the network sees and must output for one batch.
struct DiffusionTargets {
    torch::Tensor noisy;          // x_t (or x_σ)
    torch::Tensor modelTimesteps; // [B] float, as fed to the U-Net
    torch::Tensor target;         // what the output is compared with (MSE)
    // x_t = a·x₀ + b·ε ([B, 1, 1, 1]): √ᾱ and √(1−ᾱ), or 1−σ and σ for flow.
    torch::Tensor signalScale, noiseScale;
};

// x₀ [B, C, h, w] clean mask latents; u [B] noise levels. For ε/v/x₀ the DDPM forward
// process of `schedule` at t = levelsToTimesteps(u); for flow σ = u, x_σ = (1−σ)x₀ + σε,
// target ε − x₀, timestep σ·T.
DiffusionTargets diffusionTargets(Objective o, const NoiseSchedule& schedule, const torch::Tensor& x0,
                                  const torch::Tensor& noise, const torch::Tensor& u);

// The clean latent x̂₀ implied by the network output `out` for objective `o` (ε-prediction
// divides by √ᾱ, floored at 0.01 so that t = T stays finite).
torch::Tensor predictedSample(Objective o, const DiffusionTargets& d, const torch::Tensor& out);

// MSE with the latent cells that hold foreground weighted `foregroundWeight` times more;
// `coverage` [B, 1, h, w] is the foreground share of each cell, broadcast over channels.
torch::Tensor weightedMse(const torch::Tensor& prediction, const torch::Tensor& target, const torch::Tensor& coverage,
                          double foregroundWeight);

// Soft BCE + Dice of a predicted mask in [-1, 1] against a target in [-1, 1] (both
// [B, 1, H, W]); probabilities are (x + 1) / 2.
torch::Tensor maskBceDiceLoss(const torch::Tensor& predicted, const torch::Tensor& target);

// mean over i ≠ j of max(0, cos_ij − margin)² for encodings [N, ...] of distinct phrases.
torch::Tensor phraseSeparationLoss(const torch::Tensor& encodings, double margin);

// Discriminative baseline loss: BCE on logits plus soft Dice, against targets in [0, 1].
torch::Tensor bceDiceLoss(const torch::Tensor& logits, const torch::Tensor& target);

}  // namespace ld
