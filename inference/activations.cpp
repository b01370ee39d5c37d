#include "inference/activations.h"

#include "core/error.h"

#include <torch/torch.h>

namespace ld {

Activation parseActivation(const std::string& name, const std::string& key, const std::string& subject) {
    if (name == "silu" || name == "swish") return Activation::SiLU;
    if (name == "mish") return Activation::Mish;
    if (name == "gelu") return Activation::GELU;
    if (name == "gelu_new" || name == "gelu_pytorch_tanh") return Activation::GELUTanh;
    if (name == "relu") return Activation::ReLU;
    if (name == "quick_gelu") return Activation::QuickGELU;
    throw Error(subject, "config key '" + key + "' names an unsupported activation '" + name +
                             "' (supported: silu, swish, mish, gelu, gelu_new, gelu_pytorch_tanh, relu, quick_gelu)");
}

std::string activationName(Activation a) {
    switch (a) {
        case Activation::SiLU: return "silu";
        case Activation::Mish: return "mish";
        case Activation::GELU: return "gelu";
        case Activation::GELUTanh: return "gelu_pytorch_tanh";
        case Activation::ReLU: return "relu";
        case Activation::QuickGELU: return "quick_gelu";
    }
    return "silu";
}

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
