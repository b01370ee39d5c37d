#pragma once
// A painted stroke as pixels: the disc of the brush swept along a polyline, on a mask of
// the image's size. Shared by the GUI's brush and eraser (and anything scripted), so that
// a stroke covers the same pixels wherever it is drawn.
#include "core/mask.h"

#include <vector>

namespace ld {

struct StrokePoint {
    double x = 0, y = 0;  // image pixel coordinates, (0,0) the top-left pixel's corner
};

// Pixels whose centre lies within `radius` of the polyline (a single point: a disc).
BinaryMask rasterizeStroke(const std::vector<StrokePoint>& points, double radius, int height, int width);

}  // namespace ld
