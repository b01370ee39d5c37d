#include "inference/pipeline/model_provenance.h"

#include "inference/io/model_card.h"

namespace ld {

nlohmann::json samplerSettingsJson(const SamplerSettings& s) {
    return {{"steps", s.steps},         {"spacing", s.spacing}, {"guidance", s.guidance},
            {"ensemble", s.ensemble},   {"seed", s.seed},       {"eta", s.eta},
            {"threshold", s.threshold}, {"presence", s.presence}};
}

Provenance modelProvenance(const SamplerSettings& s, const std::string& model) {
    Provenance p;
    p.source = Provenance::Source::Model;
    p.model = model;
    p.seed = s.seed;
    p.settings = samplerSettingsJson(s);
    p.reviewed = false;
    return p;
}

std::string provenanceModel(const ModelCard& card, const std::string& dir) { return card.name.empty() ? dir : card.name; }

std::optional<Annotation> modelAnnotation(int64_t imageId, int64_t categoryId, const BinaryMask& mask,
                                          const SoftMask& soft, const SamplerSettings& settings,
                                          const std::string& model) {
    if (area(mask) == 0) return std::nullopt;
    Annotation a;
    a.imageId = imageId;
    a.categoryId = categoryId;
    a.segmentation = Segmentation::fromMask(mask);
    a.bbox = bbox(mask);
    a.area = double(area(mask));
    a.score = double(cv::mean(soft.mat(), mask.mat())[0]);
    a.provenance = modelProvenance(settings, model);
    return a;
}

}  // namespace ld
