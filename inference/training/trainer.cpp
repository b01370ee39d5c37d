#include "inference/training/trainer.h"

#include "inference/training/train_session.h"

namespace ld {

Trainer::Trainer(TrainConfig config) : config_(std::move(config)) {}

TrainResult Trainer::run(const TrainProgressCallback& progress, const CancelToken* cancel, const std::string& resumeDir,
                         int64_t stopAfter) {
    return TrainSession(config_, progress, cancel, resumeDir).run(stopAfter);
}

}  // namespace ld
