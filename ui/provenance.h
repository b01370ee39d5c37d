#pragma once
// What a model-made annotation records about how it was made: enough to reproduce it.
#include "core/dataset.h"
#include "inference/sampler.h"

#include <QString>

namespace ld {

inline Provenance modelProvenance(const SamplerSettings& s, const QString& model) {
    Provenance p;
    p.source = Provenance::Source::Model;
    p.model = model.toStdString();
    p.seed = s.seed;
    p.settings = {{"steps", s.steps}, {"spacing", s.spacing}, {"guidance", s.guidance},
                  {"ensemble", s.ensemble}, {"eta", s.eta}, {"threshold", s.threshold}};
    p.reviewed = false;
    return p;
}

}  // namespace ld
