#pragma once
// What a training run tells its caller as it goes (TrainProgress, one per event) and at
// the end (TrainResult). The events are also the run's JSON-lines log, one object a line.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ld {

enum class TrainEvent { Start, Step, Validation, Checkpoint, Done, Cancelled };
// "start", "step", "validation", "checkpoint", "done", "cancelled": the log's "event" field.
const char* trainEventName(TrainEvent e);

struct TrainProgress {
    TrainEvent event = TrainEvent::Step;
    int64_t step = 0, steps = 0;
    double loss = 0, lr = 0;        // Step: mean loss since the previous Step event
    double secondsPerStep = 0, elapsed = 0, eta = 0;
    std::string path;               // Start: the model trained; Checkpoint, Cancelled: the checkpoint; Done: the output
    // Start: data and model figures; Validation, Done: per-class IoU, "phrase_similarity", "warnings".
    nlohmann::json metrics;
    nlohmann::json toJson() const;
};
using TrainProgressCallback = std::function<void(const TrainProgress&)>;

struct TrainResult {
    int64_t steps = 0;            // the last completed step
    bool cancelled = false;
    bool timeLimited = false;     // stopped by time_limit_minutes (the model was still written)
    std::string lastCheckpoint;
    std::string output;           // empty when cancelled, and on every rank but 0 (which writes it)
    int rank = 0, worldSize = 1;  // this process in a data-parallel run
    std::vector<double> losses;   // per step of this run
    nlohmann::json validation;
    double wallSeconds = 0;
};

}  // namespace ld
