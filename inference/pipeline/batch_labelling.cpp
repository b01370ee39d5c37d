#include "inference/pipeline/batch_labelling.h"

#include "core/error.h"
#include "inference/pipeline/model_provenance.h"

#include <algorithm>

namespace ld {

bool isModelProposal(const Provenance& p) { return p.source == Provenance::Source::Model && !p.reviewed; }

bool needsLabelling(const BatchImageJob& job) {
    return std::any_of(job.categoryIds.begin(), job.categoryIds.end(),
                       [&](int64_t c) { return !job.labelledCategories.count(c); });
}

BatchImageResult labelImage(Sampler& sampler, const cv::Mat& rgb, const BatchImageJob& job, const CancelToken* cancel) {
    if (job.phrases.size() != job.categoryIds.size())
        throw Error("batch labelling", "one category per phrase is needed");
    BatchImageResult out;
    if (!needsLabelling(job)) return out;
    if (job.width > 0 && job.height > 0 && (rgb.cols != job.width || rgb.rows != job.height))
        throw Error(job.file, "the image is " + std::to_string(rgb.cols) + "×" + std::to_string(rgb.rows) +
                                  " but the dataset records " + std::to_string(job.width) + "×" +
                                  std::to_string(job.height));
    // A user's τ also bounds the background; the card's per-class τ cannot, so 0.5 does.
    const double background = job.settings.threshold >= 0 ? job.settings.threshold : 0.5;
    // The members are kept only to count the pixels they dispute (uncertaintyScore).
    SamplerSettings settings = job.settings;
    settings.keepMembers = true;
    out.segmentation = sampler.segmentPhrases(rgb, job.phrases, settings, background, {}, cancel);
    const auto& phrases = out.segmentation.phrases;
    const cv::Mat& labels = out.segmentation.labels;
    const bool semantic = phrases.size() > 1 && !labels.empty();
    for (size_t i = 0; i < phrases.size(); ++i) {
        if (job.labelledCategories.count(job.categoryIds[i])) continue;
        const BinaryMask mask = semantic ? BinaryMask::fromMat(labels == int(i + 1)) : phrases[i].mask;
        if (auto a = modelAnnotation(job.imageId, job.categoryIds[i], mask, phrases[i].soft, phrases[i].settings, job.model)) {
            a->provenance->uncertainty =
                uncertaintyScore(mask, phrases[i].uncertainty, phrases[i].members, phrases[i].threshold);
            out.annotations.push_back(std::move(*a));
        }
    }
    // What the provenance records is how to reproduce the masks, not how they were inspected.
    for (PhraseSegmentation& p : out.segmentation.phrases) {
        p.members.clear();
        p.settings.keepMembers = job.settings.keepMembers;
    }
    return out;
}

}  // namespace ld
