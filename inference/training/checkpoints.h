#pragma once
// Checkpoints: complete model directories named step-NNNNNNN under the run's checkpoint
// folder, each with a training_state/ that --resume continues from exactly (raw weights,
// optimiser moments, EMA, step, config, losses so far).
#include "inference/io/safetensors.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace ld {

std::string checkpointName(int64_t step);  // "step-0000042"

struct TrainingState {
    nlohmann::json info;  // {"step", "config", "wall_seconds", "losses"}
    TensorMap params, optimizer, ema;
};

// ld::Error when `checkpointDir` is not a checkpoint. withEma: the run keeps an EMA.
TrainingState readTrainingState(const std::string& checkpointDir, bool withEma);
// Into `modelDir`/training_state/ (a model directory being written; files atomically).
void writeTrainingState(const std::string& modelDir, const TrainingState& state);

// Removes the oldest step-* directories of `dir` beyond the newest `keep` (<= 0: none
// removed), never the one equivalent to `spare` (the checkpoint a run resumed from: its
// frozen components are copied into every later checkpoint).
void pruneCheckpoints(const std::string& dir, int keep, const std::string& spare);

}  // namespace ld
