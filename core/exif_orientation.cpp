#include "core/exif_orientation.h"

#include <opencv2/core.hpp>

#include <cstring>

namespace ld {

namespace {

struct TiffView {
    const uint8_t* data;
    size_t size;
    bool bigEndian;

    bool u16(size_t off, uint32_t& v) const {
        if (off > size || size - off < 2) return false;
        v = bigEndian ? (uint32_t(data[off]) << 8 | data[off + 1])
                      : (uint32_t(data[off + 1]) << 8 | data[off]);
        return true;
    }
    bool u32(size_t off, uint32_t& v) const {
        if (off > size || size - off < 4) return false;
        const uint8_t* p = data + off;
        v = bigEndian ? (uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3])
                      : (uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0]);
        return true;
    }
};

}  // namespace

int exifOrientationFromTiff(const uint8_t* data, size_t size) {
    if (!data || size < 8) return 1;
    TiffView t{data, size, false};
    if (data[0] == 'I' && data[1] == 'I') t.bigEndian = false;
    else if (data[0] == 'M' && data[1] == 'M') t.bigEndian = true;
    else return 1;
    uint32_t magic = 0, ifd = 0, count = 0;
    if (!t.u16(2, magic) || magic != 42 || !t.u32(4, ifd) || !t.u16(ifd, count)) return 1;
    for (uint32_t i = 0; i < count; ++i) {
        const size_t entry = size_t(ifd) + 2 + size_t(i) * 12;
        uint32_t tag = 0, type = 0, n = 0, value = 0;
        if (!t.u16(entry, tag) || !t.u16(entry + 2, type) || !t.u32(entry + 4, n)) return 1;
        if (tag != 0x0112) continue;
        // SHORT is what the standard says; LONG has been seen from odd writers.
        if (type == 3) {
            if (!t.u16(entry + 8, value)) return 1;
        } else if (type == 4) {
            if (!t.u32(entry + 8, value)) return 1;
        } else {
            return 1;
        }
        return value >= 1 && value <= 8 ? int(value) : 1;
    }
    return 1;
}

int exifOrientationFromExifBlock(const uint8_t* data, size_t size) {
    static const char prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (data && size >= 6 && std::memcmp(data, prefix, 6) == 0)
        return exifOrientationFromTiff(data + 6, size - 6);
    return exifOrientationFromTiff(data, size);
}

cv::Mat applyExifOrientation(const cv::Mat& stored, int orientation) {
    cv::Mat out;
    switch (orientation) {
        case 2: cv::flip(stored, out, 1); break;   // mirror left-right
        case 3: cv::flip(stored, out, -1); break;  // rotate 180
        case 4: cv::flip(stored, out, 0); break;   // mirror top-bottom
        case 5: cv::transpose(stored, out); break;
        case 6:  // rotate 90 clockwise
            cv::transpose(stored, out);
            cv::flip(out, out, 1);
            break;
        case 7:  // transpose across the anti-diagonal
            cv::transpose(stored, out);
            cv::flip(out, out, -1);
            break;
        case 8:  // rotate 90 counter-clockwise
            cv::transpose(stored, out);
            cv::flip(out, out, 0);
            break;
        default: out = stored; break;
    }
    return out;
}

cv::Mat undoExifOrientation(const cv::Mat& displayed, int orientation) {
    // Every orientation is its own inverse except the two quarter turns.
    if (orientation == 6) return applyExifOrientation(displayed, 8);
    if (orientation == 8) return applyExifOrientation(displayed, 6);
    return applyExifOrientation(displayed, orientation);
}

}  // namespace ld
