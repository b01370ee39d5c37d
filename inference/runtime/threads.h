#pragma once
// How many threads LabelDiff's compute uses, in every pool it touches. Kept apart from
// device.h (c10 types) so that ui/ can set the policy without LibTorch's headers.

namespace ld {

// The process's one thread policy (every pool LabelDiff's compute touches):
// - LibTorch's intra-op pool: `requested`, or $LABELDIFF_THREADS, or else automatic: the
//   cores other programs left free (automaticThreadCount), chosen again before each run by
//   adaptThreads;
// - OpenBLAS (Debian's LibTorch runs its matrix products there): 1 thread. Its own pthread
//   pool busy-waits; beside two busy programs it made a denoising step 20–40× slower than
//   idle even at one intra-op thread (bench_sampler --busy);
// - LibTorch's inter-op pool: 1 (the sampler and trainer run one graph at a time);
// - OpenCV: the intra-op count;
// - and, once, the allocator policy (configureAllocator).
// Returns the intra-op count in effect for the calling thread.
int configureThreads(int requested = 0);
// Under the automatic policy, chooses the count again for the calling thread from the load
// since the previous choice (a no-op when the caller or $LABELDIFF_THREADS fixed it, or when
// under 0.25 s passed). The sampler calls it before each image, the trainer every 50 steps.
// Returns the count in effect.
int adaptThreads();
// glibc malloc keeps up to 64 MiB free at the top of a heap (M_TRIM_THRESHOLD) and serves
// blocks under 32 MiB from the heap (M_MMAP_THRESHOLD, glibc's own dynamic ceiling), so the
// activations a U-Net pass frees are reused by the next pass instead of being returned to
// the kernel and faulted back in, zero-filled, page by page. With glibc's defaults (the
// thresholds only grow when a large mmapped block happens to be freed) facade-small's
// forward took ~5,900 page faults and 2.2-2.9x the time (bench/pytorch/compare.py). Called
// by configureThreads; a no-op after the first call, without glibc, or when $MALLOC_* /
// $GLIBC_TUNABLES already choose. Returns whether it set the thresholds.
bool configureAllocator();
// The cores other programs left free since the previous call (the first call looks for
// 0.1 s), rounded down unless 0.8 of a core is free, between 1 and the hardware threads: on
// an idle 2-core machine 2 threads are 10–35 % faster than 1, beside two busy programs 1 is
// 4–8× faster than 2 (an OpenMP team waits at each barrier for its descheduled member).
int automaticThreadCount();
// LibTorch's intra-op thread count in effect for the calling thread.
int intraOpThreads();
// OpenBLAS's thread count in this process, or -1 when LibTorch does not use OpenBLAS.
int openBlasThreads();

}  // namespace ld
