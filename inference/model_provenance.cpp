#include "inference/model_provenance.h"

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

}  // namespace ld
