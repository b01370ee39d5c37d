#include "inference/runtime/device.h"

#include "core/ascii_lower.h"
#include "core/error.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace ld {

bool cudaAvailable() { return torch::cuda::is_available(); }

c10::Device selectDevice(const std::string& request) {
    const std::string r = asciiLower(request);
    if (r.empty() || r == "auto") return cudaAvailable() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    if (r == "cpu") return c10::Device(c10::kCPU);
    if (r.rfind("cuda", 0) == 0) {
        int index = 0;
        if (r.size() > 4) {
            if (r[4] != ':' || r.size() == 5 ||
                !std::all_of(r.begin() + 5, r.end(), [](unsigned char c) { return std::isdigit(c); }))
                throw Error("--device " + request, "expected cpu, cuda, cuda:N or auto");
            index = std::atoi(r.c_str() + 5);
        }
        if (!cudaAvailable())
            throw Error("--device " + request,
                        "CUDA is not available (this LibTorch was built without CUDA, or no GPU/driver "
                        "is visible); use --device cpu");
        const int count = int(torch::cuda::device_count());
        if (index >= count)
            throw Error("--device " + request,
                        "there " + std::string(count == 1 ? "is " : "are ") + std::to_string(count) +
                            " CUDA device" + (count == 1 ? "" : "s"));
        return c10::Device(c10::kCUDA, c10::DeviceIndex(index));
    }
    throw Error("--device " + request, "expected cpu, cuda, cuda:N or auto");
}

std::string resolveDeviceName(const std::string& request) { return selectDevice(request).str(); }

c10::ScalarType parseDType(const std::string& name) {
    const std::string n = asciiLower(name);
    if (n == "fp32" || n == "float32" || n == "float" || n == "f32") return c10::kFloat;
    if (n == "bf16" || n == "bfloat16") return c10::kBFloat16;
    if (n == "fp16" || n == "float16" || n == "half" || n == "f16") return c10::kHalf;
    throw Error("--dtype " + name, "expected fp32, bf16 or fp16");
}

std::string dtypeName(c10::ScalarType type) {
    switch (type) {
        case c10::kFloat: return "fp32";
        case c10::kBFloat16: return "bf16";
        case c10::kHalf: return "fp16";
        case c10::kDouble: return "fp64";
        case c10::kLong: return "int64";
        default: return c10::toString(type);
    }
}

ComputeTarget selectCompute(const ComputeOptions& options) {
    ComputeTarget target;
    target.device = selectDevice(options.device);
    target.dtype = parseDType(options.dtype);
    if (target.device.is_cpu() && target.dtype == c10::kHalf)
        throw Error("--dtype " + options.dtype,
                    "fp16 is not supported on the CPU; use fp32 or bf16 there, or fp16 with --device cuda");
    configureThreads(options.threads);
    return target;
}

}  // namespace ld
