#include "inference/runtime/threads.h"

#include "inference/runtime/cpu_load.h"

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
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

namespace ld {

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

}  // namespace ld
