#pragma once
// The label-diffusion sampler: (image, phrase) -> mask by denoising a mask latent
// conditioned on the image latent and the phrase, with classifier-free guidance (cond and
// uncond in one batch), an ensemble of seeds averaged in latent space (its per-pixel
// standard deviation kept as uncertainty), a trajectory callback per step and
// cancellation between steps. Deterministic given the seed and device.
//
// This header is deliberately free of LibTorch so that ui/ can include it cheaply; the
// sampler owns its tensors and must be used from one thread (the inference worker).
#include "core/mask.h"
#include "inference/runtime/cancel_token.h"

#include <opencv2/core.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ld {

class ModelDirectory;
struct ModelCard;

struct SamplerSettings {
    int steps = 0;             // 0: the model card's default
    std::string spacing;       // "leading", "trailing", "linspace"; empty: card default
    double guidance = -1;      // CFG scale w; < 0: card default; 1 disables the uncond branch
    int ensemble = 0;          // E seeds; 0: card default
    uint64_t seed = 0;         // member k uses seed + k
    double eta = 0;            // DDIM η (0 = deterministic DDIM)
    double threshold = -1;     // τ on probabilities; < 0: the card's per-class τ or default
    // Presence gate τ_p (core/presence_gate.h): the mask is empty unless the presence score
    // reaches it. < 0: the card's per-class gate (none when the card has none); 0: no gate.
    double presence = -1;
    // Where the trajectory starts: "noise" (x_T drawn from seed + k) or "zero" (x_T = 0, the
    // noise's mean: GenMask's deterministic one-step inference; the ensemble is then one
    // member, as every member would be the same). Empty: "noise".
    std::string start;
    int maxBatch = 0;          // U-Net batch limit (2·E with CFG); 0: everything in one batch
    bool keepMembers = false;  // also return each member's soft mask
};

// One denoising step, for live rendering. Masks are at the model's working resolution
// (the caller maps them to the image when it draws); x0 is the predicted clean mask, xt
// the current noisy latent decoded the same cheap way, both averaged over the ensemble.
struct TrajectoryFrame {
    int phraseIndex = 0;
    std::string phrase;
    int step = 0;   // 0-based
    int steps = 0;
    double timestep = 0;
    SoftMask x0;
    SoftMask xt;
};

struct SegmentTimings {
    double encodeMs = 0;  // image + text encoding (0 when both came from the cache)
    std::vector<double> stepMs;
    double decodeMs = 0;
    double totalMs = 0;
    double meanStepMs() const;
};

struct PhraseSegmentation {
    std::string phrase;
    SoftMask soft;         // mean probability at the original image size
    SoftMask uncertainty;  // per-pixel std across ensemble members (zeros for E = 1)
    BinaryMask mask;       // soft >= threshold where present, else empty
    float threshold = 0.5f;
    // presenceScore of the mean mask at the model's resolution, and whether it reached
    // the gate (settings.presence). An absent phrase keeps its soft mask for display.
    float presence = 0;
    bool present = true;
    std::vector<SoftMask> members;  // with keepMembers
    SegmentTimings timings;
    // The settings actually used (defaults resolved), for provenance.
    SamplerSettings settings;
};

// Several phrases: one mask each plus DiGSeg's semantic map.
struct SemanticSegmentation {
    std::vector<PhraseSegmentation> phrases;
    // CV_32SC1 at the image size: 0 = background, i + 1 = phrases[i]. A pixel takes the
    // phrase of highest probability, background when that probability is below the
    // background threshold.
    cv::Mat labels;
};

using TrajectoryCallback = std::function<void(const TrajectoryFrame&)>;

struct SamplerOptions {
    std::string device = "auto";  // "auto", "cpu", "cuda", "cuda:N"
    std::string dtype = "fp32";
    // CUDA mixed precision for the denoiser on fp32 weights: "off" (or empty), "bf16" or
    // "fp16" (inference/runtime/cuda_autocast.h). Nothing changes on the CPU.
    std::string autocast = "off";
    int threads = 0;
    size_t imageCacheSize = 8;    // LRU entries of image latents
    size_t textCacheSize = 64;    // LRU entries of text encodings
};

class Sampler {
public:
    // Loads the model directory onto the device (ld::Error naming the directory on any
    // problem; ld::Cancelled when `cancel` fires during the load).
    static std::unique_ptr<Sampler> open(const std::string& modelDir, const SamplerOptions& options = {},
                                         const CancelToken* cancel = nullptr);
    explicit Sampler(std::shared_ptr<ModelDirectory> model, const SamplerOptions& options = {});
    ~Sampler();
    Sampler(const Sampler&) = delete;
    Sampler& operator=(const Sampler&) = delete;

    const ModelDirectory& model() const;
    const ModelCard& card() const;
    std::string deviceName() const;  // "cpu", "cuda:0"
    int resolution() const;          // working side length

    // rgb: CV_8UC3 RGB, any size. Throws Cancelled, or ld::Error (e.g. out of memory,
    // naming what was being done).
    PhraseSegmentation segment(const cv::Mat& rgb, const std::string& phrase, const SamplerSettings& settings,
                               const TrajectoryCallback& onStep = {}, const CancelToken* cancel = nullptr);
    SemanticSegmentation segmentPhrases(const cv::Mat& rgb, const std::vector<std::string>& phrases,
                                        const SamplerSettings& settings, double backgroundThreshold = 0.5,
                                        const TrajectoryCallback& onStep = {}, const CancelToken* cancel = nullptr);

    // Settings with every "use the default" value replaced by the card's, for `phrase`.
    SamplerSettings resolve(const SamplerSettings& settings, const std::string& phrase) const;
    void clearCaches();
    // Encodes the image into the cache ahead of a segment call (the expensive part of a
    // first proposal); true when it was not cached yet.
    bool prepare(const cv::Mat& rgb);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The per-pixel argmax aggregation on its own (soft masks of one size; a null entry is a
// phrase found absent, which takes no pixel).
cv::Mat semanticLabels(const std::vector<const SoftMask*>& probabilities, double backgroundThreshold);
// The soft masks of the present phrases, null for the absent ones (for semanticLabels).
std::vector<const SoftMask*> presentSoftMasks(const std::vector<PhraseSegmentation>& phrases);

}  // namespace ld
