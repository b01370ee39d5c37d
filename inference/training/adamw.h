#pragma once
// AdamW (decoupled weight decay) with gradient-norm clipping, over named parameters. The
// moments are keyed by parameter name so that a checkpoint restores them whatever order
// the modules list their parameters in.
#include "inference/io/safetensors.h"
#include "inference/training/trainable_parameters.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ld {

struct AdamWOptions {
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01;
    double clip = 1.0;  // max gradient norm (<= 0: off)
};

class AdamW {
public:
    AdamW(std::vector<TrainableParameter> params, AdamWOptions options);

    void zeroGrad();
    // One update at `step` (1-based, for the bias correction) with lr·lrScale per parameter;
    // parameters without a gradient are left as they are.
    void step(int64_t step, double lr);
    // Forgets the gradients of a step that could not finish (out of memory).
    void dropGrad();

    const std::vector<TrainableParameter>& parameters() const { return params_; }
    // Contiguous CPU copies: "m.<name>" and "v.<name>".
    TensorMap state() const;
    // ld::Error naming `subject` when a moment is missing.
    void loadState(const TensorMap& state, const std::string& subject);

private:
    std::vector<TrainableParameter> params_;
    AdamWOptions options_;
    std::vector<torch::Tensor> m_, v_;
};

}  // namespace ld
