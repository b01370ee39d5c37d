// libFuzzer target "project": the body is ld::fuzz::findTarget("project") in fuzz_entry_points.cpp.
#include "fuzz/fuzz_entry_points.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const ld::fuzz::Target& target = *ld::fuzz::findTarget("project");
    return ld::fuzz::runForFuzzer(target, data, size);
}
