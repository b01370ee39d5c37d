#pragma once
// What a model-made annotation records about how it was made: enough to reproduce it
// (the CLI and the GUI write the same record).
#include "core/dataset.h"
#include "inference/pipeline/sampler.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace ld {

// The resolved settings (every default replaced by the value used).
nlohmann::json samplerSettingsJson(const SamplerSettings& s);
// Source "model", not reviewed.
Provenance modelProvenance(const SamplerSettings& s, const std::string& model);
// How the provenance names a model: its card's name, else the directory it was opened from.
std::string provenanceModel(const ModelCard& card, const std::string& dir);

// A sampled mask as an annotation (id 0): RLE, box, area, the mean probability inside the
// mask as score, and the provenance. An empty mask ("not here") gives none.
std::optional<Annotation> modelAnnotation(int64_t imageId, int64_t categoryId, const BinaryMask& mask,
                                          const SoftMask& soft, const SamplerSettings& settings,
                                          const std::string& model);

}  // namespace ld
