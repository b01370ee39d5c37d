#include "core/formats/folder_dataset.h"

#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/formats/format_util.h"
#include "core/image.h"
#include "core/pixel_limit.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace ld {

Dataset openDatasetOrFolder(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path, "does not exist");
    if (const DatasetFormat* f = detectDatasetFormat(path)) return f->read(path, {});
    if (!fs::is_directory(path, ec)) throw Error(path, "is neither a dataset LabelDiff reads nor a folder");

    // A folder that holds a dataset file (e.g. instances.json beside the images).
    std::vector<fs::path> entries;
    fs::directory_iterator it(path, ec);
    if (ec) throw Error(path, "cannot be read: " + ec.message());
    for (const auto& e : it) entries.push_back(e.path());
    std::sort(entries.begin(), entries.end());
    for (const auto& p : entries) {
        if (p.extension() != ".json") continue;
        if (const DatasetFormat* f = detectDatasetFormat(p.string())) {
            ReadOptions options;
            options.imagesDir = path;
            return f->read(p.string(), options);
        }
    }

    Dataset ds;
    ds.imagesDir = path;
    int64_t id = 1;
    for (const auto& p : entries) {
        if (!hasImageExtension(p.string())) continue;
        ImageInfo info;
        info.fileName = p.filename().string();
        try {
            const ImageHeader h = readImageHeader(p.string());
            info.width = h.orientedWidth();
            info.height = h.orientedHeight();
        } catch (const Error&) {
            ds.warnings.add("unreadable image header (the image is listed; opening it will say why)");
        }
        // Such an image cannot be opened, and a dataset or project stating its size would
        // not load again (every reader checks stated sizes before allocating): left out,
        // named, rather than listed in what is saved from this folder.
        if (!withinImageLimits(info.width, info.height)) {
            ds.warnings.add(info.fileName + ": " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                            " is past the image limits (" + std::to_string(kMaxPixels) + " pixels, " +
                            std::to_string(kMaxSide) + " a side): left out");
            continue;
        }
        info.id = id++;
        ds.images.push_back(std::move(info));
    }
    return ds;
}

}  // namespace ld
