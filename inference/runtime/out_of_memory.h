#pragma once
#include <exception>

namespace ld {

// An allocation failure on any device: CUDA's "out of memory", the CPU allocator's
// "can't allocate memory", or std::bad_alloc. Torch-free, so that ui/ can tell a model that
// does not fit from a broken one.
bool isOutOfMemory(const std::exception& e);

}  // namespace ld
