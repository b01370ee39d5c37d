#pragma once
// safetensors: the only weight format LabelDiff reads or writes (no pickle, ever).
// The reader memory-maps the file and validates everything a hostile file can lie about
// before touching a byte of tensor data.
#include <torch/types.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ld {

using TensorMap = std::map<std::string, torch::Tensor>;

struct TensorEntry {
    std::string name;
    std::string dtype;             // "F32", "F16", "BF16", "I64"
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;   // byte offsets relative to the data section
};

class SafetensorsFile {
public:
    // Opens, maps and validates; throws ld::Error naming the file (and tensor) on any problem.
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<TensorEntry>& entries() const { return entries_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    bool contains(const std::string& name) const;
    const TensorEntry& entry(const std::string& name) const;  // ld::Error when absent
    // A CPU tensor owning a copy of the bytes, in the file's dtype.
    torch::Tensor tensor(const std::string& name) const;

private:
    struct Mapping;
    std::string path_;
    std::unique_ptr<Mapping> map_;
    std::vector<TensorEntry> entries_;
    std::map<std::string, std::string> metadata_;
};

// Loads every tensor of a .safetensors file, or of a sharded checkpoint given its
// `*.safetensors.index.json`. Files ending in .pt/.pth/.bin/.ckpt are refused with a
// message that says how to convert them.
TensorMap loadSafetensors(const std::string& path);

// Writes atomically (write-then-rename); tensors are made contiguous CPU little-endian.
// Supported dtypes: float32, float16, bfloat16, int64.
void saveSafetensors(const std::string& path, const TensorMap& tensors,
                     const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Parses JSON like nlohmann::json::parse but refuses an object that names a key twice
// (nlohmann silently keeps the last one, which would let a hostile checkpoint shadow a
// tensor). Throws ld::Error(subject, ...) on malformed JSON or a duplicate key.
nlohmann::json parseJsonRejectingDuplicates(const std::string& text, const std::string& subject);

}  // namespace ld
