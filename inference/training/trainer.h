#pragma once
// The trainer: fine-tunes a model directory, or trains a small self-contained model from
// scratch, with any objective of training_objectives.h. AdamW with a cosine schedule and
// warm-up, gradient clipping and accumulation, EMA weights, fixed seeds (every step's
// randomness and batch are functions of (seed, step), so --resume continues exactly),
// freeze patterns, checkpoints every N steps written atomically as complete model
// directories (the EMA weights, plus training_state/ to resume from), validation every
// N steps (per-class IoU, mIoU, tuned per-class thresholds into the model card), JSON
// lines of progress. Qt-free: a plain progress callback and an ld::CancelToken, so the
// CLI and a GUI training panel drive it the same way. The run itself is a TrainSession.
#include "inference/training/train_config.h"
#include "inference/training/train_progress.h"

#include <cstdint>
#include <string>

namespace ld {

class CancelToken;

class Trainer {
public:
    explicit Trainer(TrainConfig config);
    // resumeDir: a checkpoint directory written by a previous run. stopAfter > 0 stops
    // (with a checkpoint) after that step, as an interruption would.
    TrainResult run(const TrainProgressCallback& progress = {}, const CancelToken* cancel = nullptr,
                    const std::string& resumeDir = {}, int64_t stopAfter = 0);
    const TrainConfig& config() const { return config_; }

private:
    TrainConfig config_;
};

}  // namespace ld
