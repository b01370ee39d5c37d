#pragma once
// The header of a .safetensors file (8-byte little-endian length, then JSON naming each
// tensor's dtype, shape and byte range), validated without LibTorch so that the libFuzzer
// build can reach it: every lie a hostile header can tell is refused here, before a byte
// of tensor data is touched. inference/io/safetensors.cpp maps the file and reads the tensors.
#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ld {

// safetensors' own reader refuses headers above this size; a hostile length field must
// not make us allocate gigabytes before the JSON parser sees a single byte.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct TensorEntry {
    std::string name;
    std::string dtype;             // "F32", "F16", "BF16", "I64"
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;   // byte offsets relative to the data section
};

struct SafetensorsHeader {
    uint64_t dataStart = 0;            // file offset of the data section: 8 + header length
    uint64_t dataBytes = 0;            // the data section runs to the end of the file
    std::vector<TensorEntry> entries;  // sorted by name; they tile the data section exactly
    std::map<std::string, std::string> metadata;
};

// Bytes per element of a dtype the safetensors format defines, 0 for any other name.
size_t safetensorsDtypeSize(const std::string& dtype);

// Validates the header of a file of `size` bytes whose content starts at `bytes` (null
// only when `size` is 0): the length field, the JSON (depth-limited, no key twice), every
// entry's dtype (one LabelDiff reads: F32, F16, BF16, I64), shape and offsets, and that
// the entries tile the data section with no overlap, hole or trailing byte.
// ld::Error naming `path` (and the tensor) on the first problem.
SafetensorsHeader parseSafetensorsHeader(const unsigned char* bytes, uint64_t size, const std::string& path);

// Parses JSON like nlohmann::json::parse but refuses an object that names a key twice
// (nlohmann silently keeps the last one, which would let a hostile checkpoint shadow a
// tensor). Throws ld::Error(subject, ...) on malformed or too deeply nested JSON or a
// duplicate key.
nlohmann::json parseJsonRejectingDuplicates(const std::string& text, const std::string& subject);

// A name from a file, JSON-quoted and cut to 200 characters, for error messages.
std::string quotedName(const std::string& name);

}  // namespace ld
