// libFuzzer target "safetensors": the body is ld::fuzz::findTarget("safetensors") in fuzz_entry_points.cpp.
#include "fuzz/fuzz_entry_points.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const ld::fuzz::Target& target = *ld::fuzz::findTarget("safetensors");
    return ld::fuzz::runForFuzzer(target, data, size);
}
