#pragma once
// safetensors: the only weight format LabelDiff reads or writes (no pickle, ever).
// The reader memory-maps the file and validates everything a hostile file can lie about
// before touching a byte of tensor data (core/safetensors_header.h, torch-free and fuzzed).
#include "core/safetensors_header.h"

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ld {

using TensorMap = std::map<std::string, torch::Tensor>;

class SafetensorsFile {
public:
    // Opens, maps and validates; throws ld::Error naming the file (and tensor) on any problem.
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<TensorEntry>& entries() const { return header_.entries; }
    const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
    bool contains(const std::string& name) const;
    const TensorEntry& entry(const std::string& name) const;  // ld::Error when absent
    // A CPU tensor owning a copy of the bytes, in the file's dtype.
    torch::Tensor tensor(const std::string& name) const;
    // A CPU tensor viewing the mapped bytes (no copy; the mapping lives as long as the view).
    // Writes to it stay private to this process. Where the host is big-endian or the data
    // is misaligned for its dtype, a copy as tensor() gives.
    torch::Tensor view(const std::string& name) const;

private:
    struct Mapping;
    std::string path_;
    std::shared_ptr<Mapping> map_;
    SafetensorsHeader header_;
};

// Loads every tensor of a .safetensors file, or of a sharded checkpoint given its
// `*.safetensors.index.json`. Files ending in .pt/.pth/.bin/.ckpt are refused with a
// message that says how to convert them.
TensorMap loadSafetensors(const std::string& path);

// The same tensors as views of the file's memory mapping (SafetensorsFile::view): for
// loading a large module, where owned copies, the mapped pages and the parameters together
// peaked at 3x the weights. loadStateDict copies each view into its parameter and then
// releases the view's pages, so the peak stays near the size of the parameters.
TensorMap mapSafetensors(const std::string& path);

// Drops the resident pages of a view made by SafetensorsFile::view (a no-op for any other
// tensor); a later read faults them back in from the file.
void releaseMappedPages(const torch::Tensor& view);

// Writes atomically (write-then-rename); tensors are made contiguous CPU little-endian.
// Supported dtypes: float32, float16, bfloat16, int64.
void saveSafetensors(const std::string& path, const TensorMap& tensors,
                     const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace ld
