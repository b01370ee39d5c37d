#include "inference/runtime/cpu_load.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace ld {

std::optional<CpuSample> takeCpuSample() {
    CpuSample s;
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    std::ifstream stat("/proc/stat");
    std::string label;
    if (!(stat >> label) || label != "cpu") return std::nullopt;
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    uint64_t field[8] = {};
    for (auto& f : field)
        if (!(stat >> f)) return std::nullopt;
    for (uint64_t f : field) s.total += f;
    s.busy = s.total - field[3] - field[4];
    std::ifstream self("/proc/self/stat");
    std::string line;
    if (!std::getline(self, line)) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(close + 1));
    std::string skip;
    for (int i = 3; i <= 13; ++i) rest >> skip;  // state … cmajflt
    uint64_t utime = 0, stime = 0;
    if (!(rest >> utime >> stime)) return std::nullopt;
    s.own = utime + stime;
    return s;
}

double freeCores(const CpuSample& before, const CpuSample& after, int cores) {
    if (cores <= 0) return 0;
    if (after.total <= before.total) return cores;
    const double perCore = double(after.total - before.total) / cores;  // jiffies one core had
    const double busy = after.busy >= before.busy ? double(after.busy - before.busy) : 0;
    const double own = after.own >= before.own ? double(after.own - before.own) : 0;
    const double others = std::max(0.0, busy - own) / perCore;
    return std::clamp(cores - others, 0.0, double(cores));
}

}  // namespace ld
