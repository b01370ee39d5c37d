#pragma once
// Mixed precision for a denoiser on CUDA: while a CudaAutocast lives, LibTorch's autocast
// runs matrix products and convolutions in bf16 or fp16 on fp32 weights (what training on
// a GPU wants: the optimiser keeps fp32 parameters). On the CPU it does nothing, so the
// CPU path stays bit-identical whatever is requested.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <optional>
#include <string>

namespace ld {

// "" or "off": none; "bf16" or "fp16" (parseDType's aliases too). ld::Error naming the
// value otherwise, or for fp32 (nothing to cast to).
std::optional<c10::ScalarType> parseAutocast(const std::string& name);

class CudaAutocast {
public:
    CudaAutocast(c10::Device device, std::optional<c10::ScalarType> dtype);
    ~CudaAutocast();
    CudaAutocast(const CudaAutocast&) = delete;
    CudaAutocast& operator=(const CudaAutocast&) = delete;

    bool active() const { return active_; }

private:
    bool active_ = false;
    bool wasEnabled_ = false;
    c10::ScalarType previousDtype_ = c10::kHalf;
};

}  // namespace ld
