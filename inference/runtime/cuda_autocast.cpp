#include "inference/runtime/cuda_autocast.h"

#include "core/error.h"
#include "inference/runtime/device.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace ld {

// LibTorch 2.4 made autocast's state per device type; Debian's 1.13 has the CUDA-only calls.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define LD_AUTOCAST_PER_DEVICE 1
#endif

namespace {

bool cudaAutocastEnabled() {
#ifdef LD_AUTOCAST_PER_DEVICE
    return at::autocast::is_autocast_enabled(at::kCUDA);
#else
    return at::autocast::is_enabled();
#endif
}

void setCudaAutocast(bool enabled, c10::ScalarType dtype) {
#ifdef LD_AUTOCAST_PER_DEVICE
    at::autocast::set_autocast_enabled(at::kCUDA, enabled);
    at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

c10::ScalarType cudaAutocastDtype() {
#ifdef LD_AUTOCAST_PER_DEVICE
    return at::autocast::get_autocast_dtype(at::kCUDA);
#else
    return at::autocast::get_autocast_gpu_dtype();
#endif
}

}  // namespace

std::optional<c10::ScalarType> parseAutocast(const std::string& name) {
    if (name.empty() || name == "off") return std::nullopt;
    c10::ScalarType t;
    try {
        t = parseDType(name);
    } catch (const Error&) {
        throw Error("autocast", "'" + name + "' is not a precision: expected off, bf16 or fp16");
    }
    if (t != c10::kBFloat16 && t != c10::kHalf)
        throw Error("autocast", "'" + name + "' is not a reduced precision: expected off, bf16 or fp16");
    return t;
}

CudaAutocast::CudaAutocast(c10::Device device, std::optional<c10::ScalarType> dtype) {
    if (!dtype || !device.is_cuda()) return;
    wasEnabled_ = cudaAutocastEnabled();
    previousDtype_ = cudaAutocastDtype();
    setCudaAutocast(true, *dtype);
    at::autocast::increment_nesting();
    active_ = true;
}

CudaAutocast::~CudaAutocast() {
    if (!active_) return;
    // As torch.autocast's __exit__: the cast-weight cache lives until the outermost exit.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setCudaAutocast(wasEnabled_, previousDtype_);
}

}  // namespace ld
