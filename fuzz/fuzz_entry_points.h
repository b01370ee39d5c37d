#pragma once
// The bodies of the libFuzzer targets, shared with tests/core/test_fuzz_regressions.cpp so
// that a saved reproducer is replayed through exactly the code that found it. Qt-free and
// torch-free: compiled into the clang/sanitizer fuzz build and into the normal GCC build.
//
// Every entry point takes untrusted bytes and either produces a result or fails cleanly
// (ld::Error, or another std::exception). A broken invariant (a saved project that loads
// differently, a decoded mask that encodes to another one) throws fuzz::Finding, which
// is deliberately not a std::exception; crashes and sanitizer reports are findings too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ld::fuzz {

enum class Outcome {
    Result,        // the input was accepted (possibly with warnings)
    Error,         // ld::Error: refused with a message naming the file/field
    StdException,  // another std::exception escaped the parser (tolerated, but counted)
};

const char* toString(Outcome o);

// An invariant the entry point checks was broken: a bug even though nothing crashed.
struct Finding {
    std::string what;
};

using EntryPoint = Outcome (*)(const uint8_t* data, size_t size);

struct Target {
    const char* name;  // also the fuzz binary's name (fuzz_<name>) and tests/data/fuzz/<name>/
    EntryPoint run;
    const char* what;  // one line for README/--help
};

// Every target, in a fixed order.
const std::vector<Target>& targets();
// nullptr when unknown.
const Target* findTarget(const std::string& name);

// The message of the last std::exception (other than ld::Error) an entry point caught.
const std::string& lastStdExceptionMessage();

// The per-process scratch folder the path-based readers read from and write to
// (under /dev/shm when writable, else $TMPDIR or /tmp); removed at exit.
const std::string& scratchDir();

// libFuzzer glue: runs the target, turns a Finding into a message on stderr and abort().
// With LABELDIFF_FUZZ_STRICT=1 in the environment, a std::exception other than ld::Error
// aborts too (to find readers that leak raw nlohmann/std exceptions).
int runForFuzzer(const Target& target, const uint8_t* data, size_t size);

}  // namespace ld::fuzz
