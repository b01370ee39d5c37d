#pragma once
// The training objectives of label diffusion, each a config option (GS, GenMask, DiGSeg):
// what the network predicts (ε, v, x₀, rectified-flow velocity, or a discriminative mask),
// how timesteps are drawn (uniform, SD3's logit-normal, GenMask's long tail toward pure
// noise), and which noise is added (Gaussian, or DiGSeg's multi-resolution annealed noise).
// Pure functions of their inputs and torch's global generator, so that training is
// reproducible step by step.
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <string>

namespace ld {

class NoiseSchedule;

enum class Objective { Epsilon, V, Sample, Flow, Discriminative };
std::string objectiveName(Objective o);           // "epsilon", "v_prediction", "sample", "flow", "discriminative"
Objective parseObjective(const std::string& s);   // also "v", "x0"; ld::Error otherwise

enum class TimestepSampling { Uniform, LogitNormal, LongTail };
std::string timestepSamplingName(TimestepSampling s);   // "uniform", "logit_normal", "long_tail"
TimestepSampling parseTimestepSampling(const std::string& s);

enum class NoiseKind { Gaussian, MultiResolutionAnnealed };
std::string noiseKindName(NoiseKind k);   // "gaussian", "multires_annealed"
NoiseKind parseNoiseKind(const std::string& s);

struct ObjectiveConfig {
    Objective objective = Objective::Sample;
    TimestepSampling timesteps = TimestepSampling::LongTail;
    double shift = 0.1;        // long tail: smaller = more mass near pure noise (1 = uniform)
    double logitMean = 0.0;    // logit-normal: u = sigmoid(mean + std·n)
    double logitStd = 1.0;
    NoiseKind noise = NoiseKind::Gaussian;
    double multiresStrength = 0.9;   // DiGSeg/Marigold: level weight (strength·t/T)^i
    double conditionDropout = 0.1;   // p_drop: text replaced by the learned null embedding
    // JSON: {"type", "timesteps", "shift", "logit_mean", "logit_std", "noise",
    //        "multires_strength", "p_drop"}; unknown keys are ignored.
    static ObjectiveConfig fromJson(const nlohmann::json& j, const std::string& subject);
    nlohmann::json toJson() const;
};

// u in [0, 1] per sample, 1 = pure noise. Uniform: u ~ U[0,1). Logit-normal (SD3):
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
};

// x₀ [B, C, h, w] clean mask latents; u [B] noise levels. For ε/v/x₀ the DDPM forward
// process of `schedule` at t = levelsToTimesteps(u); for flow σ = u, x_σ = (1−σ)x₀ + σε,
// target ε − x₀, timestep σ·T.
DiffusionTargets diffusionTargets(Objective o, const NoiseSchedule& schedule, const torch::Tensor& x0,
                                  const torch::Tensor& noise, const torch::Tensor& u);

// Discriminative baseline loss: BCE on logits plus soft Dice, against targets in [0, 1].
torch::Tensor bceDiceLoss(const torch::Tensor& logits, const torch::Tensor& target);

}  // namespace ld
