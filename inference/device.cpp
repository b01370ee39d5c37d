#include "inference/device.h"

#include "core/ascii_lower.h"
#include "core/error.h"
#include "inference/cpu_load.h"

#include <ATen/Parallel.h>
#include <opencv2/core/utility.hpp>

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>

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

namespace {
// Whether the last configureThreads left the count to the load (no request, no variable).
std::atomic<bool> automaticPolicy{false};

void applyThreads(int n) {
    if (torch::get_num_threads() != n) torch::set_num_threads(n);
    cv::setNumThreads(n);
}
}  // namespace

int automaticThreadCount() {
    const int cores = std::max(1, int(std::thread::hardware_concurrency()));
    static std::mutex mutex;
    static std::optional<CpuSample> previous;
    static int chosen = 0;
    std::lock_guard<std::mutex> lock(mutex);
    auto now = takeCpuSample();
    if (!now) return chosen > 0 ? chosen : cores;  // no /proc: all cores, as LibTorch would
    if (!previous) {
        previous = now;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        now = takeCpuSample();
        if (!now) return chosen > 0 ? chosen : cores;
    }
    if (chosen > 0 && now->seconds - previous->seconds < 0.25) return chosen;
    const double free = freeCores(*previous, *now, cores);
    chosen = std::clamp(int(std::floor(free + 0.2)), 1, cores);
    previous = now;
    return chosen;
}

int intraOpThreads() { return at::get_num_threads(); }

int openBlasThreads() {
    using Get = int (*)();
    auto get = reinterpret_cast<Get>(::dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    return get ? get() : -1;
}

bool configureAllocator() {
#if defined(__GLIBC__)
    static const bool set = [] {
        // The user (or a preloaded allocator's wrapper) chose: leave it.
        for (const char* v : {"GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_"})
            if (std::getenv(v)) return false;
        constexpr int kMmapThreshold = 32 << 20;  // glibc's dynamic maximum (HEAP_MAX_SIZE / 2)
        constexpr int kTrimThreshold = 2 * kMmapThreshold;  // glibc's own rule: twice the mmap threshold
        const bool ok = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
        return mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1 && ok;
    }();
    return set;
#else
    return false;
#endif
}

int configureThreads(int requested) {
    configureAllocator();
    int n = requested;
    if (n <= 0) {
        if (const char* env = std::getenv("LABELDIFF_THREADS")) n = std::atoi(env);
    }
    automaticPolicy = n <= 0;
    if (n <= 0) n = automaticThreadCount();
    applyThreads(n);
    // Found at run time: LibTorch reaches OpenBLAS through libblas.so.3, whichever BLAS the
    // system's alternatives chose.
    using Set = void (*)(int);
    if (auto set = reinterpret_cast<Set>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads")); set && openBlasThreads() != 1)
        set(1);
    static std::once_flag interop;
    std::call_once(interop, [] {
        try {
            at::set_num_interop_threads(1);
        } catch (const std::exception&) {
            // The pool already ran something (a caller configured threads late): keep it.
        }
    });
    return n;
}

int adaptThreads() {
    if (!automaticPolicy) return intraOpThreads();
    const int n = automaticThreadCount();
    applyThreads(n);
    return n;
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

bool isOutOfMemory(const std::exception& e) {
    if (dynamic_cast<const std::bad_alloc*>(&e)) return true;
    const std::string what = e.what();
    return what.find("out of memory") != std::string::npos || what.find("can't allocate memory") != std::string::npos;
}

}  // namespace ld
