#pragma once
// One limit on the size of an image or mask, for every path that allocates from a size a
// file states (image headers, RLE sizes, dataset and project width/height, panoptic
// images), checked before the allocation: a 150-byte COCO file stating 65535×65535 must
// not make an export allocate gigabytes.
#include <cstdint>
#include <string>

namespace ld {

constexpr int64_t kMaxPixels = int64_t(1) << 28;  // 268 M pixels ≈ 16k × 16k (256 MB as an 8-bit mask)
// A stated width or height beyond this is implausible: COCO and panoptic readers refuse it.
constexpr int64_t kMaxSide = 1000000;

// ld::Error(subject, "<what> W×H has N pixels, more than the limit of ...") when
// width · height exceeds kMaxPixels (sizes must already be non-negative).
void checkPixelLimit(int64_t width, int64_t height, const std::string& subject, const std::string& what);
// True when an image of width × height (non-negative) passes both limits above: what a
// dataset may state and still be read back.
inline bool withinImageLimits(int64_t width, int64_t height) {
    return width <= kMaxSide && height <= kMaxSide && width * height <= kMaxPixels;
}

}  // namespace ld
