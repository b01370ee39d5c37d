#pragma once
// A small line chart drawn into an image, for figures in docs/ without a plotting
// library: axes with round ticks, one polyline with markers per series, a legend.
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

namespace ld {

struct LineSeries {
    std::string name;
    std::array<uint8_t, 3> color{0, 0, 0};  // RGB
    std::vector<std::pair<double, double>> points;
};

struct LineChart {
    std::string title, xLabel, yLabel;
    std::vector<LineSeries> series;
};

// CV_8UC3 (BGR, as encodePng takes it), white background. Axis ranges cover every point.
cv::Mat drawLineChart(const LineChart& chart, int width, int height);
// ld::Error naming the path when it cannot be written.
void writeLineChartPng(const LineChart& chart, int width, int height, const std::string& path);

}  // namespace ld
