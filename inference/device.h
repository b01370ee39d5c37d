#pragma once
// Where tensors run and in which precision. CUDA when present, CPU otherwise; a request
// that cannot be met is an ld::Error that says why, never a silent fallback.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <exception>
#include <string>

namespace ld {

struct ComputeOptions {
    std::string device = "auto";  // "auto", "cpu", "cuda" or "cuda:N"
    std::string dtype = "fp32";   // "fp32", "bf16" or "fp16" (aliases: float32, bfloat16, float16, half)
    int threads = 0;              // intra-op CPU threads; 0 = $LABELDIFF_THREADS or hardware concurrency
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

// An allocation failure on any device: CUDA's "out of memory", the CPU allocator's
// "can't allocate memory", or std::bad_alloc.
bool isOutOfMemory(const std::exception& e);

// The process's one thread policy (every pool LabelDiff's compute touches):
// - LibTorch's intra-op pool: `requested`, or $LABELDIFF_THREADS, or defaultThreadCount();
// - OpenBLAS (Debian's LibTorch runs its matrix products there): 1 thread. Its own pthread
//   pool busy-waits; beside two busy programs it made a denoising step 20–40× slower than
//   idle even at one intra-op thread (bench_sampler --busy);
// - LibTorch's inter-op pool: 1 (the sampler and trainer run one graph at a time);
// - OpenCV: the intra-op count;
// - and, once, the allocator policy (configureAllocator).
// Returns the intra-op count in effect.
int configureThreads(int requested = 0);
// glibc malloc keeps up to 64 MiB free at the top of a heap (M_TRIM_THRESHOLD) and serves
// blocks under 32 MiB from the heap (M_MMAP_THRESHOLD, glibc's own dynamic ceiling), so the
// activations a U-Net pass frees are reused by the next pass instead of being returned to
// the kernel and faulted back in, zero-filled, page by page. With glibc's defaults (the
// thresholds only grow when a large mmapped block happens to be freed) facade-small's
// forward took ~5,900 page faults and 2.2-2.9x the time (bench/pytorch/compare.py). Called
// by configureThreads; a no-op after the first call, without glibc, or when $MALLOC_* /
// $GLIBC_TUNABLES already choose. Returns whether it set the thresholds.
bool configureAllocator();
// Half the hardware threads (the physical cores on an SMT machine), at least 1: beside a
// browser or a video call, one thread per core measured faster than all of them.
int defaultThreadCount();
// LibTorch's intra-op thread count in effect for the calling thread.
int intraOpThreads();
// OpenBLAS's thread count in this process, or -1 when LibTorch does not use OpenBLAS.
int openBlasThreads();

}  // namespace ld
