#pragma once
// Write-then-rename: a reader (or a crash) never sees a half-written file.
#include <string>

namespace ld {

// Writes `bytes` to a temporary file beside `path`, fsyncs it, renames it over `path`
// and fsyncs the directory. Throws ld::Error naming `path` on failure; on failure the
// previous content of `path` is untouched and no temporary file is left behind.
void writeFileAtomic(const std::string& path, const std::string& bytes);

// fsyncs a directory, so that a rename inside it is durable (best effort).
void syncDirectory(const std::string& dir);

// Reads a whole file; throws ld::Error naming `path` when it cannot.
std::string readFile(const std::string& path);

}  // namespace ld
