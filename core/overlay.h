#pragma once
// Annotations drawn over their image (filled at an opacity, outlined), for headless
// review of what a batch run produced.
#include "core/dataset.h"

#include <opencv2/core.hpp>

#include <map>
#include <string>

namespace ld {

struct OverlayOptions {
    double opacity = 0.45;
    int outlineWidth = 2;
};

// `rgb` is the oriented image (CV_8UC3); returns a new image. Colours by category order
// in `dataset.categories` (core/palette.h).
cv::Mat renderOverlay(const cv::Mat& rgb, const Dataset& dataset, int64_t imageId,
                      const OverlayOptions& options = {});

// A file name per image id for a folder of overlays: the image's stem (safeFileName) +
// `suffix` + ".png", or stem-<id> + suffix + ".png" where images share a stem (a.png and
// a.jpg, x/a.png, A.png), so that no overlay overwrites another; never a path. The rule
// of every per-image export (core/formats/output_names.h) on the stem alone.
std::map<int64_t, std::string> overlayFileNames(const Dataset& dataset, const std::string& suffix = "");

}  // namespace ld
