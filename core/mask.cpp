#include "core/mask.h"

#include "core/error.h"
#include "core/rle.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace ld {

namespace {

std::string sizeText(int height, int width) { return std::to_string(height) + "x" + std::to_string(width); }

void checkNonNegative(int height, int width, const char* what) {
    if (height < 0 || width < 0) throw Error(what, "size " + sizeText(height, width) + " is negative");
}

template <class A, class B>
void checkSameSize(const A& a, const B& b, const char* op) {
    if (a.height() != b.height() || a.width() != b.width())
        throw Error(op, "mask sizes differ: " + sizeText(a.height(), a.width()) + " and " +
                            sizeText(b.height(), b.width()));
}

void checkTargetSize(int width, int height, const char* what) {
    if (width <= 0 || height <= 0)
        throw Error(what, "target size " + sizeText(height, width) + " is not positive");
}

// A 1-pixel zero frame makes "touches the image border" the same as "reaches the frame",
// so one flood fill from a corner finds all background that is not enclosed.
cv::Mat outsideBackground(const BinaryMask& m) {
    cv::Mat padded;
    cv::copyMakeBorder(m.mat(), padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    // 4-connected background, matching 8-connected foreground.
    cv::floodFill(padded, cv::Point(0, 0), cv::Scalar(2), nullptr, cv::Scalar(0), cv::Scalar(0), 4);
    return padded(cv::Rect(1, 1, m.width(), m.height())) == 2;
}

}  // namespace

BinaryMask::BinaryMask(int height, int width) {
    checkNonNegative(height, width, "binary mask");
    mat_ = cv::Mat::zeros(height, width, CV_8UC1);
}

BinaryMask BinaryMask::fromMat(const cv::Mat& m) {
    if (m.channels() != 1 || (m.depth() != CV_8U && m.depth() != CV_8S))
        throw Error("binary mask", "expected a single-channel 8-bit matrix, got " + std::to_string(m.channels()) +
                                       " channel(s) of depth " + std::to_string(m.depth()));
    BinaryMask b;
    if (m.empty()) {
        b.mat_ = cv::Mat::zeros(m.rows, m.cols, CV_8UC1);
        return b;
    }
    cv::Mat nz = m != 0;  // 0 or 255, CV_8U
    nz.convertTo(b.mat_, CV_8U, 1.0 / 255.0);
    return b;
}

bool BinaryMask::operator==(const BinaryMask& o) const {
    if (height() != o.height() || width() != o.width()) return false;
    if (empty()) return true;
    return cv::countNonZero(mat_ != o.mat_) == 0;
}

SoftMask::SoftMask(int height, int width) {
    checkNonNegative(height, width, "soft mask");
    mat_ = cv::Mat::zeros(height, width, CV_32FC1);
}

SoftMask SoftMask::fromMat(const cv::Mat& m) {
    if (m.channels() != 1 || (m.depth() != CV_32F && m.depth() != CV_64F))
        throw Error("soft mask", "expected a single-channel float matrix, got " + std::to_string(m.channels()) +
                                     " channel(s) of depth " + std::to_string(m.depth()));
    SoftMask s;
    m.convertTo(s.mat_, CV_32F);
    for (int y = 0; y < s.mat_.rows; ++y) {
        float* row = s.mat_.ptr<float>(y);
        for (int x = 0; x < s.mat_.cols; ++x) {
            const float v = row[x];
            // NaN fails every comparison and ends up as 0.
            row[x] = v >= 1.f ? 1.f : (v > 0.f ? v : 0.f);
        }
    }
    return s;
}

int64_t area(const BinaryMask& m) { return m.empty() ? 0 : cv::countNonZero(m.mat()); }

BBox bbox(const BinaryMask& m) {
    // Through the RLE so that a mask and its RLE can never disagree.
    if (m.empty()) return BBox{};
    return rleBbox(encodeRle(m));
}

int64_t intersectionArea(const BinaryMask& a, const BinaryMask& b) {
    checkSameSize(a, b, "mask intersection");
    if (a.empty()) return 0;
    cv::Mat i;
    cv::bitwise_and(a.mat(), b.mat(), i);
    return cv::countNonZero(i);
}

int64_t unionArea(const BinaryMask& a, const BinaryMask& b) {
    checkSameSize(a, b, "mask union");
    if (a.empty()) return 0;
    cv::Mat u;
    cv::bitwise_or(a.mat(), b.mat(), u);
    return cv::countNonZero(u);
}

double iou(const BinaryMask& a, const BinaryMask& b) {
    checkSameSize(a, b, "mask IoU");
    const int64_t u = unionArea(a, b);
    if (u == 0) return 1.0;
    return double(intersectionArea(a, b)) / double(u);
}

BinaryMask resize(const BinaryMask& m, int width, int height) {
    checkTargetSize(width, height, "mask resize");
    if (m.empty()) throw Error("mask resize", "source mask is empty");
    // Nearest pixel centre: target centre (x+0.5) maps to source x' = (x+0.5)·W/w. OpenCV's
    // INTER_NEAREST uses floor(x·W/w) instead, which shifts masks by up to half a pixel.
    std::vector<int> sx(static_cast<size_t>(width)), sy(static_cast<size_t>(height));
    for (int x = 0; x < width; ++x)
        sx[size_t(x)] = std::min(m.width() - 1, int(std::floor((x + 0.5) * m.width() / width)));
    for (int y = 0; y < height; ++y)
        sy[size_t(y)] = std::min(m.height() - 1, int(std::floor((y + 0.5) * m.height() / height)));
    BinaryMask out(height, width);
    for (int y = 0; y < height; ++y) {
        const uint8_t* src = m.mat().ptr<uint8_t>(sy[size_t(y)]);
        uint8_t* dst = out.mat().ptr<uint8_t>(y);
        for (int x = 0; x < width; ++x) dst[x] = src[sx[size_t(x)]];
    }
    return out;
}

SoftMask resize(const SoftMask& m, int width, int height) {
    checkTargetSize(width, height, "soft mask resize");
    if (m.empty()) throw Error("soft mask resize", "source mask is empty");
    SoftMask out;
    cv::resize(m.mat(), out.mat(), cv::Size(width, height), 0, 0, cv::INTER_LINEAR);
    return out;
}

BinaryMask threshold(const SoftMask& m, float tau) {
    BinaryMask out(m.height(), m.width());
    if (m.empty()) return out;
    cv::Mat ge = m.mat() >= tau;
    ge.convertTo(out.mat(), CV_8U, 1.0 / 255.0);
    return out;
}

SoftMask toSoft(const BinaryMask& m) {
    SoftMask out(m.height(), m.width());
    if (!m.empty()) m.mat().convertTo(out.mat(), CV_32F);
    return out;
}

BinaryMask unite(const BinaryMask& a, const BinaryMask& b) {
    checkSameSize(a, b, "mask union");
    BinaryMask out(a.height(), a.width());
    if (!a.empty()) cv::bitwise_or(a.mat(), b.mat(), out.mat());
    return out;
}

BinaryMask subtract(const BinaryMask& a, const BinaryMask& b) {
    checkSameSize(a, b, "mask subtraction");
    BinaryMask out(a.height(), a.width());
    if (a.empty()) return out;
    cv::Mat notB = 1 - b.mat();
    cv::bitwise_and(a.mat(), notB, out.mat());
    return out;
}

BinaryMask intersect(const BinaryMask& a, const BinaryMask& b) {
    checkSameSize(a, b, "mask intersection");
    BinaryMask out(a.height(), a.width());
    if (!a.empty()) cv::bitwise_and(a.mat(), b.mat(), out.mat());
    return out;
}

bool hasHoles(const BinaryMask& m) {
    if (m.empty()) return false;
    const cv::Mat outside = outsideBackground(m);
    // Every pixel is foreground or reachable background unless a hole exists.
    return cv::countNonZero(m.mat()) + cv::countNonZero(outside) != int64_t(m.width()) * m.height();
}

BinaryMask fillHoles(const BinaryMask& m) {
    BinaryMask out(m.height(), m.width());
    if (m.empty()) return out;
    const cv::Mat outside = outsideBackground(m);
    cv::Mat filled = outside == 0;
    filled.convertTo(out.mat(), CV_8U, 1.0 / 255.0);
    return out;
}

BinaryMask removeSpecks(const BinaryMask& m, int minArea) {
    BinaryMask out(m.height(), m.width());
    if (m.empty()) return out;
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(m.mat(), labels, stats, centroids, 8, CV_32S);
    std::vector<uint8_t> keep(size_t(n), 0);
    for (int i = 1; i < n; ++i) keep[size_t(i)] = stats.at<int>(i, cv::CC_STAT_AREA) >= minArea ? 1 : 0;
    for (int y = 0; y < m.height(); ++y) {
        const int* l = labels.ptr<int>(y);
        uint8_t* dst = out.mat().ptr<uint8_t>(y);
        for (int x = 0; x < m.width(); ++x) dst[x] = keep[size_t(l[x])];
    }
    return out;
}

}  // namespace ld
