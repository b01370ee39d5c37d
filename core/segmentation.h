#pragma once
// An annotation's shape as datasets store it: polygons, or an RLE (also how masks are
// held in memory: compact, and what COCO writes).
#include "core/geometry.h"
#include "core/mask.h"
#include "core/rle.h"

#include <vector>

namespace ld {

struct Segmentation {
    enum class Kind { None, Polygons, Rle };
    Kind kind = Kind::None;
    std::vector<Polygon> polygons;
    Rle rle;

    static Segmentation fromPolygons(std::vector<Polygon> p) {
        Segmentation s;
        s.kind = Kind::Polygons;
        s.polygons = std::move(p);
        return s;
    }
    static Segmentation fromRle(Rle r) {
        Segmentation s;
        s.kind = Kind::Rle;
        s.rle = std::move(r);
        return s;
    }
    static Segmentation fromMask(const BinaryMask& m) { return fromRle(encodeRle(m)); }
};

// The pixels of a segmentation on an image of the given size (polygons rasterised as
// pycocotools does; an RLE of another size is an ld::Error).
Rle toRle(const Segmentation& s, int height, int width);
BinaryMask toMask(const Segmentation& s, int height, int width);

}  // namespace ld
