#include "inference/training/train_config.h"

#include "core/error.h"
#include "core/json_read.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace ld {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string resolvePath(const std::string& p, const std::string& baseDir) {
    if (p.empty() || fs::path(p).is_absolute() || baseDir.empty()) return p;
    return (fs::path(baseDir) / p).lexically_normal().string();
}

}  // namespace

TrainConfig TrainConfig::fromJson(const json& j, const std::string& baseDir, const std::string& subject) {
    if (!j.is_object()) throw Error(subject, "a training config must be a JSON object");
    TrainConfig c;
    c.raw = j;
    try {
        c.output = resolvePath(j.value("output", std::string()), baseDir);
        c.checkpointDir = resolvePath(j.value("checkpoint_dir", std::string()), baseDir);
        c.baseModel = resolvePath(j.value("base_model", std::string()), baseDir);
        if (j.contains("model")) c.model = FromScratchSpec::fromJson(j.at("model"), subject + ": model", baseDir);
        if (!j.contains("data")) throw Error(subject, "no data section");
        c.data = DataConfig::fromJson(j.at("data"), baseDir, subject);
        c.objective = ObjectiveConfig::fromJson(j.value("objective", json()), subject);
        const json o = j.value("optim", json::object());
        c.steps = j.value("steps", c.steps);
        c.batch = j.value("batch", c.batch);
        c.accumulate = o.value("accumulate", j.value("accumulate", c.accumulate));
        c.lr = o.value("lr", c.lr);
        c.minLrRatio = o.value("min_lr_ratio", c.minLrRatio);
        c.weightDecay = o.value("weight_decay", c.weightDecay);
        c.beta1 = o.value("beta1", c.beta1);
        c.beta2 = o.value("beta2", c.beta2);
        c.eps = o.value("eps", c.eps);
        c.warmup = o.value("warmup", c.warmup);
        c.clip = o.value("clip", c.clip);
        c.textLrScale = o.value("text_lr_scale", c.textLrScale);
        c.ema = o.value("ema", c.ema);
        c.freeze = j.value("freeze", c.freeze);
        c.trainOnly = j.value("train_only", c.trainOnly);
        c.seed = j.value("seed", c.seed);
        c.threads = j.value("threads", c.threads);
        c.device = j.value("device", c.device);
        c.checkpointEvery = j.value("checkpoint_every", c.checkpointEvery);
        c.keepCheckpoints = j.value("keep_checkpoints", c.keepCheckpoints);
        c.validateEvery = j.value("validate_every", c.validateEvery);
        c.warnZeroIouAfter = j.value("warn_zero_iou_after", c.warnZeroIouAfter);
        c.logEvery = j.value("log_every", c.logEvery);
        c.log = resolvePath(j.value("log", std::string()), baseDir);
        c.finalValidation = j.value("final_validation", c.finalValidation);
        c.minAbsentAccuracy = j.value("min_absent_accuracy", c.minAbsentAccuracy);
        c.timeLimitMinutes = j.value("time_limit_minutes", c.timeLimitMinutes);
    } catch (const json::exception& e) {
        throw Error(subject, std::string("bad training config: ") + e.what());
    }
    if (c.output.empty()) throw Error(subject, "no output directory ('output')");
    if (c.checkpointDir.empty()) c.checkpointDir = c.output + ".checkpoints";
    if (c.log.empty()) c.log = (fs::path(c.checkpointDir) / "progress.jsonl").string();
    if (c.steps < 1 || c.batch < 1 || c.accumulate < 1) throw Error(subject, "steps, batch and accumulate must be >= 1");
    if (c.textLrScale < 0) throw Error(subject, "optim.text_lr_scale must be >= 0");
    if (!(c.minAbsentAccuracy >= 0 && c.minAbsentAccuracy <= 1)) throw Error(subject, "min_absent_accuracy must be in [0, 1]");
    if (!(c.timeLimitMinutes >= 0)) throw Error(subject, "time_limit_minutes must be >= 0");
    if (c.baseModel.empty() && c.objective.objective != Objective::Discriminative)
        c.model.prediction = predictionTypeOf(c.objective.objective);
    return c;
}

TrainConfig TrainConfig::fromFile(const std::string& path) {
    return fromJson(readJsonFile(path), fs::path(path).parent_path().string(), path);
}

json TrainConfig::toJson() const {
    return {{"output", output},
            {"checkpoint_dir", checkpointDir},
            {"base_model", baseModel},
            {"model", model.toJson()},
            {"data", data.toJson()},
            {"objective", objective.toJson()},
            {"steps", steps},
            {"batch", batch},
            {"optim",
             {{"accumulate", accumulate},
              {"lr", lr},
              {"min_lr_ratio", minLrRatio},
              {"weight_decay", weightDecay},
              {"beta1", beta1},
              {"beta2", beta2},
              {"eps", eps},
              {"warmup", warmup},
              {"clip", clip},
              {"text_lr_scale", textLrScale},
              {"ema", ema}}},
            {"freeze", freeze},
            {"train_only", trainOnly},
            {"seed", seed},
            {"threads", threads},
            {"device", device},
            {"checkpoint_every", checkpointEvery},
            {"keep_checkpoints", keepCheckpoints},
            {"validate_every", validateEvery},
            {"warn_zero_iou_after", warnZeroIouAfter},
            {"log_every", logEvery},
            {"log", log},
            {"final_validation", finalValidation},
            {"min_absent_accuracy", minAbsentAccuracy},
            {"time_limit_minutes", timeLimitMinutes}};
}

double learningRate(const TrainConfig& c, int64_t step) {
    if (c.warmup > 0 && step <= c.warmup) return c.lr * double(step) / double(c.warmup);
    const double span = double(std::max<int64_t>(1, c.steps - c.warmup));
    const double p = std::clamp(double(step - c.warmup) / span, 0.0, 1.0);
    const double lo = c.lr * c.minLrRatio;
    return lo + (c.lr - lo) * 0.5 * (1 + std::cos(M_PI * p));
}

}  // namespace ld
