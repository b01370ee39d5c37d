#include "inference/training/training_loss.h"

#include "inference/pipeline/conditioning.h"
#include "inference/schedulers/flow_scheduler.h"
#include "inference/io/model_directory.h"
#include "inference/training/train_config.h"

#include <torch/torch.h>

#include <algorithm>

namespace ld {

TrainingLoss::TrainingLoss(ModelDirectory& model, const TrainConfig& config)
    : model_(model),
      objective_(config.objective),
      phrasesPerImage_(std::max(1, config.data.phrasesPerImage)),
      resolution_(model.card().resolution),
      options_(torch::TensorOptions()
                   .dtype(torch::kFloat)
                   .device(denoiserModule(model).parameters().front().device())),
      codec_(maskCodecFor(model)),
      schedule_(NoiseScheduleConfig::fromJson(model.schedulerConfig, model.root() + "/scheduler")) {
    numTrainTimesteps_ = objective_.objective == Objective::Flow
                             ? FlowSchedulerConfig::fromJson(model.schedulerConfig, model.root()).numTrainTimesteps
                             : schedule_.numTrainTimesteps();
    // A TAEF2 encode costs ~20× a training step on the CPU: with a frozen pretrained encoder
    // and no augmentation each image has one latent for the whole run.
    cacheLatents_ = !config.data.augment && !model.stem && (model.tinyAutoencoder || model.vae);
}

torch::Tensor TrainingLoss::imageLatents(const TrainingBatch& b, const torch::Tensor& images) {
    const int64_t B = b.batch;
    if (cacheLatents_) {
        std::vector<torch::Tensor> rows;
        for (int64_t s = 0; s < B; ++s) {
            auto it = latentCache_.find(b.item[size_t(s)]);
            if (it == latentCache_.end()) {
                torch::NoGradGuard ng;
                it = latentCache_.emplace(b.item[size_t(s)], encodeImages(model_, images.slice(0, s, s + 1))).first;
            }
            rows.push_back(it->second);
        }
        return torch::cat(rows);
    }
    if (phrasesPerImage_ > 1) {  // a group of phrasesPerImage samples shares one image: encode it once
        auto first = torch::arange(0, B, phrasesPerImage_, torch::kLong).to(options_.device());
        auto owner = torch::arange(0, B, torch::kLong).div(phrasesPerImage_, "floor").to(options_.device());
        return encodeImages(model_, images.index_select(0, first)).index_select(0, owner);
    }
    return encodeImages(model_, images);
}

torch::Tensor TrainingLoss::operator()(const TrainingBatch& b) {
    const int64_t B = b.batch;
    // Random draws are made for the whole batch and cut to this share's rows: a rank of a
    // data-parallel run gives its samples the noise one process would.
    const int64_t whole = std::max<int64_t>(B, b.fullBatch), first = b.first;
    auto share = [&](const torch::Tensor& t) { return whole == B ? t : t.slice(0, first, first + B); };
    const int R = resolution_;
    auto images = torch::from_blob(const_cast<float*>(b.images.data()), {B, 3, R, R}, torch::kFloat).to(options_);
    auto masks = torch::from_blob(const_cast<float*>(b.masks.data()), {B, 1, R, R}, torch::kFloat).to(options_);
    auto x0 = codec_->encode(masks);
    torch::Tensor extraLoss;
    if (model_.maskProjection)  // the learned codec learns to reconstruct the mask
        extraLoss = torch::mse_loss(codec_->decode(x0), masks);
    x0 = x0.detach();  // the latent target itself is not back-propagated
    auto imageLatent = imageLatents(b, images);
    auto ctx = encodePhrases(model_, b.phrases);
    auto ctxMask = phraseKeepMask(model_, b.phrases);  // as the sampler: PixArt reads no padding
    if (objective_.phraseSeparation > 0) {
        std::vector<std::string> distinct = b.phrases;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        auto sep = objective_.phraseSeparation *
                   phraseSeparationLoss(encodePhrases(model_, distinct), objective_.separationMargin);
        extraLoss = extraLoss.defined() ? extraLoss + sep : sep;
    }
    if (objective_.conditionDropout > 0) {
        auto drop = share(torch::rand({whole}, torch::kDouble) < objective_.conditionDropout).to(options_.device());
        ctx = torch::where(drop.view({B, 1, 1}), nullConditioning(model_, B).to(ctx.dtype()), ctx);
        ctxMask = torch::where(drop.view({B, 1}), nullKeepMask(model_, B), ctxMask);
    }
    const Objective objective = objective_.objective;
    torch::Tensor loss;
    if (objective == Objective::Discriminative) {
        auto in = denoiserInput(torch::zeros_like(x0), imageLatent);
        auto out = runDenoiser(model_, in, torch::zeros({B}, options_), ctx, ctxMask);
        loss = bceDiceLoss(out, ((x0 + 1) / 2).clamp(0, 1));
    } else {
        const int T = numTrainTimesteps_;
        auto u = sampleNoiseLevels(objective_, whole);
        auto tNoise = objective == Objective::Flow ? (u * T).to(torch::kFloat) : levelsToTimesteps(u, T).to(torch::kFloat);
        auto wholeLike = whole == B ? x0 : torch::empty({whole, x0.size(1), x0.size(2), x0.size(3)}, x0.options());
        auto noise = share(sampleNoise(objective_, wholeLike, tNoise.to(options_.device()), T));
        u = share(u);
        auto d = diffusionTargets(objective, schedule_, x0, noise, u.to(options_.device()));
        auto out = runDenoiser(model_, denoiserInput(d.noisy, imageLatent), d.modelTimesteps, ctx, ctxMask);
        if (objective_.foregroundWeight != 1.0) {
            namespace F = torch::nn::functional;
            const int64_t f = codec_->factor();
            auto coverage = F::avg_pool2d((masks + 1) / 2, F::AvgPool2dFuncOptions(f).stride(f));
            loss = weightedMse(out, d.target, coverage, objective_.foregroundWeight);
        } else {
            loss = torch::mse_loss(out, d.target);
        }
        if (objective_.maskLoss > 0)
            loss = loss + objective_.maskLoss * maskBceDiceLoss(codec_->decode(predictedSample(objective, d, out)), masks);
    }
    return extraLoss.defined() ? loss + extraLoss : loss;
}

}  // namespace ld
