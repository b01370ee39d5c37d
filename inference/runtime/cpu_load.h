#pragma once
// How many cores other programs leave free, from the kernel's CPU accounting. The automatic
// thread policy (inference/runtime/device.h) asks it before each run: an OpenMP team larger than the
// free cores waits at every barrier for a descheduled member (7.9× slower beside two busy
// programs at 2 threads on 2 cores), while on an idle machine every core is worth using.
#include <cstdint>
#include <optional>

namespace ld {

struct CpuSample {
    uint64_t total = 0;  // every CPU's jiffies since boot (/proc/stat "cpu" line)
    uint64_t busy = 0;   // of which not idle and not waiting for I/O
    uint64_t own = 0;    // this process's user + system jiffies (/proc/self/stat)
    double seconds = 0;  // monotonic clock when taken
};

// Reads /proc/stat and /proc/self/stat; nullopt where they are missing or unreadable.
std::optional<CpuSample> takeCpuSample();

// Cores not used by other processes between two samples: `cores` minus the busy time of
// everyone but this process, in cores. Clamped to [0, cores]; `cores` when no time passed.
double freeCores(const CpuSample& before, const CpuSample& after, int cores);

}  // namespace ld
