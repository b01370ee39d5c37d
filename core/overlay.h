#pragma once
// Annotations drawn over their image (filled at an opacity, outlined), for headless
// review of what a batch run produced.
#include "core/dataset.h"

#include <opencv2/core.hpp>

namespace ld {

struct OverlayOptions {
    double opacity = 0.45;
    int outlineWidth = 2;
};

// `rgb` is the oriented image (CV_8UC3); returns a new image. Colours by category order
// in `dataset.categories` (core/palette.h).
cv::Mat renderOverlay(const cv::Mat& rgb, const Dataset& dataset, int64_t imageId,
                      const OverlayOptions& options = {});

}  // namespace ld
