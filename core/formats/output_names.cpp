#include "core/formats/output_names.h"

#include "core/ascii_lower.h"
#include "core/formats/format_util.h"

#include <set>
#include <string>

namespace ld {
namespace fs = std::filesystem;

OutputStems uniqueOutputStems(const std::vector<ImageInfo>& images,
                              const std::function<fs::path(const ImageInfo&)>& stemOf) {
    auto key = [](const fs::path& p) { return asciiLower(p.generic_string()); };
    std::vector<fs::path> wanted;
    wanted.reserve(images.size());
    std::map<std::string, int> wantedBy;
    for (const auto& image : images) {
        wanted.push_back(stemOf(image));
        ++wantedBy[key(wanted.back())];
    }
    // Every name kept as wanted is reserved before any renaming, so that a renamed image
    // never takes the name of an image that keeps its own.
    std::set<std::string> taken;
    for (const auto& w : wanted)
        if (wantedBy[key(w)] == 1) taken.insert(key(w));

    OutputStems out;
    for (size_t i = 0; i < images.size(); ++i) {
        const fs::path& w = wanted[i];
        if (wantedBy[key(w)] == 1) {
            out.byImage[images[i].id] = w;
            continue;
        }
        const std::string base = w.filename().string() + "-" + std::to_string(images[i].id);
        fs::path candidate = w.parent_path() / base;
        for (int k = 2; !taken.insert(key(candidate)).second; ++k) candidate = w.parent_path() / (base + "-" + std::to_string(k));
        out.byImage[images[i].id] = candidate;
        ++out.renamed;
    }
    return out;
}

fs::path outputStemOf(const ImageInfo& image) {
    fs::path rel = outputNameOf(image.fileName);
    rel.replace_extension();
    return rel;
}

}  // namespace ld
