#pragma once
// EXIF orientation: reading the tag from a TIFF-structured EXIF block and turning a stored
// image into the one a viewer displays.
#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>

namespace ld {

// The Orientation tag (0x0112) of IFD0 in a TIFF-structured block ("II*\0"/"MM\0*"...),
// as found after "Exif\0\0" in a JPEG APP1 segment, in a PNG eXIf chunk, a WebP EXIF
// chunk or at the start of a TIFF file. 1 when absent, out of range or malformed: a bad
// EXIF block must not make an image unreadable.
int exifOrientationFromTiff(const uint8_t* data, size_t size);

// The same, for a block that may start with the "Exif\0\0" prefix (WebP writers differ).
int exifOrientationFromExifBlock(const uint8_t* data, size_t size);

// The displayed image for a stored image with EXIF orientation 1..8 (others: unchanged).
cv::Mat applyExifOrientation(const cv::Mat& stored, int orientation);

// The stored image for a displayed one (the inverse of applyExifOrientation).
cv::Mat undoExifOrientation(const cv::Mat& displayed, int orientation);

}  // namespace ld
