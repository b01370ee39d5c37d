#pragma once
// The loss of one training batch for the configured objective: images to latents (each
// image encoded once per batch; a frozen encoder on unaugmented data once per run), masks
// to latents through the model's codec, phrases to encodings with condition dropout,
// noise at GenMask/SD3/DiGSeg timesteps, one denoiser evaluation, and the extra terms
// (decoded-mask BCE + Dice, foreground weighting, phrase separation, codec reconstruction).
#include "inference/pipeline/mask_codec.h"
#include "inference/schedulers/noise_schedule.h"
#include "inference/training/training_data.h"
#include "inference/training/training_objectives.h"

#include <torch/types.h>

#include <map>
#include <memory>

namespace ld {

class ModelDirectory;
struct TrainConfig;

class TrainingLoss {
public:
    // `model` must outlive this object; its scheduler config gives T.
    TrainingLoss(ModelDirectory& model, const TrainConfig& config);

    // A scalar on the model's device, with the autograd graph of the trainable parameters.
    torch::Tensor operator()(const TrainingBatch& batch);

private:
    torch::Tensor imageLatents(const TrainingBatch& b, const torch::Tensor& images);

    ModelDirectory& model_;
    const ObjectiveConfig objective_;
    const int phrasesPerImage_;
    const int resolution_;
    torch::TensorOptions options_;
    std::unique_ptr<MaskCodec> codec_;
    NoiseSchedule schedule_;
    int numTrainTimesteps_ = 0;
    bool cacheLatents_ = false;
    std::map<size_t, torch::Tensor> latentCache_;  // by item index
};

}  // namespace ld
