#include "inference/training/objective_config.h"

#include "core/enum_names.h"
#include "core/error.h"

namespace ld {

namespace {

const EnumName<Objective> kObjectives[] = {
    {Objective::Epsilon, "epsilon"},        {Objective::V, "v_prediction"},       {Objective::Sample, "sample"},
    {Objective::Flow, "flow"},              {Objective::Discriminative, "discriminative"},
    {Objective::Epsilon, "eps"},            {Objective::V, "v"},                  {Objective::Sample, "x0"},
    {Objective::Flow, "rectified_flow"}};
const EnumName<TimestepSampling> kTimestepSamplings[] = {{TimestepSampling::Uniform, "uniform"},
                                                         {TimestepSampling::LogitNormal, "logit_normal"},
                                                         {TimestepSampling::LongTail, "long_tail"}};
const EnumName<NoiseKind> kNoiseKinds[] = {{NoiseKind::Gaussian, "gaussian"},
                                           {NoiseKind::MultiResolutionAnnealed, "multires_annealed"},
                                           {NoiseKind::MultiResolutionAnnealed, "multires"}};

}  // namespace

std::string objectiveName(Objective o) { return enumName(kObjectives, o); }
Objective parseObjective(const std::string& s) { return parseEnum(kObjectives, s, "objective", "objective"); }

PredictionType predictionTypeOf(Objective o) {
    switch (o) {
        case Objective::Epsilon: return PredictionType::Epsilon;
        case Objective::V: return PredictionType::V;
        case Objective::Flow: return PredictionType::Flow;
        case Objective::Sample:
        case Objective::Discriminative: return PredictionType::Sample;
    }
    return PredictionType::Sample;
}

std::string timestepSamplingName(TimestepSampling s) { return enumName(kTimestepSamplings, s); }
TimestepSampling parseTimestepSampling(const std::string& s) {
    return parseEnum(kTimestepSamplings, s, "objective", "timestep sampling");
}

std::string noiseKindName(NoiseKind k) { return enumName(kNoiseKinds, k); }
NoiseKind parseNoiseKind(const std::string& s) { return parseEnum(kNoiseKinds, s, "objective", "noise"); }

ObjectiveConfig ObjectiveConfig::fromJson(const nlohmann::json& j, const std::string& subject) {
    ObjectiveConfig c;
    if (j.is_null()) return c;
    if (!j.is_object()) throw Error(subject, "objective must be a JSON object");
    try {
        if (j.contains("type")) c.objective = parseObjective(j.at("type").get<std::string>());
        if (j.contains("timesteps")) c.timesteps = parseTimestepSampling(j.at("timesteps").get<std::string>());
        c.shift = j.value("shift", c.shift);
        c.logitMean = j.value("logit_mean", c.logitMean);
        c.logitStd = j.value("logit_std", c.logitStd);
        if (j.contains("noise")) c.noise = parseNoiseKind(j.at("noise").get<std::string>());
        c.multiresStrength = j.value("multires_strength", c.multiresStrength);
        c.conditionDropout = j.value("p_drop", c.conditionDropout);
        c.terminalFraction = j.value("terminal_fraction", c.terminalFraction);
        c.maskLoss = j.value("mask_loss", c.maskLoss);
        c.foregroundWeight = j.value("foreground_weight", c.foregroundWeight);
        c.phraseSeparation = j.value("phrase_separation", c.phraseSeparation);
        c.separationMargin = j.value("separation_margin", c.separationMargin);
    } catch (const nlohmann::json::exception& e) {
        throw Error(subject, std::string("bad objective: ") + e.what());
    } catch (const Error& e) {
        throw Error(subject, e.what());
    }
    if (!(c.shift > 0)) throw Error(subject, "objective.shift must be > 0");
    if (c.conditionDropout < 0 || c.conditionDropout > 1) throw Error(subject, "objective.p_drop must be in [0, 1]");
    if (c.terminalFraction < 0 || c.terminalFraction > 1)
        throw Error(subject, "objective.terminal_fraction must be in [0, 1]");
    if (c.maskLoss < 0 || c.phraseSeparation < 0) throw Error(subject, "objective.mask_loss and phrase_separation must be >= 0");
    if (!(c.foregroundWeight > 0)) throw Error(subject, "objective.foreground_weight must be > 0");
    if (c.separationMargin < -1 || c.separationMargin > 1) throw Error(subject, "objective.separation_margin must be in [-1, 1]");
    return c;
}

nlohmann::json ObjectiveConfig::toJson() const {
    return {{"type", objectiveName(objective)}, {"timesteps", timestepSamplingName(timesteps)},
            {"shift", shift},                    {"logit_mean", logitMean},
            {"logit_std", logitStd},             {"noise", noiseKindName(noise)},
            {"multires_strength", multiresStrength}, {"p_drop", conditionDropout},
            {"terminal_fraction", terminalFraction}, {"mask_loss", maskLoss},
            {"foreground_weight", foregroundWeight}, {"phrase_separation", phraseSeparation},
            {"separation_margin", separationMargin}};
}

}  // namespace ld
