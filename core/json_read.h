#pragma once
// Every JSON text LabelDiff reads (datasets, projects, model cards, safetensors headers,
// tokenizer files, configs, recovery files) goes through here, so that one nesting limit
// guards them all: nlohmann's parser is iterative, but copying a value and dump() recurse
// once per level, and a few hundred kilobytes of '[' overflow the stack there.
#include <nlohmann/json.hpp>

#include <string>

namespace ld {

// serde_json's limit, which the safetensors reference implementation reads with.
constexpr int kMaxJsonDepth = 128;

// ld::Error(subject, ...) when `text` nests arrays/objects deeper than kMaxJsonDepth.
void checkJsonDepth(const std::string& text, const std::string& subject);

// Parses `text`; ld::Error naming `subject` when it is empty, malformed or too deep.
nlohmann::json parseJson(const std::string& text, const std::string& subject);
// The same, keeping keys in file order (for writers that echo a file back).
nlohmann::ordered_json parseOrderedJson(const std::string& text, const std::string& subject);

// parseJson of the file's content, the file named in errors.
nlohmann::json readJsonFile(const std::string& path);

}  // namespace ld
