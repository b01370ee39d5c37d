#include "inference/trainer.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "inference/clip_text_model.h"
#include "inference/conditioning.h"
#include "inference/device.h"
#include "inference/flow_scheduler.h"
#include "inference/mask_codec.h"
#include "inference/model_directory.h"
#include "inference/noise_schedule.h"
#include "inference/phrase_similarity.h"
#include "inference/safetensors.h"
#include "inference/sampler.h"
#include "inference/space_to_depth_stem.h"
#include "inference/training_eval.h"
#include "inference/autoencoder_kl.h"
#include "inference/tiny_autoencoder.h"
#include "inference/unet.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <regex>
#include <sstream>

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

std::string resolvePath(const std::string& p, const std::string& baseDir) {
    if (p.empty() || fs::path(p).is_absolute() || baseDir.empty()) return p;
    return (fs::path(baseDir) / p).lexically_normal().string();
}

struct NamedParam {
    std::string name;
    torch::Tensor param;
    bool decay = true;
    double lrScale = 1.0;
};

std::string checkpointName(int64_t step) {
    std::ostringstream os;
    os << "step-" << std::setw(7) << std::setfill('0') << step;
    return os.str();
}

}  // namespace

json TrainProgress::toJson() const {
    json j = {{"event", event},     {"step", step},
              {"steps", steps},     {"loss", loss},
              {"lr", lr},           {"seconds_per_step", secondsPerStep},
              {"elapsed_s", elapsed}, {"eta_s", eta}};
    if (!path.empty()) j["path"] = path;
    if (!metrics.is_null()) j["metrics"] = metrics;
    return j;
}

TrainConfig TrainConfig::fromJson(const json& j, const std::string& baseDir, const std::string& subject) {
    if (!j.is_object()) throw Error(subject, "a training config must be a JSON object");
    TrainConfig c;
    c.raw = j;
    try {
        c.output = resolvePath(j.value("output", std::string()), baseDir);
        c.checkpointDir = resolvePath(j.value("checkpoint_dir", std::string()), baseDir);
        c.baseModel = resolvePath(j.value("base_model", std::string()), baseDir);
        if (j.contains("model")) c.model = FromScratchSpec::fromJson(j.at("model"), subject + ": model", baseDir);
        if (!j.contains("data")) throw Error(subject, "no data section");
        c.data = DataConfig::fromJson(j.at("data"), baseDir, subject);
        c.objective = ObjectiveConfig::fromJson(j.value("objective", json()), subject);
        const json o = j.value("optim", json::object());
        c.steps = j.value("steps", c.steps);
        c.batch = j.value("batch", c.batch);
        c.accumulate = o.value("accumulate", j.value("accumulate", c.accumulate));
        c.lr = o.value("lr", c.lr);
        c.minLrRatio = o.value("min_lr_ratio", c.minLrRatio);
        c.weightDecay = o.value("weight_decay", c.weightDecay);
        c.beta1 = o.value("beta1", c.beta1);
        c.beta2 = o.value("beta2", c.beta2);
        c.eps = o.value("eps", c.eps);
        c.warmup = o.value("warmup", c.warmup);
        c.clip = o.value("clip", c.clip);
        c.textLrScale = o.value("text_lr_scale", c.textLrScale);
        c.ema = o.value("ema", c.ema);
        c.freeze = j.value("freeze", c.freeze);
        c.trainOnly = j.value("train_only", c.trainOnly);
        c.seed = j.value("seed", c.seed);
        c.threads = j.value("threads", c.threads);
        c.device = j.value("device", c.device);
        c.checkpointEvery = j.value("checkpoint_every", c.checkpointEvery);
        c.keepCheckpoints = j.value("keep_checkpoints", c.keepCheckpoints);
        c.validateEvery = j.value("validate_every", c.validateEvery);
        c.warnZeroIouAfter = j.value("warn_zero_iou_after", c.warnZeroIouAfter);
        c.logEvery = j.value("log_every", c.logEvery);
        c.log = resolvePath(j.value("log", std::string()), baseDir);
        c.finalValidation = j.value("final_validation", c.finalValidation);
        c.minAbsentAccuracy = j.value("min_absent_accuracy", c.minAbsentAccuracy);
        c.timeLimitMinutes = j.value("time_limit_minutes", c.timeLimitMinutes);
    } catch (const json::exception& e) {
        throw Error(subject, std::string("bad training config: ") + e.what());
    }
    if (c.output.empty()) throw Error(subject, "no output directory ('output')");
    if (c.checkpointDir.empty()) c.checkpointDir = c.output + ".checkpoints";
    if (c.log.empty()) c.log = (fs::path(c.checkpointDir) / "progress.jsonl").string();
    if (c.steps < 1 || c.batch < 1 || c.accumulate < 1) throw Error(subject, "steps, batch and accumulate must be >= 1");
    if (c.textLrScale < 0) throw Error(subject, "optim.text_lr_scale must be >= 0");
    if (!(c.minAbsentAccuracy >= 0 && c.minAbsentAccuracy <= 1)) throw Error(subject, "min_absent_accuracy must be in [0, 1]");
    if (!(c.timeLimitMinutes >= 0)) throw Error(subject, "time_limit_minutes must be >= 0");
    if (c.baseModel.empty() && c.objective.objective == Objective::Flow) c.model.prediction = PredictionType::Flow;
    if (c.baseModel.empty() && c.objective.objective != Objective::Flow &&
        c.objective.objective != Objective::Discriminative)
        c.model.prediction = c.objective.objective == Objective::Epsilon ? PredictionType::Epsilon
                             : c.objective.objective == Objective::V     ? PredictionType::V
                                                                         : PredictionType::Sample;
    return c;
}

TrainConfig TrainConfig::fromFile(const std::string& path) {
    return fromJson(readJsonFile(path), fs::path(path).parent_path().string(), path);
}

json TrainConfig::toJson() const {
    return {{"output", output},
            {"checkpoint_dir", checkpointDir},
            {"base_model", baseModel},
            {"model", model.toJson()},
            {"data", data.toJson()},
            {"objective", objective.toJson()},
            {"steps", steps},
            {"batch", batch},
            {"optim",
             {{"accumulate", accumulate},
              {"lr", lr},
              {"min_lr_ratio", minLrRatio},
              {"weight_decay", weightDecay},
              {"beta1", beta1},
              {"beta2", beta2},
              {"eps", eps},
              {"warmup", warmup},
              {"clip", clip},
              {"text_lr_scale", textLrScale},
              {"ema", ema}}},
            {"freeze", freeze},
            {"train_only", trainOnly},
            {"seed", seed},
            {"threads", threads},
            {"device", device},
            {"checkpoint_every", checkpointEvery},
            {"keep_checkpoints", keepCheckpoints},
            {"validate_every", validateEvery},
            {"warn_zero_iou_after", warnZeroIouAfter},
            {"log_every", logEvery},
            {"log", log},
            {"final_validation", finalValidation},
            {"min_absent_accuracy", minAbsentAccuracy},
            {"time_limit_minutes", timeLimitMinutes}};
}

double Trainer::learningRate(const TrainConfig& c, int64_t step) {
    if (c.warmup > 0 && step <= c.warmup) return c.lr * double(step) / double(c.warmup);
    const double span = double(std::max<int64_t>(1, c.steps - c.warmup));
    const double p = std::clamp(double(step - c.warmup) / span, 0.0, 1.0);
    const double lo = c.lr * c.minLrRatio;
    return lo + (c.lr - lo) * 0.5 * (1 + std::cos(M_PI * p));
}

Trainer::Trainer(TrainConfig config) : config_(std::move(config)) {}

TrainResult Trainer::run(const TrainProgressCallback& progress, const CancelToken* cancel, const std::string& resumeDir,
                         int64_t stopAfter) {
    const TrainConfig& cfg = config_;
    const auto wallStart = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count(); };
    configureThreads(cfg.threads);
    const c10::Device device = selectDevice(cfg.device);
    fs::create_directories(cfg.checkpointDir);

    // Progress as JSON lines (appended, so a resumed run continues the same file).
    std::ofstream log(cfg.log, std::ios::app);
    auto report = [&](const TrainProgress& p) {
        if (log) log << p.toJson().dump() << "\n" << std::flush;
        if (progress) progress(p);
    };

    // Classes and data.
    std::vector<std::string> classes = cfg.data.classes.empty() ? datasetClasses(cfg.data.train) : cfg.data.classes;
    if (classes.empty()) throw Error("training data", "the training data has no categories");

    // The model directory to train in place.
    std::string modelPath;
    json state = json::object();
    if (!resumeDir.empty()) {
        const fs::path sp = fs::path(resumeDir) / "training_state" / "state.json";
        if (!fs::exists(sp)) throw Error(resumeDir, "not a training checkpoint (no training_state/state.json)");
        state = readJsonFile(sp.string());
        modelPath = resumeDir;
    } else if (!cfg.baseModel.empty()) {
        modelPath = cfg.baseModel;
    } else {
        FromScratchSpec spec = cfg.model;
        if (spec.phrases.empty()) spec.phrases = classes;
        spec.seed = cfg.seed;
        modelPath = (fs::path(cfg.checkpointDir) / "initial").string();
        writeFromScratchModel(spec, modelPath);
    }
    ModelDirectoryOptions mo;
    mo.device = device;
    auto model = ModelDirectory::open(modelPath, mo);
    ModelCard card = model->card();
    if (!cfg.baseModel.empty() && resumeDir.empty()) {
        // The model manager and `inspect` show the description: a fine-tune that still called
        // itself "Facade parts (10 classes)" misled about what it segments.
        std::string names;
        for (const auto& c : classes) names += (names.empty() ? "" : ", ") + c;
        card.description = "Fine-tuned from " + card.name + " on " + names +
                           " (the card's \"training\" section has the data, recipe and steps). The base model: " +
                           card.description;
    }
    const int R = card.resolution;
    auto codec = maskCodecFor(*model);
    const Objective objective = cfg.objective.objective;
    const bool flow = objective == Objective::Flow;
    NoiseSchedule schedule(NoiseScheduleConfig::fromJson(model->schedulerConfig, modelPath + "/scheduler"));
    const int T = flow ? FlowSchedulerConfig::fromJson(model->schedulerConfig, modelPath).numTrainTimesteps
                       : schedule.numTrainTimesteps();
    if (objective != Objective::Discriminative && !flow) {
        const PredictionType want = objective == Objective::Epsilon ? PredictionType::Epsilon
                                    : objective == Objective::V     ? PredictionType::V
                                                                    : PredictionType::Sample;
        card.predictionType = want;
        card.scheduler = "ddim";
        json& sc = model->schedulerConfig;
        if (sc.is_object()) sc["prediction_type"] = predictionTypeName(want);
    } else if (flow) {
        card.predictionType = PredictionType::Flow;
        card.scheduler = "flow";
    }

    const int cacheSide = std::max(R, int(std::lround(R * cfg.data.cacheScale / 8.0)) * 8);
    LabelledImages trainData = loadLabelledImages(cfg.data.train, classes, cacheSide);
    std::vector<size_t> trainIdx, valIdx;
    LabelledImages valData;
    if (!cfg.data.val.empty()) {
        for (size_t i = 0; i < trainData.items.size(); ++i) trainIdx.push_back(i);
        valData = loadLabelledImages(cfg.data.val, classes, 0);
        for (size_t i = 0; i < valData.items.size(); ++i) valIdx.push_back(i);
    } else {
        splitIndices(trainData.items.size(), cfg.data.valFraction, cfg.seed, trainIdx, valIdx);
        if (!valIdx.empty()) valData = loadLabelledImages(cfg.data.train, classes, 0);
    }
    std::vector<size_t> valSubset = valIdx;
    if (cfg.data.valMaxImages > 0 && int(valSubset.size()) > cfg.data.valMaxImages) {
        std::vector<size_t> s;
        const double stride = double(valSubset.size()) / cfg.data.valMaxImages;
        for (int i = 0; i < cfg.data.valMaxImages; ++i) s.push_back(valSubset[size_t(i * stride)]);
        valSubset = s;
    }
    BatchSource source(&trainData, trainIdx, cfg.data, R, cfg.batch, cfg.seed);

    // Parameters: every module the directory built from memory; pretrained autoencoders stay frozen.
    std::vector<NamedParam> params;
    auto addModule = [&](const std::string& prefix, torch::nn::Module& m) {
        for (const auto& kv : m.named_parameters(true)) {
            NamedParam p{prefix + kv.key(), kv.value(), kv.value().dim() >= 2};
            if (p.name.find("embedding") != std::string::npos) p.decay = false;
            params.push_back(p);
        }
    };
    addModule(denoiserRole(*model) + ".", denoiserModule(*model));
    if (model->stem) addModule("image_encoder.", *model->stem);
    if (model->textEncoder) {
        addModule("text_encoder.", *model->textEncoder);
        if (!model->textEncoder->hasNullEmbedding())
            model->textEncoder->initNullEmbeddingFromIds(tokenizePhrases(*model, {""}).to(device));
        params.push_back({"text_encoder.null_embedding", model->textEncoder->mutableNullEmbedding(), false});
    }
    if (model->maskProjection) addModule("mask_codec.", *model->maskProjection);
    if (model->vae)
        for (auto& p : model->vae->parameters()) p.set_requires_grad(false);
    if (model->tinyAutoencoder) {
        for (auto& p : model->tinyAutoencoder->encoder().parameters()) p.set_requires_grad(false);
        for (auto& p : model->tinyAutoencoder->decoder().parameters()) p.set_requires_grad(false);
    }
    std::vector<std::regex> freeze, only;
    for (const auto& f : cfg.freeze) freeze.emplace_back(f);
    for (const auto& f : cfg.trainOnly) only.emplace_back(f);
    std::vector<NamedParam> trainable;
    for (auto& p : params) {
        bool train = only.empty();
        for (const auto& r : only) train = train || std::regex_search(p.name, r);
        for (const auto& r : freeze) train = train && !std::regex_search(p.name, r);
        p.param.set_requires_grad(train);
        if (p.name.rfind("text_encoder.", 0) == 0) p.lrScale = cfg.textLrScale;
        if (train) trainable.push_back(p);
    }
    if (trainable.empty()) throw Error("training config", "every parameter is frozen");

    // Optimizer and EMA state, by parameter name.
    TensorMap adamM, adamV, ema;
    {
        torch::NoGradGuard ng;
        for (const auto& p : trainable) {
            adamM[p.name] = torch::zeros_like(p.param);
            adamV[p.name] = torch::zeros_like(p.param);
            if (cfg.ema > 0) ema[p.name] = p.param.detach().clone();
        }
    }
    int64_t startStep = 0;
    std::vector<double> priorLosses;
    if (!resumeDir.empty()) {
        const fs::path st = fs::path(resumeDir) / "training_state";
        TensorMap raw = loadSafetensors((st / "params.safetensors").string());
        TensorMap opt = loadSafetensors((st / "optimizer.safetensors").string());
        TensorMap em = cfg.ema > 0 ? loadSafetensors((st / "ema.safetensors").string()) : TensorMap{};
        torch::NoGradGuard ng;
        for (const auto& p : trainable) {
            auto take = [&](const TensorMap& m, const std::string& key) {
                auto it = m.find(key);
                if (it == m.end()) throw Error(resumeDir, "training state lacks " + key);
                return it->second.to(p.param.device(), p.param.scalar_type());
            };
            p.param.copy_(take(raw, p.name));
            adamM[p.name].copy_(take(opt, "m." + p.name));
            adamV[p.name].copy_(take(opt, "v." + p.name));
            if (cfg.ema > 0) ema[p.name].copy_(take(em, p.name));
        }
        startStep = state.value("step", int64_t(0));
    }

    auto swapEma = [&](std::vector<torch::Tensor>& backup) {
        torch::NoGradGuard ng;
        if (cfg.ema <= 0) return;
        backup.clear();
        for (const auto& p : trainable) {
            backup.push_back(p.param.detach().clone());
            p.param.copy_(ema[p.name]);
        }
    };
    auto restoreRaw = [&](std::vector<torch::Tensor>& backup) {
        torch::NoGradGuard ng;
        if (cfg.ema <= 0) return;
        for (size_t i = 0; i < trainable.size(); ++i) trainable[i].param.copy_(backup[i]);
        backup.clear();
    };

    json lastValidation;
    auto provenance = [&](int64_t step) {
        json t = {{"trainer", "labeldiff Trainer"},
                  {"objective", cfg.objective.toJson()},
                  {"steps", step},
                  {"batch", cfg.batch * cfg.accumulate},
                  {"seed", cfg.seed},
                  {"classes", classes},
                  {"data", cfg.data.toJson()},
                  {"base_model", cfg.baseModel.empty() ? json("from scratch") : json(cfg.baseModel)},
                  {"wall_seconds", elapsed() + state.value("wall_seconds", 0.0)}};
        if (!lastValidation.is_null()) t["validation"] = lastValidation;
        return t;
    };

    auto saveCheckpoint = [&](int64_t step, const std::vector<double>& losses) {
        const std::string dir = (fs::path(cfg.checkpointDir) / checkpointName(step)).string();
        ModelCard c = card;
        c.training = provenance(step);
        TensorMap raw, opt;
        for (const auto& p : trainable) {
            raw[p.name] = p.param.detach();
            opt["m." + p.name] = adamM[p.name];
            opt["v." + p.name] = adamV[p.name];
        }
        TensorMap rawCpu, optCpu, emaCpu;
        // Copies (on the CPU .to() would alias the live parameters, which the EMA swap overwrites).
        for (auto& [k, v] : raw) rawCpu[k] = v.to(torch::kCPU).clone().contiguous();
        for (auto& [k, v] : opt) optCpu[k] = v.to(torch::kCPU).clone().contiguous();
        for (auto& [k, v] : ema) emaCpu[k] = v.to(torch::kCPU).clone().contiguous();
        std::vector<torch::Tensor> backup;
        swapEma(backup);
        try {
            writeModelDirectory(*model, c, dir, [&](const std::string& tmp) {
                const fs::path st = fs::path(tmp) / "training_state";
                fs::create_directories(st);
                saveSafetensors((st / "params.safetensors").string(), rawCpu);
                saveSafetensors((st / "optimizer.safetensors").string(), optCpu);
                if (cfg.ema > 0) saveSafetensors((st / "ema.safetensors").string(), emaCpu);
                json s = {{"step", step},
                          {"config", cfg.raw},
                          {"wall_seconds", elapsed() + state.value("wall_seconds", 0.0)},
                          {"losses", losses}};
                writeFileAtomic((st / "state.json").string(), s.dump(1));
            });
        } catch (...) {
            restoreRaw(backup);
            throw;
        }
        restoreRaw(backup);
        // Keep the newest few.
        // Never the directory this run was resumed from: the model's frozen components (a
        // pretrained encoder) are copied from it into every later checkpoint.
        std::vector<fs::path> old;
        std::error_code same;
        for (const auto& e : fs::directory_iterator(cfg.checkpointDir))
            if (e.is_directory() && e.path().filename().string().rfind("step-", 0) == 0 &&
                !fs::equivalent(e.path(), modelPath, same))
                old.push_back(e.path());
        std::sort(old.begin(), old.end());
        while (cfg.keepCheckpoints > 0 && int(old.size()) > cfg.keepCheckpoints) {
            std::error_code ec;
            fs::remove_all(old.front(), ec);
            old.erase(old.begin());
        }
        return dir;
    };

    // Scores the EMA weights, keeps the figures for the card's provenance and reports them.
    auto validate = [&](const std::vector<size_t>& subset, int64_t atStep) {
        std::vector<torch::Tensor> backup;
        swapEma(backup);
        EvalResult r;
        PhraseSimilarity similarity;
        try {
            torch::NoGradGuard ng;
            EvalOptions eo;
            eo.threshold = -1;
            eo.minAbsentAccuracy = cfg.minAbsentAccuracy;
            r = evaluateModel(model, valData, subset, eo, nullptr);
            if (model->textEncoder) similarity = measurePhraseSimilarity(*model, classes);
        } catch (...) {
            restoreRaw(backup);
            throw;
        }
        restoreRaw(backup);
        lastValidation = r.toJson();
        // What a person watching the run should act on, said plainly.
        json warnings = json::array();
        for (const auto& pair : similarity.above())
            warnings.push_back("phrases '" + pair.a + "' and '" + pair.b + "' are encoded " +
                               std::to_string(pair.cosine).substr(0, 5) + " alike (cosine): the model cannot tell them apart");
        if (atStep >= cfg.warnZeroIouAfter)
            for (const auto& c : r.classes)
                if (c.present > 0 && c.tunedIou <= 0)
                    warnings.push_back("class '" + c.name + "' is still at IoU 0 after " + std::to_string(atStep) + " steps");
        if (!similarity.phrases.empty()) lastValidation["phrase_similarity"] = similarity.toJson();
        lastValidation["warnings"] = warnings;
        TrainProgress p;
        p.event = "validation";
        p.step = atStep;
        p.steps = cfg.steps;
        p.elapsed = elapsed();
        p.metrics = lastValidation;
        report(p);
        return r;
    };

    TrainResult result;
    result.steps = startStep;
    {
        TrainProgress p;
        p.event = "start";
        p.step = startStep;
        p.steps = cfg.steps;
        p.metrics = {{"train_images", trainIdx.size()},
                     {"val_images", valIdx.size()},
                     {"classes", classes},
                     {"trainable_parameters",
                      [&] {
                          int64_t n = 0;
                          for (auto& t : trainable) n += t.param.numel();
                          return n;
                      }()},
                     {"resolution", R},
                     {"device", device.str()},
                     {"threads", at::get_num_threads()}};
        p.path = modelPath;
        report(p);
    }

    std::vector<double> losses = state.value("losses", std::vector<double>{});
    PrefetchQueue queue(source, startStep * cfg.accumulate, cfg.data.prefetch);
    const auto fopts = torch::TensorOptions().dtype(torch::kFloat).device(device);
    double windowLoss = 0;
    int windowCount = 0;
    auto windowStart = std::chrono::steady_clock::now();
    int64_t windowStartStep = startStep;

    const bool cacheLatents = !cfg.data.augment && !model->stem && (model->tinyAutoencoder || model->vae);
    std::map<size_t, torch::Tensor> latentCache;
    auto computeLoss = [&](const TrainingBatch& b) {
        const int64_t B = b.batch;
        auto images = torch::from_blob(const_cast<float*>(b.images.data()), {B, 3, R, R}, torch::kFloat).to(fopts);
        auto masks = torch::from_blob(const_cast<float*>(b.masks.data()), {B, 1, R, R}, torch::kFloat).to(fopts);
        auto x0 = codec->encode(masks);
        torch::Tensor extraLoss;
        if (model->maskProjection) {
            // The learned codec: reconstruct the mask; the latent target itself is not back-propagated.
            auto rec = codec->decode(x0);
            extraLoss = torch::mse_loss(rec, masks);
            x0 = x0.detach();
        } else {
            x0 = x0.detach();
        }
        // A group of phrasesPerImage samples shares one image: encode it once. A frozen
        // pretrained encoder on unaugmented images gives each image one latent for the whole
        // run: computed once, kept (a TAEF2 encode costs ~20× a training step on the CPU).
        const int64_t group = std::max(1, cfg.data.phrasesPerImage);
        torch::Tensor imageLatent;
        if (cacheLatents) {
            std::vector<torch::Tensor> rows;
            for (int64_t s = 0; s < B; ++s) {
                auto it = latentCache.find(b.item[size_t(s)]);
                if (it == latentCache.end()) {
                    torch::NoGradGuard ng;
                    it = latentCache.emplace(b.item[size_t(s)], encodeImages(*model, images.slice(0, s, s + 1))).first;
                }
                rows.push_back(it->second);
            }
            imageLatent = torch::cat(rows);
        } else if (group > 1) {
            auto first = torch::arange(0, B, group, torch::kLong).to(device);
            auto owner = torch::arange(0, B, torch::kLong).div(group, "floor").to(device);
            imageLatent = encodeImages(*model, images.index_select(0, first)).index_select(0, owner);
        } else {
            imageLatent = encodeImages(*model, images);
        }
        auto ctx = encodePhrases(*model, b.phrases);
        if (cfg.objective.phraseSeparation > 0) {
            std::vector<std::string> distinct = b.phrases;
            std::sort(distinct.begin(), distinct.end());
            distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
            auto sep = phraseSeparationLoss(encodePhrases(*model, distinct), cfg.objective.separationMargin);
            extraLoss = extraLoss.defined() ? extraLoss + cfg.objective.phraseSeparation * sep
                                            : cfg.objective.phraseSeparation * sep;
        }
        if (cfg.objective.conditionDropout > 0) {
            auto drop = (torch::rand({B}, torch::kDouble) < cfg.objective.conditionDropout).to(device);
            ctx = torch::where(drop.view({B, 1, 1}), nullConditioning(*model, B).to(ctx.dtype()), ctx);
        }
        torch::Tensor loss;
        if (objective == Objective::Discriminative) {
            auto in = denoiserInput(torch::zeros_like(x0), imageLatent);
            auto out = runDenoiser(*model, in, torch::zeros({B}, fopts), ctx);
            loss = bceDiceLoss(out, ((x0 + 1) / 2).clamp(0, 1));
        } else {
            auto u = sampleNoiseLevels(cfg.objective, B);
            auto tNoise = flow ? (u * T).to(torch::kFloat) : levelsToTimesteps(u, T).to(torch::kFloat);
            auto noise = sampleNoise(cfg.objective, x0, tNoise.to(device), T);
            auto d = diffusionTargets(objective, schedule, x0, noise, u.to(device));
            auto out = runDenoiser(*model, denoiserInput(d.noisy, imageLatent), d.modelTimesteps, ctx);
            if (cfg.objective.foregroundWeight != 1.0) {
                namespace F = torch::nn::functional;
                const int64_t f = codec->factor();
                auto coverage = F::avg_pool2d((masks + 1) / 2, F::AvgPool2dFuncOptions(f).stride(f));
                loss = weightedMse(out, d.target, coverage, cfg.objective.foregroundWeight);
            } else {
                loss = torch::mse_loss(out, d.target);
            }
            if (cfg.objective.maskLoss > 0)
                loss = loss + cfg.objective.maskLoss *
                                  maskBceDiceLoss(codec->decode(predictedSample(objective, d, out)), masks);
        }
        if (extraLoss.defined()) loss = loss + extraLoss;
        return loss;
    };

    int64_t step = startStep;
    bool cancelled = false;
    while (step < cfg.steps) {
        if (cancel && cancel->cancelled()) {
            cancelled = true;
            break;
        }
        if (cfg.timeLimitMinutes > 0 && elapsed() >= cfg.timeLimitMinutes * 60.0) {
            // Out of time: finish as at the last step (checkpoint to go on from, final model).
            if (result.lastCheckpoint.find(checkpointName(step)) == std::string::npos)
                result.lastCheckpoint = saveCheckpoint(step, losses);
            result.timeLimited = true;
            break;
        }
        ++step;
        if (device.is_cpu() && step % 50 == 0) adaptThreads();  // other programs come and go over an hour
        torch::manual_seed(mixSeed(cfg.seed, uint64_t(step)));
        const double lr = learningRate(cfg, step);
        for (auto& p : trainable)
            if (p.param.grad().defined()) p.param.mutable_grad().zero_();
        double stepLoss = 0;
        try {
            for (int a = 0; a < cfg.accumulate; ++a) {
                TrainingBatch b = queue.next();
                auto loss = computeLoss(b) / double(cfg.accumulate);
                loss.backward();
                stepLoss += loss.item<double>();
            }
        } catch (const std::exception& e) {
            if (!isOutOfMemory(e)) throw;
            // The weights are still those after the previous step (forward and backward
            // ran out, not the update): keep them so that no work is lost.
            for (auto& p : trainable)
                if (p.param.grad().defined()) p.param.mutable_grad().reset();
            const std::string saved = saveCheckpoint(step - 1, losses);
            throw Error("training", "out of memory at step " + std::to_string(step) + " (batch " +
                                        std::to_string(cfg.batch) + "): the state after step " +
                                        std::to_string(step - 1) + " is in " + saved +
                                        "; resume from it with a smaller batch or a larger 'accumulate'");
        }
        if (!std::isfinite(stepLoss)) throw Error("training", "the loss became " + std::to_string(stepLoss) + " at step " + std::to_string(step));
        {
            torch::NoGradGuard ng;
            std::vector<torch::Tensor> ps;
            for (auto& p : trainable)
                if (p.param.grad().defined()) ps.push_back(p.param);
            if (cfg.clip > 0) torch::nn::utils::clip_grad_norm_(ps, cfg.clip);
            const double bc1 = 1 - std::pow(cfg.beta1, double(step)), bc2 = 1 - std::pow(cfg.beta2, double(step));
            for (auto& p : trainable) {
                if (!p.param.grad().defined()) continue;
                const auto& g = p.param.grad();
                auto& m = adamM[p.name];
                auto& v = adamV[p.name];
                m.mul_(cfg.beta1).add_(g, 1 - cfg.beta1);
                v.mul_(cfg.beta2).addcmul_(g, g, 1 - cfg.beta2);
                const double plr = lr * p.lrScale;
                if (p.decay && cfg.weightDecay > 0) p.param.mul_(1 - plr * cfg.weightDecay);
                auto denom = (v / bc2).sqrt_().add_(cfg.eps);
                p.param.addcdiv_(m, denom, -plr / bc1);
            }
            if (cfg.ema > 0) {
                const double d = std::min(cfg.ema, (1.0 + double(step)) / (10.0 + double(step)));
                for (auto& p : trainable) ema[p.name].mul_(d).add_(p.param.detach(), 1 - d);
            }
        }
        losses.push_back(stepLoss);
        result.losses.push_back(stepLoss);
        result.steps = step;
        windowLoss += stepLoss;
        ++windowCount;
        if (step % std::max<int64_t>(1, cfg.logEvery) == 0 || step == cfg.steps) {
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - windowStart).count();
            TrainProgress p;
            p.event = "step";
            p.step = step;
            p.steps = cfg.steps;
            p.loss = windowLoss / windowCount;
            p.lr = lr;
            p.secondsPerStep = secs / double(std::max<int64_t>(1, step - windowStartStep));
            p.elapsed = elapsed();
            p.eta = p.secondsPerStep * double(cfg.steps - step);
            report(p);
            windowLoss = 0;
            windowCount = 0;
            windowStart = std::chrono::steady_clock::now();
            windowStartStep = step;
        }
        const bool stopping = stopAfter > 0 && step >= stopAfter;
        if (cfg.validateEvery > 0 && step % cfg.validateEvery == 0 && step < cfg.steps && !valSubset.empty()) {
            EvalResult r = validate(valSubset, step);
            card.classThresholds = r.tunedThresholds();
            card.classPresence = r.tunedPresence();
            windowStart = std::chrono::steady_clock::now();
        }
        if ((cfg.checkpointEvery > 0 && step % cfg.checkpointEvery == 0) || stopping) {
            result.lastCheckpoint = saveCheckpoint(step, losses);
            TrainProgress p;
            p.event = "checkpoint";
            p.step = step;
            p.steps = cfg.steps;
            p.path = result.lastCheckpoint;
            p.elapsed = elapsed();
            report(p);
        }
        if (stopping) {
            cancelled = true;
            break;
        }
    }
    if (cancelled) {
        if (result.lastCheckpoint.empty() || result.lastCheckpoint.find(checkpointName(step)) == std::string::npos)
            result.lastCheckpoint = saveCheckpoint(step, losses);
        result.cancelled = true;
        TrainProgress p;
        p.event = "cancelled";
        p.step = step;
        p.steps = cfg.steps;
        p.path = result.lastCheckpoint;
        p.elapsed = elapsed();
        report(p);
        result.wallSeconds = elapsed();
        return result;
    }

    // The final model: EMA weights, thresholds tuned on the whole validation set.
    std::vector<torch::Tensor> backup;
    if (cfg.finalValidation && !valIdx.empty()) {
        const EvalResult r = validate(valIdx, step);
        card.classThresholds = r.tunedThresholds();
        card.classPresence = r.tunedPresence();
    }
    ModelCard c = card;
    c.training = provenance(step);
    swapEma(backup);
    writeModelDirectory(*model, c, cfg.output);
    restoreRaw(backup);
    result.output = cfg.output;
    result.validation = lastValidation;
    result.wallSeconds = elapsed();
    TrainProgress p;
    p.event = "done";
    p.step = step;
    p.steps = cfg.steps;
    p.path = cfg.output;
    p.elapsed = result.wallSeconds;
    p.metrics = lastValidation;
    report(p);
    return result;
}

}  // namespace ld
