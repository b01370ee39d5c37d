#include "core/png_codec.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/image_header_parser.h"

#include <opencv2/imgcodecs.hpp>

#include <vector>

namespace ld {

cv::Mat decodePng(const std::string& bytes, const std::string& where) {
    if (bytes.empty()) throw Error(where, "empty file");
    checkEncodedPixelLimit(bytes, where, "image");
    cv::Mat m;
    try {
        std::vector<uchar> buf(bytes.begin(), bytes.end());
        m = cv::imdecode(buf, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        throw Error(where, std::string("cannot decode image: ") + e.what());
    }
    if (m.empty()) throw Error(where, "corrupt, truncated or not an image");
    if (m.depth() != CV_8U && m.depth() != CV_16U)
        throw Error(where, "unsupported pixel type (expected 8 or 16 bit)");
    return m;
}

cv::Mat readPngFile(const std::string& path) { return decodePng(readFile(path), path); }

cv::Mat pngToLabels(const cv::Mat& png, bool binary, const std::string& where) {
    cv::Mat src = png;
    if (src.depth() == CV_16U) {
        double maxValue = 0;
        cv::minMaxLoc(src.reshape(1), nullptr, &maxValue);
        if (binary) {
            cv::Mat nz;
            cv::compare(src.reshape(1), 0, nz, cv::CMP_NE);
            src = nz.reshape(src.channels());
        } else {
            if (maxValue > 255) throw Error(where, "16-bit label values above 255 are not supported");
            src.convertTo(src, CV_8U);
        }
    }
    if (src.channels() == 1) return src;
    std::vector<cv::Mat> planes;
    cv::split(src, planes);
    const int colourPlanes = src.channels() == 2 ? 1 : 3;  // grey+alpha has one value plane
    if (binary) {
        cv::Mat any = cv::Mat::zeros(src.size(), CV_8UC1);
        for (int c = 0; c < colourPlanes; ++c) any |= planes[size_t(c)];
        return any;
    }
    for (int c = 1; c < colourPlanes; ++c) {
        if (cv::countNonZero(planes[size_t(c)] != planes[0]) > 0)
            throw Error(where, "colour PNG where a single-channel label PNG was expected");
    }
    return planes[0];
}

std::string encodePng(const cv::Mat& m, const std::string& where) {
    if (m.empty()) throw Error(where, "cannot write an empty image");
    std::vector<uchar> buf;
    try {
        if (!cv::imencode(".png", m, buf)) throw Error(where, "PNG encoding failed");
    } catch (const cv::Exception& e) {
        throw Error(where, std::string("PNG encoding failed: ") + e.what());
    }
    return std::string(buf.begin(), buf.end());
}

}  // namespace ld
