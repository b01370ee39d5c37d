#pragma once
// The device a request resolves to, by name: what ui/ needs to coordinate the GPU
// (inference/runtime/gpu_arbiter.h) without LibTorch's types in its headers.
#include <string>

namespace ld {

// "auto", "cpu", "cuda", "cuda:N" → "cpu" or "cuda:N"; the rules and errors of selectDevice
// (inference/runtime/device.h).
std::string resolveDeviceName(const std::string& request);

}  // namespace ld
