#pragma once
// Small pieces shared by the dataset formats: ids that real files write as numbers or
// strings, annotation area/bbox from the pixels, safe file names.
#include "core/dataset.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace ld {

// Pretty-printed (indent 2) text with a final newline; invalid UTF-8 is replaced.
std::string jsonText(const nlohmann::json& j, int indent = 2);

// An integer written as a number (integral) or as a decimal string; nullopt otherwise.
std::optional<int64_t> jsonToInt(const nlohmann::json& j);
// A boolean written as true/false, 0/1 or "true"/"false"; nullopt otherwise.
std::optional<bool> jsonToBool(const nlohmann::json& j);
// The string value of `key`, or `fallback` when absent or not a string.
std::string jsonString(const nlohmann::json& obj, const char* key, const std::string& fallback = "");

// area = pixel count and bbox = tight box of the annotation's segmentation on the image.
void setAreaAndBbox(Annotation& a, int height, int width);

// A name made safe as one file-name component ('/', '\\', ':', '*', '?', '"', '<', '>',
// '|' and control characters become '_'; "", "." and ".." become "_").
std::string safeFileName(const std::string& name);

// `fileName` as a relative path that stays inside the folder it is relative to (lexically:
// not absolute, no leading ".." after normalisation, not empty), in generic form; nullopt
// otherwise. Readers skip images whose file name fails this; writers fall back to
// outputNameOf so that nothing is written outside the chosen folder.
std::optional<std::string> insideRelativePath(const std::string& fileName);
// insideRelativePath, or else the bare file name (safeFileName of it).
std::filesystem::path outputNameOf(const std::string& fileName);

// The beginning (and end) of a file, for cheap format detection; empty when unreadable.
std::string fileHead(const std::string& path, size_t bytes = 65536);
std::string fileTail(const std::string& path, size_t bytes = 65536);

// True for the image extensions the readers look for (case-insensitive).
bool hasImageExtension(const std::string& path);

}  // namespace ld
