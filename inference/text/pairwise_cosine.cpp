#include "inference/text/pairwise_cosine.h"

#include <torch/torch.h>

namespace ld {

torch::Tensor pairwiseCosine(const torch::Tensor& encodings) {
    auto f = torch::nn::functional::normalize(encodings.flatten(1).to(torch::kFloat),
                                              torch::nn::functional::NormalizeFuncOptions().dim(1).eps(1e-8));
    return f.matmul(f.t());
}

}  // namespace ld
