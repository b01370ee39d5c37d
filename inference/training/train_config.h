#pragma once
// What a training run does, as the JSON config file spells it (`labeldiff-cli train --config`,
// the training panel): the model to start from, data, objective, optimiser, schedule of
// checkpoints and validation. Paths in the file are relative to the file's folder.
#include "inference/io/model_writer.h"
#include "inference/training/training_data.h"
#include "inference/training/objective_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ld {

struct TrainConfig {
    std::string output;            // the final model directory
    std::string checkpointDir;     // default: <output>.checkpoints
    std::string baseModel;         // fine-tune from this model directory; empty: from scratch
    FromScratchSpec model;         // used when baseModel is empty
    DataConfig data;
    ObjectiveConfig objective;
    int64_t steps = 1000;
    int batch = 8;
    int accumulate = 1;
    double lr = 1e-3, minLrRatio = 0.05, weightDecay = 0.01;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    int64_t warmup = 100;
    // The text encoder's learning rate as a multiple of lr: a from-scratch text encoder at the
    // U-Net's rate collapsed every phrase onto one encoding (facade-small, first version).
    double textLrScale = 1.0;
    double clip = 1.0;             // max gradient norm (<= 0: off)
    double ema = 0.999;            // EMA decay (0: off)
    std::vector<std::string> freeze;     // regexes over parameter names (unet.*, image_encoder.*, text_encoder.*)
    std::vector<std::string> trainOnly;  // when non-empty, only matching parameters train
    uint64_t seed = 0;
    int threads = 0;
    std::string device = "cpu";
    int64_t checkpointEvery = 200;
    int keepCheckpoints = 2;
    int64_t validateEvery = 0;     // 0: only at the end
    // A validation from this step on warns about every class still at IoU 0.
    int64_t warnZeroIouAfter = 500;
    int64_t logEvery = 10;
    std::string log;               // JSON-lines file; default <checkpointDir>/progress.jsonl
    bool finalValidation = true;
    // Validation tunes each class's (τ, presence gate) for the best mIoU among those that
    // answer "not here" on at least this share of the (image, absent class) pairs.
    double minAbsentAccuracy = 0.0;
    // Wall-clock budget of the whole run (loading and caching included); reached, the run
    // ends as at its last step, with a checkpoint and the final model. 0: none.
    double timeLimitMinutes = 0;
    nlohmann::json raw;            // the config as read, for provenance

    // Relative paths are resolved against baseDir (the config file's folder).
    static TrainConfig fromJson(const nlohmann::json& j, const std::string& baseDir, const std::string& subject);
    static TrainConfig fromFile(const std::string& path);
    nlohmann::json toJson() const;
};

// The learning rate at a step (1-based): linear warm-up, then cosine to lr·minLrRatio.
double learningRate(const TrainConfig& c, int64_t step);

}  // namespace ld
