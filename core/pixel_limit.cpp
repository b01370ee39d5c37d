#include "core/pixel_limit.h"

#include "core/error.h"

namespace ld {

void checkPixelLimit(int64_t width, int64_t height, const std::string& subject, const std::string& what) {
    // Both ≤ 2^31 here in every caller, so the product fits in 64 bits; guard anyway.
    const bool huge = width > (int64_t(1) << 31) || height > (int64_t(1) << 31);
    if (huge || width * height > kMaxPixels)
        throw Error(subject, what + " " + std::to_string(width) + "x" + std::to_string(height) + " has " +
                                 (huge ? std::string("too many") : std::to_string(width * height)) +
                                 " pixels, more than the limit of " + std::to_string(kMaxPixels));
}

}  // namespace ld
