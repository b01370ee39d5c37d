#include "core/file_batch.h"

#include "core/atomic_file.h"
#include "core/error.h"

#include <filesystem>
#include <set>

namespace ld {
namespace fs = std::filesystem;

namespace {

// fs::exists without an error_code throws std::filesystem::filesystem_error for anything
// but "not found" (e.g. a name longer than NAME_MAX taken from a dataset): an ld::Error
// naming the path instead.
bool existsOrThrow(const fs::path& p) {
    std::error_code ec;
    const bool found = fs::exists(p, ec);
    if (ec) throw Error(p.string(), "cannot write here: " + ec.message());
    return found;
}

}  // namespace

void FileBatch::commit() {
    std::set<std::string> seen;
    for (const auto& f : files_) {
        if (!seen.insert(f.first).second) throw Error(f.first, "written twice by one export (file name clash)");
    }
    std::vector<fs::path> createdFiles;
    std::vector<fs::path> createdDirs;
    try {
        for (const auto& [path, bytes] : files_) {
            fs::path p(path);
            fs::path parent = p.parent_path();
            if (!parent.empty() && !existsOrThrow(parent)) {
                // Remember the outermost folder we create, to remove it on failure.
                fs::path top = parent;
                while (!top.parent_path().empty() && top.parent_path() != top &&
                       !existsOrThrow(top.parent_path()))
                    top = top.parent_path();
                std::error_code ec;
                fs::create_directories(parent, ec);
                if (ec) throw Error(parent.string(), "cannot create folder: " + ec.message());
                createdDirs.push_back(top);
            }
            const bool existed = existsOrThrow(p);
            writeFileAtomic(path, bytes);
            if (!existed) createdFiles.push_back(p);
        }
    } catch (...) {
        std::error_code ec;
        for (const auto& p : createdFiles) fs::remove(p, ec);
        for (auto it = createdDirs.rbegin(); it != createdDirs.rend(); ++it) fs::remove_all(*it, ec);
        throw;
    }
}

}  // namespace ld
