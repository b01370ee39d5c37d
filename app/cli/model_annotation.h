#pragma once
// A sampler result as a dataset annotation: RLE, box, area, the mean probability inside
// the mask as score, and the provenance that reproduces it (model, settings, seed).
#include "core/dataset.h"
#include "inference/sampler.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace ld::cli {

inline nlohmann::json samplerSettingsJson(const SamplerSettings& s) {
    return {{"steps", s.steps}, {"spacing", s.spacing}, {"guidance", s.guidance}, {"ensemble", s.ensemble},
            {"seed", s.seed},   {"eta", s.eta},         {"threshold", s.threshold}};
}

// Empty masks ("not here") give no annotation.
inline std::optional<Annotation> modelAnnotation(const PhraseSegmentation& r, int64_t id, int64_t imageId,
                                                 int64_t categoryId, const std::string& model) {
    if (area(r.mask) == 0) return std::nullopt;
    Annotation a;
    a.id = id;
    a.imageId = imageId;
    a.categoryId = categoryId;
    a.segmentation = Segmentation::fromMask(r.mask);
    a.bbox = bbox(r.mask);
    a.area = double(area(r.mask));
    a.score = double(cv::mean(r.soft.mat(), r.mask.mat())[0]);
    Provenance p;
    p.source = Provenance::Source::Model;
    p.model = model;
    p.settings = samplerSettingsJson(r.settings);
    p.seed = r.settings.seed;
    a.provenance = p;
    return a;
}

}  // namespace ld::cli
