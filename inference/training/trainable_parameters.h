#pragma once
// Which of a model's parameters a run trains, and at what rate: every module the model
// directory built from memory (denoiser, image stem, text encoder with its null embedding,
// learned mask codec); pretrained autoencoders stay frozen; `freeze` and `train_only`
// regexes over the names choose further.
#include "inference/io/safetensors.h"

#include <torch/types.h>

#include <string>
#include <vector>

namespace ld {

class ModelDirectory;
struct TrainConfig;

struct TrainableParameter {
    std::string name;      // "<role>.<module path>", e.g. "unet.conv_in.weight", "text_encoder.null_embedding"
    torch::Tensor param;
    bool decay = true;     // weight decay: matrices and kernels only, never embeddings
    double lrScale = 1.0;  // the text encoder's TrainConfig::textLrScale
};

// Sets requires_grad on every parameter of `model` and returns those that train; ld::Error
// when everything is frozen. A text encoder without a null embedding (for condition
// dropout and guidance) gets one, initialised from the empty phrase.
std::vector<TrainableParameter> trainableParameters(ModelDirectory& model, const TrainConfig& cfg);

int64_t parameterCount(const std::vector<TrainableParameter>& params);

// Contiguous CPU copies of the parameters, by name (a checkpoint's raw weights).
TensorMap parameterState(const std::vector<TrainableParameter>& params);
// Copies state[key] into `into` (its device and dtype); ld::Error naming `subject` when absent.
void copyFromState(const TensorMap& state, const std::string& key, torch::Tensor& into, const std::string& subject);

}  // namespace ld
