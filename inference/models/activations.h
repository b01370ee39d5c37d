#pragma once
// The activation functions that diffusers/transformers configs name (`act_fn`,
// `hidden_act`), parsed once so a typo in a config is an error, not a silent default.
#include <torch/types.h>

#include <string>

namespace ld {

enum class Activation { SiLU, Mish, GELU, GELUTanh, ReLU, QuickGELU };

// "silu"/"swish", "mish", "gelu" (exact erf), "gelu_new"/"gelu_pytorch_tanh" (tanh
// approximation), "relu", "quick_gelu" (x * sigmoid(1.702 x)). Anything else throws
// ld::Error(subject, ...) naming `key`.
Activation parseActivation(const std::string& name, const std::string& key, const std::string& subject);
std::string activationName(Activation a);
torch::Tensor activate(Activation a, const torch::Tensor& x);

}  // namespace ld
