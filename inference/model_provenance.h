#pragma once
// What a model-made annotation records about how it was made: enough to reproduce it
// (the CLI and the GUI write the same record).
#include "core/dataset.h"
#include "inference/sampler.h"

#include <nlohmann/json.hpp>

#include <string>

namespace ld {

// The resolved settings (every default replaced by the value used).
nlohmann::json samplerSettingsJson(const SamplerSettings& s);
// Source "model", not reviewed.
Provenance modelProvenance(const SamplerSettings& s, const std::string& model);

}  // namespace ld
