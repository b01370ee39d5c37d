#include "core/folder_confinement.h"

#include <algorithm>
#include <filesystem>

namespace ld {

namespace fs = std::filesystem;

bool resolvesInsideFolder(const std::string& folder, const std::string& relative) {
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(folder.empty() ? fs::path(".") : fs::path(folder), ec);
    if (ec) return false;
    const fs::path file = fs::weakly_canonical(root / relative, ec);
    if (ec) return false;
    // Component-wise, so that "/data/images2/x" is not taken to be inside "/data/images".
    auto r = root.begin(), f = file.begin();
    for (; r != root.end(); ++r, ++f) {
        if (r->empty() && std::next(r) == root.end()) break;  // a trailing separator
        if (f == file.end() || *f != *r) return false;
    }
    return true;
}

size_t dropImagesResolvingOutside(Dataset& d, const std::string& warning) {
    const auto outside = std::remove_if(d.images.begin(), d.images.end(), [&](const ImageInfo& im) {
        return !im.fileName.empty() && !resolvesInsideFolder(d.imagesDir, im.fileName);
    });
    const size_t dropped = size_t(d.images.end() - outside);
    d.images.erase(outside, d.images.end());
    if (dropped > 0) d.warnings.add(warning, int(dropped));
    return dropped;
}

}  // namespace ld
