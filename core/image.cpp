#include "core/image.h"

#include "core/ascii_lower.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/exif_orientation.h"
#include "core/image_header_parser.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <vector>

#include <sys/stat.h>

namespace ld {

namespace {

// Any depth to 8 bits with the full range mapped onto 0..255.
cv::Mat toEightBit(const cv::Mat& m, const std::string& path) {
    cv::Mat out;
    switch (m.depth()) {
        case CV_8U: return m;
        case CV_8S: m.convertTo(out, CV_8U, 1.0, 128.0); break;
        case CV_16U: m.convertTo(out, CV_8U, 1.0 / 257.0); break;
        case CV_16S: m.convertTo(out, CV_8U, 1.0 / 257.0, 128.0); break;
        case CV_32S: m.convertTo(out, CV_8U, 255.0 / 2147483647.0); break;
        case CV_32F:
        case CV_64F: m.convertTo(out, CV_8U, 255.0); break;  // float images are 0..1
        default: throw Error(path, "unsupported pixel depth");
    }
    return out;
}

cv::Mat compositeOver(const cv::Mat& bgra, const cv::Vec3b& backgroundRgb) {
    cv::Mat rgb(bgra.rows, bgra.cols, CV_8UC3);
    for (int y = 0; y < bgra.rows; ++y) {
        const cv::Vec4b* in = bgra.ptr<cv::Vec4b>(y);
        cv::Vec3b* out = rgb.ptr<cv::Vec3b>(y);
        for (int x = 0; x < bgra.cols; ++x) {
            const int a = in[x][3];
            for (int c = 0; c < 3; ++c) {
                const int fg = in[x][2 - c];  // BGR -> RGB
                out[x][c] = uchar((fg * a + backgroundRgb[c] * (255 - a) + 127) / 255);
            }
        }
    }
    return rgb;
}

cv::Mat toRgb(const cv::Mat& decoded, const cv::Vec3b& background, const std::string& path) {
    const cv::Mat m = toEightBit(decoded, path);
    cv::Mat rgb;
    switch (m.channels()) {
        case 1: cv::cvtColor(m, rgb, cv::COLOR_GRAY2RGB); break;
        case 2: {  // grey + alpha
            std::vector<cv::Mat> ga;
            cv::split(m, ga);
            cv::Mat bgra;
            cv::merge(std::vector<cv::Mat>{ga[0], ga[0], ga[0], ga[1]}, bgra);
            rgb = compositeOver(bgra, background);
            break;
        }
        case 3: cv::cvtColor(m, rgb, cv::COLOR_BGR2RGB); break;
        case 4: rgb = compositeOver(m, background); break;
        default: throw Error(path, "unsupported number of channels: " + std::to_string(m.channels()));
    }
    return rgb;
}

std::string lowerExtension(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
    return asciiLower(path.substr(dot));
}

void put16(std::vector<uchar>& b, uint32_t v) {
    b.push_back(uchar(v));
    b.push_back(uchar(v >> 8));
}
void put32(std::vector<uchar>& b, uint32_t v) {
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}

// OpenCV's TIFF decoder (through libtiff) honours the Orientation tag in some versions
// (4.6 does, even with IMREAD_UNCHANGED) and not in others. Decoding a 2x1 image tagged
// "mirrored" tells which, so that the orientation is applied exactly once.
bool tiffDecoderAppliesOrientation() {
    static const bool applies = [] {
        std::vector<uchar> t = {'I', 'I', 42, 0};
        put32(t, 8);
        const uint16_t n = 10;
        put16(t, n);
        const uint32_t dataOffset = 8 + 2 + n * 12 + 4;
        auto entry = [&](uint32_t tag, uint32_t type, uint32_t value) {
            put16(t, tag);
            put16(t, type);
            put32(t, 1);
            if (type == 3) {
                put16(t, value);
                put16(t, 0);
            } else {
                put32(t, value);
            }
        };
        entry(256, 4, 2);           // width
        entry(257, 4, 1);           // height
        entry(258, 3, 8);           // bits per sample
        entry(259, 3, 1);           // no compression
        entry(262, 3, 1);           // grey, black is zero
        entry(273, 4, dataOffset);  // strip offset
        entry(274, 3, 2);           // orientation: mirrored left-right
        entry(277, 3, 1);           // samples per pixel
        entry(278, 4, 1);           // rows per strip
        entry(279, 4, 2);           // strip byte count
        put32(t, 0);
        t.push_back(0);
        t.push_back(255);
        try {
            const cv::Mat m = cv::imdecode(t, cv::IMREAD_UNCHANGED);
            if (m.empty() || m.cols != 2 || m.rows != 1 || m.depth() != CV_8U) return true;
            return m.ptr<uchar>(0)[0] > m.ptr<uchar>(0)[m.channels()];
        } catch (const cv::Exception&) {
            return true;
        }
    }();
    return applies;
}

}  // namespace

cv::Mat loadImageRgb(const std::string& path, const ImageLoadOptions& options) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw Error(path, "file not found");
    if (!S_ISREG(st.st_mode)) throw Error(path, "not a regular file");
    const std::string bytes = readFile(path);
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
    MemoryByteSource src(data, bytes.size());
    const ParsedImageHeader parsed = parseImageHeader(src, path);
    const ImageHeader& h = parsed.header;

    const int64_t pixels = int64_t(h.width) * int64_t(h.height);
    if (pixels > options.maxPixels)
        throw Error(path, "image of " + std::to_string(h.width) + "x" + std::to_string(h.height) +
                              " pixels exceeds the limit of " + std::to_string(options.maxPixels) +
                              " pixels");
    checkImageComplete(data, bytes.size(), parsed.format, path);

    cv::Mat decoded;
    try {
        // UNCHANGED keeps alpha and 16 bits, and leaves orientation to us (OpenCV applies
        // EXIF only for some flags and only for some formats).
        const cv::Mat buffer(1, int(bytes.size()), CV_8UC1, const_cast<uint8_t*>(data));
        decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        throw Error(path, std::string("cannot decode image: ") + e.what());
    }
    if (decoded.empty()) throw Error(path, "cannot decode image (corrupt or truncated)");
    if (decoded.dims != 2) throw Error(path, "unsupported image layout");
    if (int64_t(decoded.cols) * decoded.rows > options.maxPixels)
        throw Error(path, "decoded image exceeds the pixel limit");

    cv::Mat rgb = toRgb(decoded, options.background, path);
    const bool decoderOriented = parsed.format == ImageFormat::Tiff && tiffDecoderAppliesOrientation();
    if (decoderOriented && !options.applyExifOrientation && h.orientation != 1)
        rgb = undoExifOrientation(rgb, h.orientation);
    else if (!decoderOriented && options.applyExifOrientation && h.orientation != 1)
        rgb = applyExifOrientation(rgb, h.orientation);
    return rgb;
}

void saveImage(const std::string& path, const cv::Mat& rgbOrGrey) {
    if (rgbOrGrey.empty()) throw Error(path, "cannot save an empty image");
    if (rgbOrGrey.depth() != CV_8U || (rgbOrGrey.channels() != 1 && rgbOrGrey.channels() != 3))
        throw Error(path, "only 8-bit grey or RGB images can be saved");
    const std::string ext = lowerExtension(path);
    std::vector<int> params;
    if (ext == ".jpg" || ext == ".jpeg") params = {cv::IMWRITE_JPEG_QUALITY, 95};
    else if (ext == ".png") params = {cv::IMWRITE_PNG_COMPRESSION, 6};
    else if (ext != ".bmp" && ext != ".tif" && ext != ".tiff" && ext != ".webp")
        throw Error(path, "unknown image extension (use .png or .jpg)");
    cv::Mat bgr;
    if (rgbOrGrey.channels() == 3) cv::cvtColor(rgbOrGrey, bgr, cv::COLOR_RGB2BGR);
    else bgr = rgbOrGrey;
    std::vector<uchar> encoded;
    try {
        if (!cv::imencode(ext, bgr, encoded, params)) throw Error(path, "cannot encode image");
    } catch (const cv::Exception& e) {
        throw Error(path, std::string("cannot encode image: ") + e.what());
    }
    writeFileAtomic(path, std::string(encoded.begin(), encoded.end()));
}

}  // namespace ld
