// labeldiff-cli overlay: draws a dataset's annotations over its images, one PNG each.
#include "command.h"

#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/image.h"
#include "core/overlay.h"

#include <filesystem>
#include <iostream>
#include <map>

namespace fs = std::filesystem;

namespace {

ld::cli::CommandRegistrar reg{{"overlay", "Draw a dataset's annotations over its images (PNG per image)",
                               [](CLI::App& sub) {
    auto input = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>();
    auto images = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    sub.add_option("INPUT", *input, "Dataset file or folder")->required();
    sub.add_option("--format", *format, "Dataset format (default: detected)");
    sub.add_option("--images", *images, "Image folder (default: the format's own)");
    sub.add_option("--out", *out, "Output folder")->required();
    return [=]() {
        const ld::DatasetFormat* f = format->empty() ? ld::detectDatasetFormat(*input) : ld::findDatasetFormat(*format);
        if (!f) throw ld::Error(*input, format->empty() ? "cannot tell its dataset format; pass --format"
                                                        : "unknown format '" + *format + "'");
        ld::ReadOptions ro;
        ro.imagesDir = *images;
        const ld::Dataset ds = f->read(*input, ro);
        fs::create_directories(*out);
        const std::map<int64_t, std::string> names = ld::overlayFileNames(ds, "_overlay");
        int written = 0;
        for (const ld::ImageInfo& img : ds.images) {
            const std::string src = (fs::path(ds.imagesDir) / img.fileName).string();
            if (!fs::exists(src)) continue;  // the reader already counted it as a warning
            const cv::Mat rgb = ld::loadImageRgb(src);
            ld::saveImage((fs::path(*out) / names.at(img.id)).string(), ld::renderOverlay(rgb, ds, img.id));
            ++written;
        }
        std::cout << "wrote " << written << " overlay images to " << *out << "\n";
        return 0;
    };
}}};

}  // namespace
