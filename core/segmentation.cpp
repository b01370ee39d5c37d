#include "core/segmentation.h"

#include "core/error.h"
#include "core/polygon.h"

#include <string>

namespace ld {

Rle toRle(const Segmentation& s, int height, int width) {
    if (height <= 0 || width <= 0)
        throw Error("segmentation", "image size " + std::to_string(height) + "x" + std::to_string(width) +
                                        " is not positive");
    switch (s.kind) {
    case Segmentation::Kind::Polygons:
        return rasterizePolygonsRle(s.polygons, height, width);
    case Segmentation::Kind::Rle:
        if (s.rle.height != height || s.rle.width != width)
            throw Error("segmentation", "RLE is " + std::to_string(s.rle.height) + "x" + std::to_string(s.rle.width) +
                                            " but the image is " + std::to_string(height) + "x" +
                                            std::to_string(width));
        checkRle(s.rle, "segmentation");
        return s.rle;
    case Segmentation::Kind::None:
        break;
    }
    Rle r;
    r.height = height;
    r.width = width;
    r.counts = {uint32_t(uint64_t(height) * uint64_t(width))};
    return r;
}

BinaryMask toMask(const Segmentation& s, int height, int width) { return decodeRle(toRle(s, height, width)); }

}  // namespace ld
