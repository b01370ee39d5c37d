#pragma once
// Cosine similarity between every pair of encodings: what the trainer's phrase-separation
// loss pushes apart and what the phrase-similarity report shows.
#include <torch/types.h>

namespace ld {

// encodings [N, ...] (each flattened) → [N, N], float.
torch::Tensor pairwiseCosine(const torch::Tensor& encodings);

}  // namespace ld
