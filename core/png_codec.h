#pragma once
// PNG files as data rather than pictures: mask and panoptic PNGs are read with their raw
// values (no colour conversion, no EXIF orientation) and written losslessly.
#include <opencv2/core.hpp>

#include <string>

namespace ld {

// Decodes PNG (or any format OpenCV reads) bytes unchanged: 8- or 16-bit, 1, 3 or 4
// channels (colour in OpenCV's BGR order). Throws ld::Error with subject `where` when the
// data is empty, truncated or not an image.
cv::Mat decodePng(const std::string& bytes, const std::string& where);
// Reads and decodes a file (ld::Error naming the file when missing or corrupt).
cv::Mat readPngFile(const std::string& path);
// A single-channel 8-bit view of a mask PNG: grey as is, colour/alpha as "any channel
// nonzero" only when `binary`, otherwise colour with equal channels becomes that value
// (ld::Error when the channels differ), 16-bit values above 255 are an ld::Error.
cv::Mat pngToLabels(const cv::Mat& png, bool binary, const std::string& where);
// Lossless PNG bytes of a CV_8UC1, CV_8UC3 (BGR) or CV_16UC1 matrix.
std::string encodePng(const cv::Mat& m, const std::string& where);

}  // namespace ld
