#include "core/brush_stroke.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace ld {

BinaryMask rasterizeStroke(const std::vector<StrokePoint>& points, double radius, int height, int width) {
    BinaryMask out(height, width);
    if (points.empty() || radius <= 0) return out;
    // OpenCV draws in pixel-centre coordinates with fixed-point sub-pixel precision.
    constexpr int kShift = 4;
    constexpr double kScale = 1 << kShift;
    const auto at = [&](const StrokePoint& p) {
        return cv::Point(int(std::lround((p.x - 0.5) * kScale)), int(std::lround((p.y - 0.5) * kScale)));
    };
    const int r = std::max(1, int(std::lround(radius * kScale)));
    cv::Mat& m = out.mat();
    cv::circle(m, at(points.front()), r, 1, cv::FILLED, cv::LINE_8, kShift);
    for (size_t i = 1; i < points.size(); ++i) {
        cv::line(m, at(points[i - 1]), at(points[i]), 1, std::max(1, int(std::lround(2 * radius))), cv::LINE_8, kShift);
        cv::circle(m, at(points[i]), r, 1, cv::FILLED, cv::LINE_8, kShift);
    }
    return out;
}

}  // namespace ld
