// libFuzzer target "base64": the body is ld::fuzz::findTarget("base64") in fuzz_entry_points.cpp.
#include "fuzz/fuzz_entry_points.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const ld::fuzz::Target& target = *ld::fuzz::findTarget("base64");
    return ld::fuzz::runForFuzzer(target, data, size);
}
