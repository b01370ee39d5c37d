#include "core/overlay.h"

#include "core/formats/format_util.h"
#include "core/formats/output_names.h"
#include "core/palette.h"

#include <filesystem>

#include <opencv2/imgproc.hpp>

namespace ld {

cv::Mat renderOverlay(const cv::Mat& rgb, const Dataset& dataset, int64_t imageId, const OverlayOptions& options) {
    cv::Mat out = rgb.clone();
    for (const Annotation& a : dataset.annotations) {
        if (a.imageId != imageId) continue;
        int index = 0;
        while (index < int(dataset.categories.size()) && dataset.categories[index].id != a.categoryId) ++index;
        const Rgb c = paletteColor(index);
        const cv::Scalar color(c[0], c[1], c[2]);
        const BinaryMask m = toMask(a.segmentation, rgb.rows, rgb.cols);
        cv::Mat tinted = out.clone();
        tinted.setTo(color, m.mat());
        cv::addWeighted(tinted, options.opacity, out, 1.0 - options.opacity, 0.0, out);
        if (options.outlineWidth > 0) {
            std::vector<std::vector<cv::Point>> contours;
            cv::findContours(m.mat().clone(), contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
            cv::drawContours(out, contours, -1, color, options.outlineWidth, cv::LINE_AA);
        }
    }
    return out;
}

std::map<int64_t, std::string> overlayFileNames(const Dataset& dataset, const std::string& suffix) {
    // Overlays go in one flat folder: the stem without the image's sub-folders.
    const OutputStems stems = uniqueOutputStems(dataset.images, [](const ImageInfo& image) {
        return std::filesystem::path(safeFileName(std::filesystem::path(image.fileName).stem().string()));
    });
    std::map<int64_t, std::string> out;
    for (const auto& [id, stem] : stems.byImage) out[id] = stem.string() + suffix + ".png";
    return out;
}

}  // namespace ld
