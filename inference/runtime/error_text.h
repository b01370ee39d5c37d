#pragma once
// The message of an exception for a person: LibTorch's c10::Error carries the C++
// backtrace of where it was thrown ("frame #0: ... libc10.so") in what(), which says
// nothing to someone whose model did not load. Torch-free, so that app/ and ui/ can use it.
#include <exception>
#include <string>

namespace ld {

// what() without LibTorch's backtrace (unchanged for every other exception).
std::string errorText(const std::exception& e);

}  // namespace ld
