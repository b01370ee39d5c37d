#include "inference/training/train_session.h"

#include "core/error.h"
#include "inference/runtime/device.h"
#include "inference/schedulers/flow_scheduler.h"
#include "inference/io/model_directory.h"
#include "inference/text/phrase_similarity.h"
#include "inference/pipeline/sampler.h"
#include "inference/runtime/gpu_arbiter.h"
#include "inference/training/checkpoints.h"
#include "inference/training/distributed.h"
#include "inference/training/trainable_parameters.h"

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>

namespace ld {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

uint64_t mixSeed(uint64_t a, uint64_t b) {
    uint64_t z = a * 0x9E3779B97F4A7C15ull + b * 0xD1B54A32D192ED03ull + 0x2545F4914F6CDD1Dull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) & 0x7FFFFFFFFFFFFFFFull;
}

std::string joined(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
}

}  // namespace

TrainSession::TrainSession(TrainConfig config, TrainProgressCallback progress, const CancelToken* cancel,
                           const std::string& resumeDir)
    : cfg_(std::move(config)),
      progress_(std::move(progress)),
      cancel_(cancel),
      resumeDir_(resumeDir),
      wallStart_(std::chrono::steady_clock::now()) {}

TrainSession::~TrainSession() = default;

double TrainSession::elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart_).count();
}

double TrainSession::totalWallSeconds() const { return elapsed() + resumed_.value("wall_seconds", 0.0); }

TrainProgress TrainSession::event(TrainEvent e) const {
    TrainProgress p;
    p.event = e;
    p.step = step_;
    p.steps = cfg_.steps;
    p.elapsed = elapsed();
    return p;
}

bool TrainSession::isRoot() const { return !parallel_ || parallel_->isRoot(); }

void TrainSession::report(const TrainProgress& p) {
    if (!isRoot()) return;  // one voice for the run: rank 0's
    if (log_) log_ << p.toJson().dump() << "\n" << std::flush;
    if (progress_) progress_(p);
}

void TrainSession::openModel() {
    if (!resumeDir_.empty()) {
        modelPath_ = resumeDir_;
    } else if (!cfg_.baseModel.empty()) {
        modelPath_ = cfg_.baseModel;
    } else {
        FromScratchSpec spec = cfg_.model;
        if (spec.phrases.empty()) spec.phrases = classes_;
        spec.seed = cfg_.seed;
        modelPath_ = (fs::path(cfg_.checkpointDir) / "initial").string();
        // The other ranks build the same seeded model where no other process writes (their
        // node may not even see the checkpoint folder); rank 0's weights replace it anyway.
        if (!isRoot())
            modelPath_ = (fs::temp_directory_path() / ("labeldiff-rank-" + std::to_string(parallel_->rank()) + "-" +
                                                       std::to_string(::getpid())))
                             .string();
        writeFromScratchModel(spec, modelPath_);
    }
    ModelDirectoryOptions mo;
    mo.device = device_;
    model_ = ModelDirectory::open(modelPath_, mo);
    if (!isRoot() && resumeDir_.empty() && cfg_.baseModel.empty()) fs::remove_all(modelPath_);  // open holds what it needs
    card_ = model_->card();
    if (!cfg_.baseModel.empty() && resumeDir_.empty())
        // The model manager and `inspect` show the description: a fine-tune that still called
        // itself "Facade parts (10 classes)" misled about what it segments.
        card_.description = "Fine-tuned from " + card_.name + " on " + joined(classes_) +
                            " (the card's \"training\" section has the data, recipe and steps). The base model: " +
                            card_.description;
    // The card says what the network now predicts, so that the sampler reads it right.
    const Objective objective = cfg_.objective.objective;
    if (objective == Objective::Flow) {
        card_.predictionType = PredictionType::Flow;
        card_.scheduler = "flow";
    } else if (objective != Objective::Discriminative) {
        card_.predictionType = predictionTypeOf(objective);
        card_.scheduler = "ddim";
        if (model_->schedulerConfig.is_object())
            model_->schedulerConfig["prediction_type"] = predictionTypeName(card_.predictionType);
    }
}

void TrainSession::loadData() {
    const int R = card_.resolution;
    const int cacheSide = std::max(R, int(std::lround(R * cfg_.data.cacheScale / 8.0)) * 8);
    trainData_ = loadLabelledImages(cfg_.data.train, classes_, cacheSide);
    trainIdx_ = trainingIndices(cfg_.data, trainData_.items.size(), cfg_.seed);
    // A split that kept every image for training has nothing to load at full size; only
    // rank 0 validates.
    if (isRoot() && (!cfg_.data.val.empty() || trainIdx_.size() < trainData_.items.size()))
        validationSplit(cfg_.data, cfg_.seed, valData_, valIdx_);
    valSubset_ = evenSubset(valIdx_, cfg_.data.valMaxImages);
}

void TrainSession::restore() {
    if (resumeDir_.empty()) return;
    const TrainingState s = readTrainingState(resumeDir_, ema_->enabled());
    for (auto p : optimizer_->parameters()) copyFromState(s.params, p.name, p.param, resumeDir_);
    optimizer_->loadState(s.optimizer, resumeDir_);
    ema_->loadState(s.ema, resumeDir_);
    resumed_ = s.info;
    step_ = resumed_.value("step", int64_t(0));
    losses_ = resumed_.value("losses", std::vector<double>{});
}

json TrainSession::provenance(int64_t step) const {
    json t = {{"trainer", "labeldiff Trainer"},
              {"objective", cfg_.objective.toJson()},
              {"steps", step},
              {"batch", cfg_.batch * cfg_.accumulate},
              {"seed", cfg_.seed},
              {"classes", classes_},
              {"data", cfg_.data.toJson()},
              {"base_model", cfg_.baseModel.empty() ? json("from scratch") : json(cfg_.baseModel)},
              {"wall_seconds", totalWallSeconds()}};
    if (!lastValidation_.is_null()) t["validation"] = lastValidation_;
    return t;
}

std::string TrainSession::saveCheckpoint(int64_t step) {
    const std::string dir = (fs::path(cfg_.checkpointDir) / checkpointName(step)).string();
    ModelCard c = card_;
    c.training = provenance(step);
    TrainingState s;
    s.params = parameterState(optimizer_->parameters());
    s.optimizer = optimizer_->state();
    s.ema = ema_->state();
    s.info = {{"step", step}, {"config", cfg_.raw}, {"wall_seconds", totalWallSeconds()}, {"losses", losses_}};
    {
        EmaWeights::Swap swap(*ema_);  // the checkpoint's model holds the EMA weights
        writeModelDirectory(*model_, c, dir, [&](const std::string& tmp) { writeTrainingState(tmp, s); });
    }
    pruneCheckpoints(cfg_.checkpointDir, cfg_.keepCheckpoints, modelPath_);
    result_.lastCheckpoint = dir;
    return dir;
}

// Scores the EMA weights, keeps the figures for the card's provenance and reports them.
EvalResult TrainSession::validate(const std::vector<size_t>& subset) {
    EvalResult r;
    PhraseSimilarity similarity;
    {
        EmaWeights::Swap swap(*ema_);
        torch::NoGradGuard ng;
        EvalOptions eo;
        eo.threshold = -1;
        eo.minAbsentAccuracy = cfg_.minAbsentAccuracy;
        r = evaluateModel(model_, valData_, subset, eo, nullptr);
        if (model_->textEncoder) similarity = measurePhraseSimilarity(*model_, classes_);
    }
    lastValidation_ = r.toJson();
    // What a person watching the run should act on, said plainly.
    json warnings = json::array();
    for (const auto& pair : similarity.above())
        warnings.push_back("phrases '" + pair.a + "' and '" + pair.b + "' are encoded " +
                           std::to_string(pair.cosine).substr(0, 5) + " alike (cosine): the model cannot tell them apart");
    if (step_ >= cfg_.warnZeroIouAfter)
        for (const auto& c : r.classes)
            if (c.present > 0 && c.tunedIou <= 0)
                warnings.push_back("class '" + c.name + "' is still at IoU 0 after " + std::to_string(step_) + " steps");
    if (!similarity.phrases.empty()) lastValidation_["phrase_similarity"] = similarity.toJson();
    lastValidation_["warnings"] = warnings;
    TrainProgress p = event(TrainEvent::Validation);
    p.metrics = lastValidation_;
    report(p);
    card_.classThresholds = r.tunedThresholds();
    card_.classPresence = r.tunedPresence();
    return r;
}

void TrainSession::trainStep() {
    ++step_;
    // Other programs come and go over an hour. Not under data parallelism: the ranks keep the
    // thread count they agreed on, so that they reduce (the gradient norm) bit for bit alike.
    if (device_.is_cpu() && !parallel_ && step_ % 50 == 0) adaptThreads();
    torch::manual_seed(mixSeed(cfg_.seed, uint64_t(step_)));
    const double lr = learningRate(cfg_, step_);
    optimizer_->zeroGrad();
    double stepLoss = 0;
    bool outOfMemory = false;
    try {
        for (int a = 0; a < cfg_.accumulate; ++a) {
            // Kept to the backward pass: the graph may hold views of its pixels.
            const TrainingBatch batch = queue_->next();
            auto loss = (*loss_)(batch) / double(cfg_.accumulate);
            loss.backward();
            stepLoss += loss.item<double>();
        }
    } catch (const std::exception& e) {
        if (!isOutOfMemory(e)) throw;
        outOfMemory = true;
    }
    if (parallel_) {
        // The whole batch's loss (each rank's is the mean of an equal share), and whether any
        // rank ran out of memory: then all stop here, instead of waiting for it in a collective.
        const auto summed = parallel_->sum({outOfMemory ? 0.0 : stepLoss, outOfMemory ? 1.0 : 0.0});
        stepLoss = summed[0] / parallel_->worldSize();
        outOfMemory = summed[1] > 0;
    }
    if (outOfMemory) {
        // The weights are still those after the previous step (forward and backward ran
        // out, not the update): keep them so that no work is lost.
        optimizer_->dropGrad();
        --step_;
        const std::string saved =
            isRoot() ? saveCheckpoint(step_) : (fs::path(cfg_.checkpointDir) / checkpointName(step_)).string();
        throw Error("training", "out of memory at step " + std::to_string(step_ + 1) + " (batch " +
                                    std::to_string(cfg_.batch) + "): the state after step " + std::to_string(step_) +
                                    " is in " + saved + "; resume from it with a smaller batch or a larger 'accumulate'");
    }
    if (parallel_) {
        std::vector<torch::Tensor> params;
        for (const auto& p : optimizer_->parameters()) params.push_back(p.param);
        parallel_->averageGradients(params);
    }
    if (!std::isfinite(stepLoss))
        throw Error("training", "the loss became " + std::to_string(stepLoss) + " at step " + std::to_string(step_));
    optimizer_->step(step_, lr);
    ema_->update(step_);
    losses_.push_back(stepLoss);
    result_.losses.push_back(stepLoss);
    result_.steps = step_;

    windowLoss_ += stepLoss;
    ++windowCount_;
    if (step_ % std::max<int64_t>(1, cfg_.logEvery) == 0 || step_ == cfg_.steps) {
        const auto now = std::chrono::steady_clock::now();
        TrainProgress p = event(TrainEvent::Step);
        p.loss = windowLoss_ / windowCount_;
        p.lr = lr;
        p.secondsPerStep = std::chrono::duration<double>(now - windowStart_).count() /
                           double(std::max<int64_t>(1, step_ - windowStartStep_));
        p.eta = p.secondsPerStep * double(cfg_.steps - step_);
        report(p);
        windowLoss_ = 0;
        windowCount_ = 0;
        windowStart_ = now;
        windowStartStep_ = step_;
    }
}

void TrainSession::writeFinalModel() {
    // Thresholds tuned on the whole validation set; the EMA weights.
    if (cfg_.finalValidation && !valIdx_.empty()) validate(valIdx_);
    ModelCard c = card_;
    c.training = provenance(step_);
    {
        EmaWeights::Swap swap(*ema_);
        writeModelDirectory(*model_, c, cfg_.output);
    }
    result_.output = cfg_.output;
    result_.validation = lastValidation_;
}

// The device, the card's lease and the ranks. False when a Stop came while the run waited
// for the card.
bool TrainSession::prepareDevice(GpuArbiter::Lease& gpu) {
    configureThreads(cfg_.threads);
    device_ = selectDevice(cfg_.device);
    const auto ranks = distributedSettingsFromEnvironment();  // launched as one of several processes
    if (ranks && device_.is_cuda() && !device_.has_index())   // one card per rank on its node
        device_ = c10::Device(c10::kCUDA, c10::DeviceIndex(ranks->localRank % std::max<int64_t>(
                                                               1, int64_t(torch::cuda::device_count()))));
    // The card is this run's while it lasts: inference in this process moves to the CPU
    // (GpuArbiter); if it will not, the run goes to the CPU and the Start event says why.
    GpuArbiter::TrainingOptions o;
    o.cancel = cancel_;
    try {
        gpu = GpuArbiter::process().acquireForTraining(device_.str(), o);
    } catch (const Cancelled&) {
        return false;
    }
    if (gpu.fellBack()) device_ = c10::Device(c10::kCPU);
    if (ranks) {
        // Fails before the wait for the others when the batch cannot be shared out.
        batchShare(cfg_.batch, cfg_.data.phrasesPerImage, ranks->rank, ranks->worldSize);
        parallel_ = std::make_unique<DataParallel>(*ranks, device_);
        // Rank 0's thread count on every rank: the same count reduces bit for bit alike.
        configureThreads(int(parallel_->sum({isRoot() ? double(at::get_num_threads()) : 0.0})[0]));
        result_.rank = parallel_->rank();
        result_.worldSize = parallel_->worldSize();
    }
    return true;
}

void TrainSession::startFromRootWeights(const std::vector<TrainableParameter>& params) {
    if (!parallel_) return;
    // Every rank starts from rank 0's weights, whatever each one read or built; a fresh run's
    // average starts there too (a resumed one read it from the same checkpoint).
    std::vector<torch::Tensor> tensors;
    for (const auto& p : params) tensors.push_back(p.param);
    parallel_->broadcast(tensors);
    if (resumeDir_.empty()) ema_->loadState(parameterState(params), "rank 0's weights");
}

void TrainSession::reportStart(const std::vector<TrainableParameter>& params, const std::string& deviceNote) {
    TrainProgress p = event(TrainEvent::Start);
    p.path = modelPath_;
    p.metrics = {{"train_images", trainIdx_.size()},
                 {"val_images", valIdx_.size()},
                 {"classes", classes_},
                 {"trainable_parameters", parameterCount(params)},
                 {"resolution", card_.resolution},
                 {"device", device_.str()},
                 {"threads", at::get_num_threads()},
                 {"ranks", result_.worldSize}};
    if (!deviceNote.empty()) p.metrics["device_note"] = deviceNote;
    report(p);
}

void TrainSession::startBatches() {
    // Each rank builds and trains on its share of every batch; the gradients are averaged, so
    // the steps are those of one process with the whole batch.
    const BatchShare share = parallel_ ? batchShare(cfg_.batch, cfg_.data.phrasesPerImage, parallel_->rank(),
                                                    parallel_->worldSize())
                                       : BatchShare{0, cfg_.batch};
    source_ = std::make_unique<BatchSource>(&trainData_, trainIdx_, cfg_.data, card_.resolution, cfg_.batch, cfg_.seed,
                                            share.first, share.count);
    queue_ = std::make_unique<PrefetchQueue>(*source_, step_ * cfg_.accumulate, cfg_.data.prefetch);
    windowStart_ = std::chrono::steady_clock::now();
    windowStartStep_ = step_;
}

TrainSession::Halt TrainSession::haltBeforeStep() const {
    bool stop = cancel_ && cancel_->cancelled();
    bool outOfTime = cfg_.timeLimitMinutes > 0 && elapsed() >= cfg_.timeLimitMinutes * 60.0;
    if (parallel_) {
        // All ranks leave at the same step (one that went on would wait in a collective): a
        // Stop or the time limit on any rank holds for all.
        const auto any = parallel_->sum({stop ? 1.0 : 0.0, outOfTime ? 1.0 : 0.0});
        stop = any[0] > 0;
        outOfTime = any[1] > 0;
    }
    return stop ? Halt::Stop : outOfTime ? Halt::OutOfTime : Halt::None;
}

void TrainSession::finish(bool cancelled) {
    if (cancelled) {
        if (isRoot() && result_.lastCheckpoint.find(checkpointName(step_)) == std::string::npos) saveCheckpoint(step_);
        result_.cancelled = true;
        TrainProgress p = event(TrainEvent::Cancelled);
        p.path = result_.lastCheckpoint;
        report(p);
    } else if (isRoot()) {
        writeFinalModel();
        TrainProgress p = event(TrainEvent::Done);
        p.path = cfg_.output;
        p.metrics = lastValidation_;
        report(p);
    }
    result_.wallSeconds = elapsed();
}

TrainResult TrainSession::run(int64_t stopAfter) {
    GpuArbiter::Lease gpu;  // held to the end of the run
    if (!prepareDevice(gpu)) {
        result_.cancelled = true;
        return result_;
    }
    if (isRoot()) {
        fs::create_directories(cfg_.checkpointDir);
        log_.open(cfg_.log, std::ios::app);  // a resumed run continues the same file
    }

    classes_ = cfg_.data.classes.empty() ? datasetClasses(cfg_.data.train) : cfg_.data.classes;
    if (classes_.empty()) throw Error("training data", "the training data has no categories");
    openModel();
    loadData();
    const auto params = trainableParameters(*model_, cfg_);
    optimizer_ = std::make_unique<AdamW>(
        params, AdamWOptions{cfg_.beta1, cfg_.beta2, cfg_.eps, cfg_.weightDecay, cfg_.clip});
    ema_ = std::make_unique<EmaWeights>(params, cfg_.ema);
    loss_ = std::make_unique<TrainingLoss>(*model_, cfg_);
    restore();
    startFromRootWeights(params);
    result_.steps = step_;
    reportStart(params, gpu.note());

    startBatches();
    bool cancelled = false;
    while (step_ < cfg_.steps) {
        const Halt halt = haltBeforeStep();
        if (halt == Halt::Stop) {
            cancelled = true;
            break;
        }
        if (halt == Halt::OutOfTime) {
            // Out of time: finish as at the last step (a checkpoint to go on from, the final model).
            if (isRoot() && result_.lastCheckpoint.find(checkpointName(step_)) == std::string::npos)
                saveCheckpoint(step_);
            result_.timeLimited = true;
            break;
        }
        trainStep();
        const bool stopping = stopAfter > 0 && step_ >= stopAfter;
        if (isRoot() && cfg_.validateEvery > 0 && step_ % cfg_.validateEvery == 0 && step_ < cfg_.steps &&
            !valSubset_.empty()) {
            validate(valSubset_);
            windowStart_ = std::chrono::steady_clock::now();  // validation time is not step time
        }
        if (isRoot() && ((cfg_.checkpointEvery > 0 && step_ % cfg_.checkpointEvery == 0) || stopping)) {
            TrainProgress p = event(TrainEvent::Checkpoint);
            p.path = saveCheckpoint(step_);
            report(p);
        }
        if (stopping) {
            cancelled = true;
            break;
        }
    }
    queue_.reset();
    finish(cancelled);
    return result_;
}

}  // namespace ld
