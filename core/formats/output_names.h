#pragma once
// One output name per image for the exports that write a file or folder per image
// (labelme JSONs, mask PNGs and folders, panoptic PNGs, overlays). Named after the image
// alone, a.png and a.jpg would both become a.json and one export would overwrite (or, in
// a FileBatch, refuse) the other.
//
// The rule, deterministic: the same images in the same order get the same names.
// - Each image wants the stem `stemOf` gives (a relative path without its ending, e.g.
//   "x/a"; outputNameOf keeps it inside the output folder).
// - Stems are compared ignoring ASCII case, so that the export survives a case-insensitive
//   file system (a USB stick, macOS, Windows) as well.
// - A stem that only one image wants is kept.
// - Images that want the same stem each get "<stem>-<image id>" (image ids are unique in a
//   Dataset); where that is taken too (another image's own name is "a-2"), they get
//   "<stem>-<image id>-2", "-3", … in the order of `images`.
#include "core/dataset.h"

#include <filesystem>
#include <functional>
#include <map>
#include <vector>

namespace ld {

struct OutputStems {
    std::map<int64_t, std::filesystem::path> byImage;  // image id → stem (no ending)
    int renamed = 0;                                   // images that did not get the stem they wanted
};

OutputStems uniqueOutputStems(const std::vector<ImageInfo>& images,
                              const std::function<std::filesystem::path(const ImageInfo&)>& stemOf);

// outputNameOf(image.fileName) without its extension: the stem every per-image export wants.
std::filesystem::path outputStemOf(const ImageInfo& image);

// The counted warning an export adds when it renamed images.
inline constexpr char kRenamedOutputs[] =
    "images whose output names would collide (a.png, a.jpg) written as <name>-<image id>";

}  // namespace ld
