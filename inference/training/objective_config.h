#pragma once
// Which training objective a run uses, as its config spells it: what the network predicts,
// how timesteps are drawn, which noise is added, and the loss terms' weights. Torch-free,
// so that the UI can hold a TrainConfig; the objectives themselves are in
// training_objectives.h.
#include "inference/io/model_card.h"

#include <nlohmann/json.hpp>

#include <string>

namespace ld {

enum class Objective { Epsilon, V, Sample, Flow, Discriminative };
std::string objectiveName(Objective o);           // "epsilon", "v_prediction", "sample", "flow", "discriminative"
Objective parseObjective(const std::string& s);   // also "v", "x0"; ld::Error otherwise
// What a network trained with `o` predicts (a discriminative one: its mask, as Sample).
PredictionType predictionTypeOf(Objective o);

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
    // Share of samples drawn at the last timestep (pure noise), on top of `timesteps`: a
    // one-step model only ever sees pure noise at inference, and samples near t = 0 let it
    // copy the mask from x_t without looking at the phrase.
    double terminalFraction = 0.0;
    // BCE + soft Dice between the decoded predicted mask x̂₀ and the true mask, added with
    // this weight: per-sample Dice gives a window the same say as a facade, where latent MSE
    // lets the largest class dominate.
    double maskLoss = 0.0;
    // Latent cells that hold foreground weigh this much more in the MSE (1 = plain MSE).
    double foregroundWeight = 1.0;
    // Keeps the text encoder's phrases apart: this weight times the mean over pairs of
    // distinct phrases in the batch of max(0, cos − separationMargin)².
    double phraseSeparation = 0.0;
    double separationMargin = 0.5;
    // JSON: {"type", "timesteps", "shift", "logit_mean", "logit_std", "noise",
    //        "multires_strength", "p_drop", "terminal_fraction", "mask_loss",
    //        "foreground_weight", "phrase_separation", "separation_margin"}; unknown keys are ignored.
    static ObjectiveConfig fromJson(const nlohmann::json& j, const std::string& subject);
    nlohmann::json toJson() const;
};

}  // namespace ld
