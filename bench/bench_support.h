#pragma once
// What every bench program needs: peak memory, the median of repeated timings, device
// synchronisation, and a same-run fp32 GEMM rate so that figures are stated as ratios
// against a baseline measured on the same (shared, noisy) machine.
#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

namespace ld::bench {

// VmHWM / VmRSS of this process in KiB (Linux), -1 elsewhere.
inline long procStatusKiB(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(field) + ":";
    while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
    return -1;
}

// Device-wide used CUDA memory through the driver API, found at run time so that the
// program builds and runs against CPU-only LibTorch. Includes the CUDA context and the
// caching allocator's reserve, which keeps the peak of the last forward pass.
inline double cudaUsedMiB() {
    static void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return -1;
    using MemGetInfo = int (*)(size_t*, size_t*);
    static auto fn = reinterpret_cast<MemGetInfo>(dlsym(lib, "cuMemGetInfo_v2"));
    if (!fn) return -1;
    size_t freeBytes = 0, totalBytes = 0;
    if (fn(&freeBytes, &totalBytes) != 0) return -1;
    return static_cast<double>(totalBytes - freeBytes) / (1024.0 * 1024.0);
}

inline void synchronize(const torch::Device& device) {
    if (device.is_cuda()) torch::cuda::synchronize();
}

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// fp32 GEMM throughput on the same device: the yardstick for the U-Net figure.
inline double matmulGflops(const torch::Device& device, int64_t n) {
    torch::NoGradGuard noGrad;
    auto opts = torch::TensorOptions().dtype(torch::kFloat).device(device);
    torch::Tensor a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts);
    torch::Tensor c = torch::mm(a, b);
    synchronize(device);
    std::vector<double> secs;
    for (int i = 0; i < 5; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        c = torch::mm(a, b);
        synchronize(device);
        secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return 2.0 * n * n * n / median(secs) / 1e9;
}

}  // namespace ld::bench
