// libFuzzer target "polygon": the body is ld::fuzz::findTarget("polygon") in fuzz_entry_points.cpp.
#include "fuzz/fuzz_entry_points.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const ld::fuzz::Target& target = *ld::fuzz::findTarget("polygon");
    return ld::fuzz::runForFuzzer(target, data, size);
}
