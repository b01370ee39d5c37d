#include "core/uncertainty_score.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace ld {

int uncertaintyBand(int width, int height) { return std::max(1, int(std::lround(std::min(width, height) / 64.0))); }

UncertaintyScore uncertaintyScore(const BinaryMask& mask, const SoftMask& stddev, const std::vector<SoftMask>& members,
                                  float tau) {
    const cv::Size size = mask.mat().size();
    auto sameSize = [&](const cv::Mat& m, const char* what) {
        if (m.size() != size)
            throw Error("uncertainty score", std::string(what) + " is " + std::to_string(m.cols) + "×" +
                                                 std::to_string(m.rows) + ", the mask " + std::to_string(size.width) +
                                                 "×" + std::to_string(size.height));
    };
    sameSize(stddev.mat(), "the std map");
    for (const SoftMask& m : members) sameSize(m.mat(), "an ensemble member");
    UncertaintyScore s;
    if (mask.empty()) return s;

    const int band = uncertaintyBand(size.width, size.height);
    cv::Mat near;
    cv::dilate(mask.mat(), near, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * band + 1, 2 * band + 1)));
    if (cv::countNonZero(near) > 0) s.meanStd = cv::mean(stddev.mat(), near)[0];

    cv::Mat disputed = cv::Mat::zeros(size, CV_8UC1);
    if (members.size() > 1) {
        cv::Mat above = cv::Mat::zeros(size, CV_32SC1);  // members at or above τ, per pixel
        for (const SoftMask& m : members) cv::add(above, cv::Scalar(1), above, m.mat() >= tau);
        disputed = (above > 0) & (above < int(members.size()));
    }
    s.disputed = cv::countNonZero(disputed);
    cv::Mat region = near | disputed;
    const int64_t regionPixels = cv::countNonZero(region);
    s.disagreement = regionPixels > 0 ? double(s.disputed) / double(regionPixels) : 0.0;
    return s;
}

double imageUncertainty(const std::vector<const UncertaintyScore*>& proposals, int width, int height) {
    if (width <= 0 || height <= 0) return 0;
    double disputed = 0;
    for (const UncertaintyScore* p : proposals)
        if (p) disputed += double(p->disputed);
    return disputed / (double(width) * double(height));
}

}  // namespace ld
