#pragma once
// One training run from its config: opens (or creates) the model, loads the data and the
// validation split, builds the optimiser and EMA, resumes from a checkpoint, then steps,
// validates, checkpoints and writes the final model, reporting each event. Trainer::run is
// its public face; the members are the run's state, so each part is a function of its own.
#include "inference/io/model_card.h"
#include "inference/runtime/gpu_arbiter.h"
#include "inference/training/adamw.h"
#include "inference/training/ema_weights.h"
#include "inference/training/train_config.h"
#include "inference/training/train_progress.h"
#include "inference/training/training_data.h"
#include "inference/training/training_eval.h"
#include "inference/training/training_loss.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ld {

class CancelToken;
class DataParallel;
class ModelDirectory;

class TrainSession {
public:
    // resumeDir: a checkpoint of an earlier run with the same config, or empty.
    TrainSession(TrainConfig config, TrainProgressCallback progress, const CancelToken* cancel,
                 const std::string& resumeDir);
    ~TrainSession();
    // stopAfter > 0 stops (with a checkpoint) after that step, as an interruption would.
    TrainResult run(int64_t stopAfter = 0);

private:
    void openModel();
    void loadData();
    void restore();
    void trainStep();  // one optimiser step over `accumulate` batches
    EvalResult validate(const std::vector<size_t>& subset);
    std::string saveCheckpoint(int64_t step);
    void writeFinalModel();
    nlohmann::json provenance(int64_t step) const;
    double elapsed() const;
    double totalWallSeconds() const;  // this run's and the earlier runs' it resumed
    TrainProgress event(TrainEvent e) const;
    void report(const TrainProgress& p);
    // Rank 0 of a data-parallel run, or the only process: it writes, validates and reports.
    bool isRoot() const;
    bool prepareDevice(GpuArbiter::Lease& gpu);  // the device, the card, the ranks
    void startFromRootWeights(const std::vector<TrainableParameter>& params);
    void reportStart(const std::vector<TrainableParameter>& params, const std::string& deviceNote);
    void startBatches();  // this rank's share of every batch, from the current step
    enum class Halt { None, Stop, OutOfTime };
    Halt haltBeforeStep() const;  // agreed by every rank
    void finish(bool cancelled);  // the last checkpoint or the final model, the last event

    const TrainConfig cfg_;
    const TrainProgressCallback progress_;
    const CancelToken* cancel_;
    const std::string resumeDir_;
    const std::chrono::steady_clock::time_point wallStart_;
    c10::Device device_{c10::kCPU};
    std::unique_ptr<DataParallel> parallel_;  // none in a single process
    std::ofstream log_;

    std::vector<std::string> classes_;
    std::string modelPath_;  // the directory the run started from
    std::shared_ptr<ModelDirectory> model_;
    ModelCard card_;
    nlohmann::json resumed_ = nlohmann::json::object();  // the checkpoint's state.json; {} for a fresh run

    LabelledImages trainData_, valData_;
    std::vector<size_t> trainIdx_, valIdx_, valSubset_;

    std::unique_ptr<AdamW> optimizer_;
    std::unique_ptr<EmaWeights> ema_;
    std::unique_ptr<TrainingLoss> loss_;
    std::unique_ptr<BatchSource> source_;
    std::unique_ptr<PrefetchQueue> queue_;  // its thread reads source_: declared after it, so destroyed first

    int64_t step_ = 0;
    std::vector<double> losses_;  // every step since the first run's start
    nlohmann::json lastValidation_;
    TrainResult result_;
    // The Step event's window: the mean loss and speed since the previous one.
    double windowLoss_ = 0;
    int windowCount_ = 0;
    std::chrono::steady_clock::time_point windowStart_;
    int64_t windowStartStep_ = 0;
};

}  // namespace ld
