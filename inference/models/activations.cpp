#include "inference/models/activations.h"

#include "core/enum_names.h"
#include "core/error.h"

#include <torch/torch.h>

namespace ld {

namespace {

const EnumName<Activation> kActivations[] = {
    {Activation::SiLU, "silu"},           {Activation::Mish, "mish"},          {Activation::GELU, "gelu"},
    {Activation::GELUTanh, "gelu_pytorch_tanh"}, {Activation::ReLU, "relu"}, {Activation::QuickGELU, "quick_gelu"},
    {Activation::SiLU, "swish"},          {Activation::GELUTanh, "gelu_new"}};

}  // namespace

Activation parseActivation(const std::string& name, const std::string& key, const std::string& subject) {
    return parseEnum(kActivations, name, subject, ("activation in '" + key + "'").c_str());
}

std::string activationName(Activation a) { return enumName(kActivations, a); }

torch::Tensor activate(Activation a, const torch::Tensor& x) {
    switch (a) {
        case Activation::SiLU: return torch::silu(x);
        case Activation::Mish: return torch::mish(x);
        case Activation::GELU: return torch::gelu(x);
        case Activation::GELUTanh: return torch::gelu(x, "tanh");
        case Activation::ReLU: return torch::relu(x);
        case Activation::QuickGELU: return x * torch::sigmoid(1.702 * x);
    }
    return x;
}

}  // namespace ld
