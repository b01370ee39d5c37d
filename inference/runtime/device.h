#pragma once
// Where tensors run and in which precision. CUDA when present, CPU otherwise; a request
// that cannot be met is an ld::Error that says why, never a silent fallback.
#include "inference/runtime/device_name.h"
#include "inference/runtime/out_of_memory.h"
#include "inference/runtime/threads.h"

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace ld {

struct ComputeOptions {
    std::string device = "auto";  // "auto", "cpu", "cuda" or "cuda:N"
    std::string dtype = "fp32";   // "fp32", "bf16" or "fp16" (aliases: float32, bfloat16, float16, half)
    int threads = 0;              // intra-op CPU threads; 0 = $LABELDIFF_THREADS or automatic (configureThreads)
};

struct ComputeTarget {
    c10::Device device{c10::kCPU};
    c10::ScalarType dtype = c10::kFloat;
};

bool cudaAvailable();

// "auto" picks CUDA when available. "cuda" without CUDA throws an ld::Error naming the
// option; so does an unknown name or a CUDA index beyond the visible devices.
c10::Device selectDevice(const std::string& request);

// Throws ld::Error for an unknown name.
c10::ScalarType parseDType(const std::string& name);
std::string dtypeName(c10::ScalarType type);  // "fp32", "bf16", "fp16", or torch's name

// Resolves device and dtype together: fp16 convolutions are not implemented on the CPU
// of every LibTorch version, so fp16 on CPU is refused with advice to use fp32 or bf16.
// Also sets the intra-op thread count (see configureThreads).
ComputeTarget selectCompute(const ComputeOptions& options);

}  // namespace ld
