#pragma once
// Miniature labelled data for training-in-test: a red disc ("circle") and a blue square
// ("square") on a noisy grey ground, sometimes only one of them, with exact masks.
#include "core/mask.h"

#include <opencv2/imgproc.hpp>

#include <random>
#include <string>

namespace ld::test {

struct ShapeScene {
    cv::Mat rgb;  // CV_8UC3
    BinaryMask circle, square;
    const BinaryMask& mask(const std::string& phrase) const { return phrase == "circle" ? circle : square; }
};

inline ShapeScene renderShapeScene(uint64_t seed, int size, bool both = true) {
    std::mt19937_64 rng(seed);
    auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    ShapeScene s;
    s.rgb = cv::Mat(size, size, CV_8UC3);
    cv::randu(s.rgb, cv::Scalar(90, 90, 90), cv::Scalar(150, 150, 150));
    s.circle = BinaryMask(size, size);
    s.square = BinaryMask(size, size);
    const int which = both ? 2 : int(rng() % 2);  // 0: circle only, 1: square only
    const bool circleLeft = rng() % 2;
    auto centre = [&](bool left) {
        return cv::Point(int(((left ? 0.25 : 0.75) + uni(-0.08, 0.08)) * size),
                         int(uni(0.3, 0.7) * size));
    };
    if (which != 1) {
        const cv::Point c = centre(circleLeft);
        const int r = int(uni(0.14, 0.2) * size);
        cv::circle(s.rgb, c, r, cv::Scalar(int(uni(180, 230)), int(uni(20, 60)), int(uni(20, 60))), cv::FILLED);
        cv::circle(s.circle.mat(), c, r, cv::Scalar(1), cv::FILLED);
    }
    if (which != 0) {
        const cv::Point c = centre(!circleLeft);
        const int h = int(uni(0.12, 0.18) * size);
        const cv::Rect box(c.x - h, c.y - h, 2 * h, 2 * h);
        cv::rectangle(s.rgb, box, cv::Scalar(int(uni(20, 60)), int(uni(40, 80)), int(uni(180, 230))), cv::FILLED);
        cv::rectangle(s.square.mat(), box, cv::Scalar(1), cv::FILLED);
    }
    return s;
}

}  // namespace ld::test
