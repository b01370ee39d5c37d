#pragma once
// Image loading with EXIF orientation applied, so that what is annotated is what is
// displayed and exported.
#include "core/pixel_limit.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace ld {

struct ImageLoadOptions {
    // Images with more pixels are refused before decoding (ld::Error).
    int64_t maxPixels = kMaxPixels;
    // Alpha is composited over this colour (RGB).
    cv::Vec3b background{255, 255, 255};
    bool applyExifOrientation = true;
};

struct ImageHeader {
    int width = 0;         // as stored in the file, before orientation
    int height = 0;
    int orientation = 1;   // EXIF orientation 1..8
    // Size after orientation (width and height swap for orientations 5..8).
    int orientedWidth() const { return orientation >= 5 ? height : width; }
    int orientedHeight() const { return orientation >= 5 ? width : height; }
};

// Reads only the header: size and EXIF orientation (JPEG, PNG, TIFF, BMP, WebP).
// Throws ld::Error naming the file when it is unreadable or not an image.
ImageHeader readImageHeader(const std::string& path);

// Loads JPEG/PNG/TIFF/BMP/WebP, 8 or 16 bit, grey/RGB/RGBA, as 8-bit RGB (CV_8UC3, R first),
// oriented. Throws ld::Error naming the file: missing, empty, truncated, corrupt, too large.
cv::Mat loadImageRgb(const std::string& path, const ImageLoadOptions& options = {});

// Writes PNG/JPEG atomically (format from the extension). Accepts CV_8UC1 or CV_8UC3 RGB.
void saveImage(const std::string& path, const cv::Mat& rgbOrGrey);

}  // namespace ld
