#pragma once
// A full check of a model directory — every component built, every tensor loaded and its
// name and shape compared — reported without LibTorch's types, for ui/'s model manager.
#include <cstddef>
#include <cstdint>
#include <string>

namespace ld {

struct ModelCheck {
    size_t components = 0;
    int64_t parameters = 0;
};

// Loads the directory on the CPU as the sampler would; throws the ld::Error that
// ModelDirectory::open gives (every problem at once, naming the directory).
ModelCheck checkModelDirectory(const std::string& dir);

}  // namespace ld
