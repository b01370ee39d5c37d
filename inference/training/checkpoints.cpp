#include "inference/training/checkpoints.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <vector>

namespace ld {

namespace fs = std::filesystem;

std::string checkpointName(int64_t step) {
    std::ostringstream os;
    os << "step-" << std::setw(7) << std::setfill('0') << step;
    return os.str();
}

TrainingState readTrainingState(const std::string& checkpointDir, bool withEma) {
    const fs::path st = fs::path(checkpointDir) / "training_state";
    if (!fs::exists(st / "state.json"))
        throw Error(checkpointDir, "not a training checkpoint (no training_state/state.json)");
    TrainingState s;
    s.info = readJsonFile((st / "state.json").string());
    s.params = loadSafetensors((st / "params.safetensors").string());
    s.optimizer = loadSafetensors((st / "optimizer.safetensors").string());
    if (withEma) s.ema = loadSafetensors((st / "ema.safetensors").string());
    return s;
}

void writeTrainingState(const std::string& modelDir, const TrainingState& state) {
    const fs::path st = fs::path(modelDir) / "training_state";
    fs::create_directories(st);
    saveSafetensors((st / "params.safetensors").string(), state.params);
    saveSafetensors((st / "optimizer.safetensors").string(), state.optimizer);
    if (!state.ema.empty()) saveSafetensors((st / "ema.safetensors").string(), state.ema);
    writeFileAtomic((st / "state.json").string(), state.info.dump(1));
}

void pruneCheckpoints(const std::string& dir, int keep, const std::string& spare) {
    if (keep <= 0) return;
    std::vector<fs::path> old;
    std::error_code same;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_directory() && e.path().filename().string().rfind("step-", 0) == 0 &&
            !fs::equivalent(e.path(), spare, same))
            old.push_back(e.path());
    std::sort(old.begin(), old.end());
    for (size_t i = 0; i + size_t(keep) < old.size(); ++i) {
        std::error_code ec;
        fs::remove_all(old[i], ec);
    }
}

}  // namespace ld
