#pragma once
#include <vector>

namespace ld {

// [x, y, w, h] in pixels, as COCO writes it.
struct BBox {
    double x = 0, y = 0, w = 0, h = 0;
    bool operator==(const BBox& o) const { return x == o.x && y == o.y && w == o.w && h == o.h; }
};

// One polygon as COCO stores it: x0, y0, x1, y1, ... in pixel coordinates where (0,0) is
// the top-left corner of the top-left pixel.
using Polygon = std::vector<double>;

}  // namespace ld
