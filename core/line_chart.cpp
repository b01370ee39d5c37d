#include "core/line_chart.h"

#include "core/atomic_file.h"
#include "core/png_codec.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ld {

namespace {

// A tick step of 1, 2 or 5 times a power of ten giving about `n` intervals.
double niceStep(double span, int n) {
    const double raw = span / n;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= raw) return m * p;
    return 10 * p;
}

std::string label(double v, double step) {
    char buf[32];
    const int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

cv::Scalar bgr(const std::array<uint8_t, 3>& c) { return cv::Scalar(c[2], c[1], c[0]); }

}  // namespace

cv::Mat drawLineChart(const LineChart& chart, int width, int height) {
    cv::Mat img(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
    double x0 = std::numeric_limits<double>::max(), x1 = -x0, y0 = x0, y1 = -x0;
    for (const auto& s : chart.series)
        for (const auto& [x, y] : s.points) {
            x0 = std::min(x0, x), x1 = std::max(x1, x);
            y0 = std::min(y0, y), y1 = std::max(y1, y);
        }
    if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    if (x1 - x0 < 1e-12) x1 = x0 + 1;
    if (y1 - y0 < 1e-12) y1 = y0 + 0.01;
    const double xs = niceStep(x1 - x0, 6), ys = niceStep(y1 - y0, 5);
    x0 = std::floor(x0 / xs) * xs, x1 = std::ceil(x1 / xs) * xs;
    y0 = std::floor(y0 / ys) * ys, y1 = std::ceil(y1 / ys) * ys;

    const int left = 70, right = 20, top = 40, bottom = 55;
    const cv::Rect plot(left, top, width - left - right, height - top - bottom);
    auto px = [&](double x, double y) {
        return cv::Point(int(std::lround(plot.x + (x - x0) / (x1 - x0) * plot.width)),
                         int(std::lround(plot.y + plot.height - (y - y0) / (y1 - y0) * plot.height)));
    };
    const int font = cv::FONT_HERSHEY_SIMPLEX;
    const cv::Scalar ink(40, 40, 40), grid(225, 225, 225);
    for (double y = y0; y <= y1 + ys / 2; y += ys) {
        cv::line(img, px(x0, y), px(x1, y), grid, 1, cv::LINE_AA);
        cv::putText(img, label(y, ys), px(x0, y) + cv::Point(-60, 5), font, 0.45, ink, 1, cv::LINE_AA);
    }
    for (double x = x0; x <= x1 + xs / 2; x += xs) {
        cv::line(img, px(x, y0), px(x, y1), grid, 1, cv::LINE_AA);
        cv::putText(img, label(x, xs), px(x, y0) + cv::Point(-8, 20), font, 0.45, ink, 1, cv::LINE_AA);
    }
    cv::rectangle(img, plot, ink, 1);
    cv::putText(img, chart.title, cv::Point(left, 25), font, 0.6, ink, 1, cv::LINE_AA);
    cv::putText(img, chart.xLabel, cv::Point(plot.x + plot.width / 2 - 60, height - 12), font, 0.5, ink, 1, cv::LINE_AA);
    // The y label sits above the axis: OpenCV draws no rotated text.
    cv::putText(img, chart.yLabel, cv::Point(8, top - 6), font, 0.45, ink, 1, cv::LINE_AA);

    int legendY = plot.y + 18;
    for (const auto& s : chart.series) {
        std::vector<std::pair<double, double>> pts = s.points;
        std::sort(pts.begin(), pts.end());
        for (size_t i = 0; i + 1 < pts.size(); ++i)
            cv::line(img, px(pts[i].first, pts[i].second), px(pts[i + 1].first, pts[i + 1].second), bgr(s.color), 2,
                     cv::LINE_AA);
        for (const auto& [x, y] : pts) cv::circle(img, px(x, y), 4, bgr(s.color), cv::FILLED, cv::LINE_AA);
        const cv::Point at(plot.x + plot.width - 170, legendY);
        cv::line(img, at, at + cv::Point(24, 0), bgr(s.color), 2, cv::LINE_AA);
        cv::putText(img, s.name, at + cv::Point(30, 5), font, 0.45, ink, 1, cv::LINE_AA);
        legendY += 20;
    }
    return img;
}

void writeLineChartPng(const LineChart& chart, int width, int height, const std::string& path) {
    writeFileAtomic(path, encodePng(drawLineChart(chart, width, height), path));
}

}  // namespace ld
