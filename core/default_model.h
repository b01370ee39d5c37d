#pragma once
// Which model directory to use when the user names none. The package installs the default
// model under <prefix>/share/labeldiff/models/, the source tree keeps it under
// resources/models/; a run from either place must find it without a --model flag.
#include <filesystem>
#include <vector>

namespace ld {

// The places searched, in order: $LABELDIFF_MODEL (alone when set), then <exe>/../share/labeldiff/models/<name>
// (an installed package, relocatable), then the source tree's resources/models/<name>.
std::vector<std::filesystem::path> defaultModelCandidates();

// The first candidate that holds a model_card.json; throws ld::Error listing every place
// searched when none does.
std::filesystem::path defaultModelDirectory();

}  // namespace ld
