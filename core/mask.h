#pragma once
// Binary and soft masks. Both wrap a single-channel cv::Mat so that OpenCV can work on
// them directly; the wrappers fix the element type and the value range.
#include "core/geometry.h"

#include <opencv2/core.hpp>

#include <cstdint>

namespace ld {

// H×W, CV_8UC1, every value 0 or 1.
class BinaryMask {
public:
    BinaryMask() = default;
    BinaryMask(int height, int width);  // all zero
    // Takes any single-channel 8-bit matrix; nonzero becomes 1. Throws ld::Error otherwise.
    static BinaryMask fromMat(const cv::Mat& m);

    int width() const { return mat_.cols; }
    int height() const { return mat_.rows; }
    bool empty() const { return mat_.empty(); }
    bool at(int y, int x) const { return mat_.at<uint8_t>(y, x) != 0; }
    void set(int y, int x, bool v) { mat_.at<uint8_t>(y, x) = v ? 1 : 0; }
    const cv::Mat& mat() const { return mat_; }
    cv::Mat& mat() { return mat_; }  // callers must keep values in {0,1}
    bool operator==(const BinaryMask& o) const;
    bool operator!=(const BinaryMask& o) const { return !(*this == o); }

private:
    cv::Mat mat_;
};

// H×W, CV_32FC1, probabilities in [0,1].
class SoftMask {
public:
    SoftMask() = default;
    SoftMask(int height, int width);  // all zero
    // Takes a single-channel float matrix; values are clamped to [0,1].
    static SoftMask fromMat(const cv::Mat& m);

    int width() const { return mat_.cols; }
    int height() const { return mat_.rows; }
    bool empty() const { return mat_.empty(); }
    float at(int y, int x) const { return mat_.at<float>(y, x); }
    const cv::Mat& mat() const { return mat_; }
    cv::Mat& mat() { return mat_; }

private:
    cv::Mat mat_;
};

int64_t area(const BinaryMask& m);
// Tight box around the set pixels ([0,0,0,0] for an empty mask), as pycocotools' toBbox.
BBox bbox(const BinaryMask& m);
// Intersection over union; two empty masks have IoU 1. Sizes must match (ld::Error).
double iou(const BinaryMask& a, const BinaryMask& b);
int64_t intersectionArea(const BinaryMask& a, const BinaryMask& b);
int64_t unionArea(const BinaryMask& a, const BinaryMask& b);

// Nearest-neighbour for binary masks (pixel centres), bilinear for soft masks.
BinaryMask resize(const BinaryMask& m, int width, int height);
SoftMask resize(const SoftMask& m, int width, int height);
// value >= tau becomes 1.
BinaryMask threshold(const SoftMask& m, float tau);
SoftMask toSoft(const BinaryMask& m);

BinaryMask unite(const BinaryMask& a, const BinaryMask& b);
BinaryMask subtract(const BinaryMask& a, const BinaryMask& b);
BinaryMask intersect(const BinaryMask& a, const BinaryMask& b);

// True when some background region is enclosed by foreground (8-connected foreground,
// 4-connected background, as contour tracing sees it).
bool hasHoles(const BinaryMask& m);
BinaryMask fillHoles(const BinaryMask& m);
// Removes 8-connected foreground components smaller than minArea pixels.
BinaryMask removeSpecks(const BinaryMask& m, int minArea);

}  // namespace ld
