#include "ui/mask_image.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace ld {

QImage grayImage(const SoftMask& mask) {
    if (mask.empty()) return {};
    cv::Mat g;
    mask.mat().convertTo(g, CV_8U, 255.0);
    return QImage(g.data, g.cols, g.rows, int(g.step), QImage::Format_Grayscale8).copy();
}

QImage maskImage(const BinaryMask& mask, const QColor& color, int fillAlpha, bool outline) {
    if (mask.empty()) return {};
    const int h = mask.height(), w = mask.width();
    QImage out(w, h, QImage::Format_ARGB32_Premultiplied);
    out.fill(Qt::transparent);
    cv::Mat edge;
    if (outline) {
        // The boundary is what erosion removes; 4-neighbour erosion keeps it one pixel thin.
        cv::Mat eroded;
        cv::erode(mask.mat(), eroded, cv::getStructuringElement(cv::MORPH_CROSS, {3, 3}), {-1, -1}, 1,
                  cv::BORDER_CONSTANT, 0);
        edge = mask.mat() - eroded;
    }
    const auto premul = [&](int a) { return qRgba(color.red() * a / 255, color.green() * a / 255, color.blue() * a / 255, a); };
    const QRgb fillPx = premul(fillAlpha), edgePx = premul(255);
    for (int y = 0; y < h; ++y) {
        const uint8_t* m = mask.mat().ptr<uint8_t>(y);
        const uint8_t* e = outline ? edge.ptr<uint8_t>(y) : nullptr;
        auto* o = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < w; ++x) {
            if (e && e[x]) o[x] = edgePx;
            else if (m[x] && fillAlpha > 0) o[x] = fillPx;
        }
    }
    return out;
}

QImage heatImage(const SoftMask& mask, const QColor& color, double gain) {
    if (mask.empty()) return {};
    const int h = mask.height(), w = mask.width();
    QImage out(w, h, QImage::Format_ARGB32_Premultiplied);
    for (int y = 0; y < h; ++y) {
        const float* m = mask.mat().ptr<float>(y);
        auto* o = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < w; ++x) {
            const int a = std::clamp(int(m[x] * gain * 255.0 + 0.5), 0, 255);
            o[x] = qRgba(color.red() * a / 255, color.green() * a / 255, color.blue() * a / 255, a);
        }
    }
    return out;
}

SoftMask softMaskFromGray(const QImage& gray) {
    if (gray.isNull()) return {};
    const QImage g = gray.convertToFormat(QImage::Format_Grayscale8);
    cv::Mat view(g.height(), g.width(), CV_8UC1, const_cast<uchar*>(g.constBits()), size_t(g.bytesPerLine()));
    cv::Mat f;
    view.convertTo(f, CV_32F, 1.0 / 255.0);
    return SoftMask::fromMat(f);
}

}  // namespace ld
