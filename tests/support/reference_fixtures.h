#pragma once
// The reference-tiny fixtures (outputs of the official diffusers/transformers code) and
// the error measure the parity tests report.
#include <QString>

#include <torch/types.h>

namespace ld::test {

inline QString referenceDir() { return QStringLiteral(LABELDIFF_SHARED_DIR "/models/reference-tiny"); }

inline double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.to(torch::kFloat) - b.to(torch::kFloat)).abs().max().item<double>();
}

}  // namespace ld::test
