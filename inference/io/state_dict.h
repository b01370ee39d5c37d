#pragma once
// Loading named tensors into a module: every parameter and buffer checked by name and
// shape, and all mismatches reported at once.
#include "inference/io/safetensors.h"

#include <torch/nn/module.h>

#include <string>

namespace ld {

// Copies `tensors` into the parameters and buffers of `module` (converted to each
// parameter's dtype and device). Throws one ld::Error with subject `source` that lists
// every missing, unexpected and wrongly shaped tensor. With strict=false, unexpected
// tensors are ignored (missing and mis-shaped ones are still errors).
void loadStateDict(torch::nn::Module& module, const TensorMap& tensors,
                   const std::string& source, bool strict = true);

// All parameters and buffers by their dotted names (detached, same device/dtype).
TensorMap stateDict(const torch::nn::Module& module);

}  // namespace ld
