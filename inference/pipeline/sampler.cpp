#include "inference/pipeline/sampler.h"

#include "core/error.h"
#include "core/presence_gate.h"
#include "inference/pipeline/conditioning.h"
#include "inference/runtime/cuda_autocast.h"
#include "inference/schedulers/ddim_scheduler.h"
#include "inference/runtime/device.h"
#include "inference/schedulers/flow_scheduler.h"
#include "inference/pipeline/lru_cache.h"
#include "inference/io/model_directory.h"
#include "inference/models/unets/unet.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <numeric>

namespace ld {

double SegmentTimings::meanStepMs() const {
    return stepMs.empty() ? 0.0 : std::accumulate(stepMs.begin(), stepMs.end(), 0.0) / double(stepMs.size());
}

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// FNV-1a over the pixels and the size: the image cache key (a path would miss edits).
uint64_t imageKey(const cv::Mat& rgb) {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&](const uint8_t* p, size_t n) {
        for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    };
    const int dims[2] = {rgb.rows, rgb.cols};
    mix(reinterpret_cast<const uint8_t*>(dims), sizeof dims);
    for (int y = 0; y < rgb.rows; ++y) mix(rgb.ptr<uint8_t>(y), size_t(rgb.cols) * rgb.elemSize());
    return h;
}

SoftMask toSoftMask(const torch::Tensor& signedMask) { return signedTensorToSoftMask(signedMask); }
SoftMask probabilityMask(const torch::Tensor& p) { return signedTensorToSoftMask(p * 2 - 1); }

}  // namespace

// Either DDIM or the flow scheduler behind one loop: model timestep for step i, and the
// step itself returning (x at the next step, x̂₀).
struct StepPlan {
    std::unique_ptr<DDIMScheduler> ddim;
    std::unique_ptr<FlowScheduler> flow;
    size_t steps() const { return ddim ? ddim->timesteps().size() : flow->steps(); }
    double timestep(size_t i) const { return ddim ? double(ddim->timesteps()[i]) : flow->modelTimestep(i); }
    std::pair<torch::Tensor, torch::Tensor> step(const torch::Tensor& out, size_t i, const torch::Tensor& x, double eta,
                                                 const std::optional<torch::Tensor>& noise) const {
        if (ddim) {
            auto s = ddim->step(out, i, x, eta, noise);
            return {s.prevSample, s.predOriginalSample};
        }
        auto s = flow->step(out, i, x);
        return {s.prevSample, s.predOriginalSample};
    }
};

struct Sampler::Impl {
    std::shared_ptr<ModelDirectory> model;
    ComputeTarget target;
    std::unique_ptr<MaskCodec> codec;
    LruCache<uint64_t, torch::Tensor> images;
    // A phrase's encoding [1, L, D] and its keep-mask [1, L] (phraseKeepMask).
    LruCache<std::string, std::pair<torch::Tensor, torch::Tensor>> texts;
    torch::Tensor null;      // [1, L, D]
    torch::Tensor nullMask;  // [1, L]: the learned null embedding is read whole
    std::optional<c10::ScalarType> autocast;

    Impl(std::shared_ptr<ModelDirectory> m, const SamplerOptions& o)
        : model(std::move(m)),
          images(std::max<size_t>(1, o.imageCacheSize)),
          texts(std::max<size_t>(1, o.textCacheSize)),
          autocast(parseAutocast(o.autocast)) {}

    StepPlan plan(const SamplerSettings& s) const {
        StepPlan p;
        const ModelCard& card = model->card();
        const nlohmann::json& sc = model->schedulerConfig.is_object() ? model->schedulerConfig : nlohmann::json::object();
        if (card.scheduler == "flow" || card.predictionType == PredictionType::Flow) {
            p.flow = std::make_unique<FlowScheduler>(FlowSchedulerConfig::fromJson(sc, model->root() + "/scheduler"));
            p.flow->setTimesteps(s.steps);
        } else {
            auto c = DDIMSchedulerConfig::fromJson(sc, model->root() + "/scheduler");
            c.predictionType = card.predictionType;
            c.spacing = parseTimestepSpacing(s.spacing);
            p.ddim = std::make_unique<DDIMScheduler>(c);
            p.ddim->setTimesteps(s.steps);
        }
        return p;
    }

    torch::Tensor imageLatent(const cv::Mat& rgb, bool* computed) {
        const uint64_t key = imageKey(rgb);
        if (auto hit = images.get(key)) return *hit;
        const int r = model->card().resolution;
        cv::Mat resized;
        cv::resize(rgb, resized, cv::Size(r, r), 0, 0, rgb.cols > r ? cv::INTER_AREA : cv::INTER_LINEAR);
        if (!resized.isContinuous()) resized = resized.clone();
        auto t = torch::from_blob(resized.data, {1, r, r, 3}, torch::kUInt8)
                     .permute({0, 3, 1, 2})
                     .to(torch::kFloat)
                     .div(255.0);
        auto latent = encodeImages(*model, t).detach();
        images.put(key, latent);
        *computed = true;
        return latent;
    }

    std::pair<torch::Tensor, torch::Tensor> text(const std::string& phrase, bool* computed) {
        if (auto hit = texts.get(phrase)) return *hit;
        std::pair<torch::Tensor, torch::Tensor> e{encodePhrases(*model, {phrase}).detach(),
                                                  phraseKeepMask(*model, {phrase})};
        texts.put(phrase, e);
        *computed = true;
        return e;
    }

    // Initial noise of member k: drawn on the CPU from seed + k so that a seed gives the
    // same members on every device and whatever the chunking.
    torch::Tensor initialNoise(uint64_t seed, int members, const std::vector<int64_t>& shape) const {
        std::vector<torch::Tensor> out;
        for (int k = 0; k < members; ++k) {
            auto gen = at::detail::createCPUGenerator(seed + uint64_t(k));
            std::vector<int64_t> s{1};
            s.insert(s.end(), shape.begin(), shape.end());
            out.push_back(torch::randn(s, gen, torch::kFloat));
        }
        return torch::cat(out, 0).to(target.device, target.dtype);
    }

    torch::Tensor denoise(const torch::Tensor& x, double t, const torch::Tensor& image,
                          const std::pair<torch::Tensor, torch::Tensor>& cond, double guidance, int maxBatch) {
        const int64_t members = x.size(0);
        const bool cfg = std::abs(guidance - 1.0) > 1e-9;
        const int64_t perMember = cfg ? 2 : 1;
        int64_t chunk = maxBatch > 0 ? std::max<int64_t>(1, maxBatch / perMember) : members;
        for (;;) {
            try {
                std::vector<torch::Tensor> outs;
                for (int64_t b = 0; b < members; b += chunk) {
                    const int64_t n = std::min(chunk, members - b);
                    auto xs = x.slice(0, b, b + n);
                    torch::Tensor in, ctx, ctxMask;
                    if (cfg) {
                        in = denoiserInput(torch::cat({xs, xs}), image);
                        ctx = torch::cat({cond.first.expand({n, -1, -1}), null.expand({n, -1, -1})});
                        ctxMask = torch::cat({cond.second.expand({n, -1}), nullMask.expand({n, -1})});
                    } else {
                        in = denoiserInput(xs, image);
                        ctx = cond.first.expand({n, -1, -1});
                        ctxMask = cond.second.expand({n, -1});
                    }
                    auto ts = torch::full({in.size(0)}, t, torch::TensorOptions().dtype(torch::kFloat).device(in.device()));
                    torch::Tensor out;
                    {
                        CudaAutocast mixed(in.device(), autocast);
                        out = runDenoiser(*model, in, ts, ctx, ctxMask).to(x.scalar_type());
                    }
                    if (cfg) {
                        auto c = out.slice(0, 0, n), u = out.slice(0, n, 2 * n);
                        out = u + guidance * (c - u);
                    }
                    outs.push_back(out);
                }
                return torch::cat(outs, 0);
            } catch (const std::exception& e) {
                // Out of memory: retry with half the batch, down to one member at a time.
                if (!isOutOfMemory(e) || chunk == 1) throw;
                chunk = std::max<int64_t>(1, chunk / 2);
            }
        }
    }
};

std::unique_ptr<Sampler> Sampler::open(const std::string& modelDir, const SamplerOptions& options,
                                       const CancelToken* cancel) {
    const ComputeTarget target = selectCompute({options.device, options.dtype, options.threads});
    ModelDirectoryOptions mo;
    mo.device = target.device;
    mo.dtype = target.dtype;
    mo.cancel = cancel;
    return std::make_unique<Sampler>(ModelDirectory::open(modelDir, mo), options);
}

Sampler::Sampler(std::shared_ptr<ModelDirectory> model, const SamplerOptions& options)
    : impl_(std::make_unique<Impl>(std::move(model), options)) {
    auto& m = *impl_->model;
    auto params = denoiserModule(m).parameters();  // ld::Error naming the directory when it has no denoiser
    if (!m.stem && !m.tinyAutoencoder && !m.vae) throw Error(m.root(), "the model has no image encoder");
    if (!m.textEncoder) throw Error(m.root(), "the model has no text encoder");
    impl_->target.device = params.empty() ? torch::Device(torch::kCPU) : params.front().device();
    impl_->target.dtype = params.empty() ? torch::kFloat : params.front().scalar_type();
    impl_->codec = maskCodecFor(m);
    torch::NoGradGuard noGrad;
    impl_->null = nullConditioning(m, 1).detach();
    impl_->nullMask = nullKeepMask(m, 1);
}

Sampler::~Sampler() = default;

const ModelDirectory& Sampler::model() const { return *impl_->model; }
const ModelCard& Sampler::card() const { return impl_->model->card(); }
std::string Sampler::deviceName() const { return impl_->target.device.str(); }
int Sampler::resolution() const { return impl_->model->card().resolution; }
void Sampler::clearCaches() {
    impl_->images.clear();
    impl_->texts.clear();
}

bool Sampler::prepare(const cv::Mat& rgb) {
    if (impl_->target.device.is_cpu()) adaptThreads();
    torch::NoGradGuard noGrad;  // as segment(): the cached latent is used there
    bool computed = false;
    impl_->imageLatent(rgb, &computed);
    return computed;
}

SamplerSettings Sampler::resolve(const SamplerSettings& in, const std::string& phrase) const {
    const ModelCard& card = impl_->model->card();
    SamplerSettings s = in;
    if (s.steps <= 0) s.steps = card.defaults.steps;
    if (s.spacing.empty()) s.spacing = card.defaults.spacing;
    if (s.guidance < 0) s.guidance = card.defaults.guidance;
    if (s.ensemble <= 0) s.ensemble = card.defaults.ensemble;
    if (s.threshold < 0) s.threshold = card.thresholdFor(phrase);
    if (s.presence < 0) s.presence = card.presenceFor(phrase);
    if (s.start.empty()) s.start = "noise";
    if (s.start != "noise" && s.start != "zero")
        throw Error("sampler settings", "start must be 'noise' or 'zero', got '" + s.start + "'");
    if (s.start == "zero") s.ensemble = 1;
    if (card.isDiscriminative()) {
        // One pass, no noise: steps, ensemble and guidance have nothing to act on.
        s.steps = 1;
        s.ensemble = 1;
        s.guidance = 1;
    }
    if (s.eta < 0) throw Error("sampler settings", "eta must be >= 0");
    if (s.threshold > 1) throw Error("sampler settings", "threshold must be in [0, 1]");
    if (s.presence > 1) throw Error("sampler settings", "presence gate must be in [0, 1]");
    if (s.ensemble > 256) throw Error("sampler settings", "ensemble size must be at most 256");
    parseTimestepSpacing(s.spacing);
    return s;
}

PhraseSegmentation Sampler::segment(const cv::Mat& rgb, const std::string& phrase, const SamplerSettings& requested,
                                    const TrajectoryCallback& onStep, const CancelToken* cancel) {
    if (rgb.empty() || rgb.type() != CV_8UC3) throw Error("segment", "the image must be a non-empty 8-bit RGB image");
    const auto t0 = Clock::now();
    if (impl_->target.device.is_cpu()) adaptThreads();  // the load may have changed since the last image
    torch::NoGradGuard noGrad;
    Impl& d = *impl_;
    PhraseSegmentation result;
    result.phrase = phrase;
    result.settings = resolve(requested, phrase);
    const SamplerSettings& s = result.settings;
    const StepPlan plan = d.plan(s);

    try {
        bool computed = false;
        auto image = d.imageLatent(rgb, &computed);
        auto cond = d.text(phrase, &computed);
        if (computed) result.timings.encodeMs = msSince(t0);

        const auto shape = d.model->maskLatentShape();
        auto x = s.start == "zero" ? d.initialNoise(s.seed, 1, shape).zero_() : d.initialNoise(s.seed, s.ensemble, shape);
        // η > 0 draws fresh noise each step from a generator of its own, again on the CPU.
        auto etaGen = at::detail::createCPUGenerator(s.seed ^ 0x9e3779b97f4a7c15ull);
        torch::Tensor x0;
        const bool discriminative = d.model->card().isDiscriminative();
        const size_t n = discriminative ? 1 : plan.steps();
        for (size_t i = 0; i < n; ++i) {
            if (cancel && cancel->cancelled()) throw Cancelled();
            const auto ts = Clock::now();
            const double t = discriminative ? 0.0 : plan.timestep(i);
            if (discriminative) {
                // The baseline maps a zero latent straight to logits of the mask latent.
                auto out = d.denoise(torch::zeros_like(x), t, image, cond, 1.0, s.maxBatch);
                x0 = torch::sigmoid(out) * 2 - 1;
                x = x0;
            } else {
                auto out = d.denoise(x, t, image, cond, s.guidance, s.maxBatch);
                std::optional<torch::Tensor> noise;
                if (s.eta > 0) noise = torch::randn(x.sizes(), etaGen, torch::kFloat).to(x.device(), x.scalar_type());
                auto [next, pred] = plan.step(out, i, x, s.eta, noise);
                x = next;
                x0 = pred;
            }
            if (onStep) {
                TrajectoryFrame f;
                f.phrase = phrase;
                f.step = int(i);
                f.steps = int(n);
                f.timestep = t;
                f.x0 = toSoftMask(d.codec->decode(x0.mean(0, true)).clamp(-1, 1));
                f.xt = toSoftMask(d.codec->decode(x.mean(0, true)).clamp(-1, 1));
                result.timings.stepMs.push_back(msSince(ts));
                onStep(f);
            } else {
                result.timings.stepMs.push_back(msSince(ts));
            }
        }
        if (cancel && cancel->cancelled()) throw Cancelled();

        // The last step's x̂₀ is the sample: with set_alpha_to_one=false the last DDIM
        // step would otherwise leave noise in a one-step result.
        const auto td = Clock::now();
        auto members = d.codec->decode(x0).clamp(-1, 1);           // [E, 1, r, r]
        auto mean = d.codec->decode(x0.mean(0, true)).clamp(-1, 1);  // latent-space average (DiGSeg)
        auto probs = (members + 1) * 0.5;
        auto stdev = s.ensemble > 1 ? probs.std(0, /*unbiased=*/false, /*keepdim=*/true) : torch::zeros_like(mean);
        const int W = rgb.cols, H = rgb.rows;
        const SoftMask meanSoft = toSoftMask(mean);
        result.presence = presenceScore(meanSoft);
        result.present = result.presence >= float(s.presence);
        result.soft = resize(meanSoft, W, H);
        result.uncertainty = resize(probabilityMask(stdev), W, H);
        if (s.keepMembers)
            for (int64_t k = 0; k < members.size(0); ++k)
                result.members.push_back(resize(toSoftMask(members.slice(0, k, k + 1)), W, H));
        result.threshold = float(s.threshold);
        result.mask = result.present ? threshold(result.soft, result.threshold) : BinaryMask(H, W);
        result.timings.decodeMs = msSince(td);
    } catch (const Cancelled&) {
        throw;
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        if (isOutOfMemory(e))
            throw Error(d.model->root(), "out of memory on " + deviceName() + " while segmenting '" + phrase +
                                             "' (ensemble " + std::to_string(s.ensemble) +
                                             "): lower the ensemble size or the batch limit");
        throw Error(d.model->root(), std::string("segmenting '") + phrase + "' failed: " + e.what());
    }
    result.timings.totalMs = msSince(t0);
    return result;
}

SemanticSegmentation Sampler::segmentPhrases(const cv::Mat& rgb, const std::vector<std::string>& phrases,
                                             const SamplerSettings& settings, double backgroundThreshold,
                                             const TrajectoryCallback& onStep, const CancelToken* cancel) {
    SemanticSegmentation out;
    for (size_t i = 0; i < phrases.size(); ++i) {
        TrajectoryCallback cb;
        if (onStep)
            cb = [&, i](const TrajectoryFrame& f) {
                TrajectoryFrame g = f;
                g.phraseIndex = int(i);
                onStep(g);
            };
        out.phrases.push_back(segment(rgb, phrases[i], settings, cb, cancel));
    }
    out.labels = semanticLabels(presentSoftMasks(out.phrases), backgroundThreshold);
    return out;
}

std::vector<const SoftMask*> presentSoftMasks(const std::vector<PhraseSegmentation>& phrases) {
    std::vector<const SoftMask*> probs;
    for (const auto& p : phrases) probs.push_back(p.present ? &p.soft : nullptr);
    return probs;
}

cv::Mat semanticLabels(const std::vector<const SoftMask*>& probabilities, double backgroundThreshold) {
    const SoftMask* first = nullptr;
    for (const auto* p : probabilities)
        if (p && !first) first = p;
    if (!first) return {};
    const int H = first->height(), W = first->width();
    for (const auto* p : probabilities)
        if (p && (p->height() != H || p->width() != W)) throw Error("semantic map", "the soft masks differ in size");
    cv::Mat labels(H, W, CV_32SC1, cv::Scalar(0));
    cv::Mat best(H, W, CV_32FC1, cv::Scalar(float(backgroundThreshold)));
    for (size_t i = 0; i < probabilities.size(); ++i) {
        if (!probabilities[i]) continue;
        const cv::Mat& m = probabilities[i]->mat();
        for (int y = 0; y < H; ++y) {
            const float* pm = m.ptr<float>(y);
            float* pb = best.ptr<float>(y);
            int32_t* pl = labels.ptr<int32_t>(y);
            for (int x = 0; x < W; ++x)
                if (pm[x] >= pb[x] && (pm[x] > pb[x] || pl[x] == 0)) {
                    pb[x] = pm[x];
                    pl[x] = int32_t(i + 1);
                }
        }
    }
    return labels;
}

}  // namespace ld
