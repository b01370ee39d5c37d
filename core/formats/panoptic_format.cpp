#include "core/formats/panoptic.h"

#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/folder_confinement.h"
#include "core/formats/format_util.h"
#include "core/pixel_limit.h"
#include "core/json_read.h"
#include "core/png_codec.h"
#include "core/rle.h"
#include "core/segmentation.h"

#include <algorithm>
#include <filesystem>

namespace ld {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kMaxSegmentId = (int64_t(1) << 24) - 1;
const char* const kLeavesImagesFolder = "images whose file_name is empty or leaves the images folder skipped";

std::string splitName(const fs::path& jsonPath) {
    std::string stem = jsonPath.stem().string();
    const std::string prefix = "panoptic_";
    if (stem.compare(0, prefix.size(), prefix) == 0) stem = stem.substr(prefix.size());
    return stem;
}

std::string guessImagesDir(const fs::path& jsonPath, const fs::path& pngFolder) {
    const fs::path dir = jsonPath.parent_path();
    const std::string split = splitName(jsonPath);
    std::error_code ec;
    for (const fs::path& p : {dir / "input_images", dir / "images", dir / split, dir.parent_path() / split,
                              dir.parent_path() / "images" / split, dir.parent_path() / "images"}) {
        if (!p.empty() && fs::is_directory(p, ec) && !fs::equivalent(p, pngFolder, ec)) return p.string();
    }
    return {};
}

Category readCategory(const json& c, Warnings& warnings, bool& ok) {
    Category cat;
    ok = false;
    if (!c.is_object()) return cat;
    auto id = c.contains("id") ? jsonToInt(c["id"]) : std::nullopt;
    if (!id) return cat;
    ok = true;
    cat.id = *id;
    cat.name = jsonString(c, "name", "category_" + std::to_string(*id));
    cat.supercategory = jsonString(c, "supercategory");
    cat.isThing = c.contains("isthing") ? jsonToBool(c["isthing"]).value_or(true) : true;
    if (c.contains("color") && c["color"].is_array() && c["color"].size() == 3) {
        std::array<uint8_t, 3> rgb{};
        bool good = true;
        for (int k = 0; k < 3; ++k) {
            auto v = jsonToInt(c["color"][size_t(k)]);
            if (!v || *v < 0 || *v > 255) good = false;
            else rgb[size_t(k)] = uint8_t(*v);
        }
        if (good) cat.color = rgb;
        else warnings.add("category colours out of range ignored");
    }
    return cat;
}

class PanopticFormat : public DatasetFormat {
public:
    std::string name() const override { return "panoptic"; }
    std::string description() const override { return "COCO panoptic JSON + PNG folder"; }
    int capabilities() const override { return ReadWrite; }

    bool supportsPath(const std::string& path) const override {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec) || fs::path(path).extension() != ".json") return false;
        const std::string head = fileHead(path);
        if (!head.empty() && head.find_first_not_of(" \t\r\n") != std::string::npos &&
            head[head.find_first_not_of(" \t\r\n")] != '{')
            return false;
        if (head.find("\"segments_info\"") != std::string::npos) return true;
        return fileTail(path).find("\"isthing\"") != std::string::npos &&
               fs::is_directory(panopticPngFolder(path), ec);
    }

    Dataset read(const std::string& path, const ReadOptions& options) const override {
        return readPanoptic(path, options).dataset;
    }

    void write(const Dataset& dataset, const std::string& path, const WriteOptions& options) const override {
        FileBatch batch;
        addPanopticFiles(dataset, path, options, batch);
        batch.commit();
    }
};

}  // namespace

std::string panopticPngFolder(const std::string& jsonPath) {
    const fs::path p(jsonPath);
    fs::path own = p;
    own.replace_extension();
    const fs::path dir = p.parent_path();
    std::error_code ec;
    for (const fs::path& c : {own, dir / "panoptic_segmentation" / splitName(p), dir / "panoptic_segmentation"}) {
        if (fs::is_directory(c, ec)) return c.string();
    }
    return own.string();
}

cv::Mat panopticIds(const cv::Mat& png, const std::string& where) {
    if (png.depth() != CV_8U) throw Error(where, "panoptic PNG must be 8-bit");
    cv::Mat ids(png.size(), CV_32SC1);
    const int ch = png.channels();
    if (ch != 1 && ch != 3 && ch != 4) throw Error(where, "panoptic PNG must be RGB");
    for (int y = 0; y < png.rows; ++y) {
        const uint8_t* src = png.ptr<uint8_t>(y);
        int32_t* dst = ids.ptr<int32_t>(y);
        for (int x = 0; x < png.cols; ++x) {
            const uint8_t* px = src + size_t(x) * size_t(ch);
            dst[x] = ch == 1 ? int32_t(px[0]) : int32_t(px[2]) + 256 * int32_t(px[1]) + 65536 * int32_t(px[0]);
        }
    }
    return ids;
}

PanopticData readPanoptic(const std::string& jsonPath, const ReadOptions& options,
                          const std::set<int64_t>* onlyImages) {
    PanopticData out;
    Dataset& d = out.dataset;
    const json j = readJsonFile(jsonPath);
    if (!j.is_object() || !j.contains("annotations") || !j["annotations"].is_array())
        throw Error(jsonPath, "not a COCO panoptic file (no \"annotations\" list)");
    if (j.contains("info")) d.info = j["info"];
    if (j.contains("licenses")) d.licenses = j["licenses"];

    if (j.contains("categories") && j["categories"].is_array()) {
        for (const auto& c : j["categories"]) {
            bool ok = false;
            Category cat = readCategory(c, d.warnings, ok);
            if (!ok) {
                d.warnings.add("categories without an id skipped");
                continue;
            }
            if (d.findCategory(cat.id)) {
                d.warnings.add("duplicate category ids skipped");
                continue;
            }
            d.categories.push_back(cat);
        }
    }

    std::map<int64_t, size_t> imageIndex;
    if (j.contains("images") && j["images"].is_array()) {
        for (const auto& im : j["images"]) {
            auto id = im.is_object() && im.contains("id") ? jsonToInt(im["id"]) : std::nullopt;
            if (!id) {
                d.warnings.add("images without an id skipped");
                continue;
            }
            if (imageIndex.count(*id)) {
                d.warnings.add("duplicate image ids skipped");
                continue;
            }
            if (onlyImages && !onlyImages->count(*id)) continue;
            ImageInfo info;
            info.id = *id;
            const auto inside = insideRelativePath(jsonString(im, "file_name"));
            if (!inside) {
                d.warnings.add(kLeavesImagesFolder);
                continue;
            }
            info.fileName = *inside;
            const int64_t w = im.contains("width") ? jsonToInt(im["width"]).value_or(0) : 0;
            const int64_t h = im.contains("height") ? jsonToInt(im["height"]).value_or(0) : 0;
            if (w < 0 || h < 0 || w > 1000000 || h > 1000000 || w * h > kMaxPixels) {
                d.warnings.add("images of a negative or too large size skipped");
                continue;
            }
            info.width = int(w);
            info.height = int(h);
            info.extra = json::object();
            for (auto it = im.begin(); it != im.end(); ++it)
                if (it.key() != "id" && it.key() != "file_name" && it.key() != "width" && it.key() != "height")
                    info.extra[it.key()] = it.value();
            imageIndex[*id] = d.images.size();
            d.images.push_back(std::move(info));
        }
    }

    d.imagesDir = !options.imagesDir.empty() ? options.imagesDir : guessImagesDir(fs::path(jsonPath), panopticPngFolder(jsonPath));
    // Symbolic links leaving the folder, now that the folder is known ("../x" was refused above).
    if (dropImagesResolvingOutside(d, kLeavesImagesFolder) > 0) {
        imageIndex.clear();
        for (size_t i = 0; i < d.images.size(); ++i) imageIndex[d.images[i].id] = i;
    }
    if (options.checkImagesOnDisk && !d.imagesDir.empty()) {
        std::error_code ec;
        for (const auto& im : d.images)
            if (!fs::exists(fs::path(d.imagesDir) / im.fileName, ec)) d.warnings.add("image files missing");
    }

    // Fresh ids for segment ids that an earlier image already used start above all of them.
    int64_t nextFreshId = 1;
    for (const auto& a : j["annotations"]) {
        if (!a.is_object() || !a.contains("segments_info") || !a["segments_info"].is_array()) continue;
        for (const auto& s : a["segments_info"])
            if (s.is_object() && s.contains("id"))
                nextFreshId = std::max(nextFreshId, jsonToInt(s["id"]).value_or(0) + 1);
    }
    std::set<int64_t> usedIds;
    std::set<int64_t> annotatedImages;

    const std::string pngFolder = panopticPngFolder(jsonPath);
    for (const auto& a : j["annotations"]) {
        if (!a.is_object()) {
            d.warnings.add("malformed panoptic annotations skipped");
            continue;
        }
        auto imageId = a.contains("image_id") ? jsonToInt(a["image_id"]) : std::nullopt;
        if (!imageId) {
            d.warnings.add("panoptic annotations without image_id skipped");
            continue;
        }
        if (onlyImages && !onlyImages->count(*imageId)) continue;
        auto found = imageIndex.find(*imageId);
        if (found == imageIndex.end()) {
            d.warnings.add("panoptic annotations of unknown images skipped");
            continue;
        }
        if (!annotatedImages.insert(*imageId).second) {
            d.warnings.add("second panoptic annotations of one image skipped");
            continue;
        }
        ImageInfo& image = d.images[found->second];
        std::string fileName = jsonString(a, "file_name");
        if (fileName.empty()) {
            fileName = fs::path(image.fileName).replace_extension(".png").string();
            d.warnings.add("panoptic annotations without file_name (image name used)");
        }
        const std::string pngPath = (fs::path(pngFolder) / fileName).string();
        const cv::Mat ids = panopticIds(readPngFile(pngPath), pngPath);
        if (image.width <= 0 || image.height <= 0) {
            image.width = ids.cols;
            image.height = ids.rows;
            d.warnings.add("images without a size (PNG size used)");
        } else if (ids.cols != image.width || ids.rows != image.height) {
            throw Error(pngPath, "is " + std::to_string(ids.cols) + "x" + std::to_string(ids.rows) +
                                     " but image " + std::to_string(image.id) + " is " + std::to_string(image.width) +
                                     "x" + std::to_string(image.height));
        }

        std::set<int64_t> listed;
        const json& segments = a.contains("segments_info") && a["segments_info"].is_array() ? a["segments_info"]
                                                                                            : json::array();
        if (segments.empty() && !a.contains("segments_info")) d.warnings.add("panoptic annotations without segments_info");
        for (const auto& s : segments) {
            auto segId = s.is_object() && s.contains("id") ? jsonToInt(s["id"]) : std::nullopt;
            auto catId = s.is_object() && s.contains("category_id") ? jsonToInt(s["category_id"]) : std::nullopt;
            if (!segId || !catId || *segId <= 0 || *segId > kMaxSegmentId) {
                d.warnings.add("segments without a valid id or category_id skipped");
                continue;
            }
            if (!listed.insert(*segId).second) {
                d.warnings.add("duplicate segment ids within an image skipped");
                continue;
            }
            cv::Mat m;
            cv::compare(ids, cv::Scalar(double(*segId)), m, cv::CMP_EQ);
            const int count = cv::countNonZero(m);
            if (count == 0) {
                d.warnings.add("segments absent from their PNG dropped");
                continue;
            }
            if (s.contains("area")) {
                auto declared = jsonToInt(s["area"]);
                if (declared && *declared != count) d.warnings.add("segment areas differing from the PNG (PNG used)");
            }
            if (!d.findCategory(*catId)) d.warnings.add("segments of unknown categories");
            Annotation ann;
            ann.id = usedIds.count(*segId) ? nextFreshId++ : *segId;
            usedIds.insert(ann.id);
            ann.imageId = image.id;
            ann.categoryId = *catId;
            ann.iscrowd = s.contains("iscrowd") && jsonToBool(s["iscrowd"]).value_or(false);
            ann.segmentation = Segmentation::fromMask(BinaryMask::fromMat(m));
            ann.area = count;
            ann.bbox = rleBbox(ann.segmentation.rle);
            out.annotationIdOf[{image.id, *segId}] = ann.id;
            d.annotations.push_back(std::move(ann));
        }
        // Pixels whose id no segment lists.
        cv::Mat unlisted = ids != 0;
        for (int64_t id : listed) unlisted &= (ids != cv::Scalar(double(id)));
        if (cv::countNonZero(unlisted) > 0) d.warnings.add("PNGs with pixels of unlisted segment ids (ignored)");
    }
    if (d.images.size() > annotatedImages.size())
        d.warnings.add("images without a panoptic annotation", int(d.images.size() - annotatedImages.size()));
    return out;
}

std::map<int64_t, int64_t> addPanopticFiles(const Dataset& dataset, const std::string& jsonPath,
                                            const WriteOptions& options, FileBatch& batch) {
    Warnings localWarnings;
    Warnings& warnings = options.warnings ? *options.warnings : localWarnings;
    std::error_code ec;
    if (fs::is_directory(jsonPath, ec)) throw Error(jsonPath, "panoptic output must be a .json file, not a folder");
    fs::path pngFolder(jsonPath);
    pngFolder.replace_extension();
    if (pngFolder == fs::path(jsonPath)) pngFolder += "_png";

    std::map<int64_t, std::vector<const Annotation*>> byImage;
    for (const auto& a : dataset.annotations) byImage[a.imageId].push_back(&a);
    std::set<int64_t> imageIds;
    for (const auto& im : dataset.images) imageIds.insert(im.id);
    for (const auto& kv : byImage)
        if (!imageIds.count(kv.first)) warnings.add("annotations of unknown images not written", int(kv.second.size()));

    std::map<int64_t, int64_t> segmentIdOf;
    json images = json::array(), annotations = json::array();
    std::set<std::string> pngNames;
    for (const ImageInfo& image : dataset.images) {
        if (image.width <= 0 || image.height <= 0)
            throw Error(image.fileName, "image has no size; a panoptic PNG cannot be made");
        json im = image.extra.is_object() ? image.extra : json::object();
        im["id"] = image.id;
        im["file_name"] = image.fileName;
        im["width"] = image.width;
        im["height"] = image.height;
        images.push_back(std::move(im));

        cv::Mat ids = cv::Mat::zeros(image.height, image.width, CV_32SC1);
        std::set<int64_t> used;
        std::vector<std::pair<const Annotation*, int64_t>> painted;
        for (const Annotation* a : byImage[image.id]) {
            int64_t sid = a->id;
            if (sid <= 0 || sid > kMaxSegmentId || used.count(sid)) {
                sid = 1;
                while (used.count(sid)) ++sid;
            }
            used.insert(sid);
            const BinaryMask m = toMask(a->segmentation, image.height, image.width);
            if (cv::countNonZero((ids != 0) & (m.mat() != 0)) > 0)
                warnings.add("overlapping segments (later annotations painted over earlier ones)");
            ids.setTo(cv::Scalar(double(sid)), m.mat());
            painted.emplace_back(a, sid);
        }
        json segments = json::array();
        for (const auto& [a, sid] : painted) {
            cv::Mat m;
            cv::compare(ids, cv::Scalar(double(sid)), m, cv::CMP_EQ);
            const int count = cv::countNonZero(m);
            if (count == 0) {
                warnings.add("empty or hidden segments not written");
                continue;
            }
            const BBox box = bbox(BinaryMask::fromMat(m));
            segments.push_back({{"id", sid},
                                {"category_id", a->categoryId},
                                {"area", count},
                                {"bbox", {int64_t(box.x), int64_t(box.y), int64_t(box.w), int64_t(box.h)}},
                                {"iscrowd", a->iscrowd ? 1 : 0}});
            segmentIdOf[a->id] = sid;
        }
        fs::path pngName = outputNameOf(image.fileName);
        pngName.replace_extension(".png");
        if (!pngNames.insert(pngName.generic_string()).second)
            throw Error(image.fileName, "two images would share the panoptic PNG " + pngName.generic_string());

        cv::Mat png(image.height, image.width, CV_8UC3);
        for (int y = 0; y < image.height; ++y) {
            const int32_t* src = ids.ptr<int32_t>(y);
            uint8_t* dst = png.ptr<uint8_t>(y);
            for (int x = 0; x < image.width; ++x) {
                dst[3 * x + 0] = uint8_t((src[x] >> 16) & 255);  // B
                dst[3 * x + 1] = uint8_t((src[x] >> 8) & 255);   // G
                dst[3 * x + 2] = uint8_t(src[x] & 255);          // R
            }
        }
        const fs::path pngPath = pngFolder / pngName;
        batch.add(pngPath.string(), encodePng(png, pngPath.string()));
        annotations.push_back({{"image_id", image.id},
                               {"file_name", pngName.generic_string()},
                               {"segments_info", std::move(segments)}});
    }

    json categories = json::array();
    for (const Category& c : dataset.categories) {
        json cj = {{"id", c.id}, {"name", c.name}, {"supercategory", c.supercategory}, {"isthing", c.isThing ? 1 : 0}};
        if (c.color) cj["color"] = {(*c.color)[0], (*c.color)[1], (*c.color)[2]};
        categories.push_back(std::move(cj));
    }
    json j;
    if (!dataset.info.is_null()) j["info"] = dataset.info;
    if (!dataset.licenses.is_null()) j["licenses"] = dataset.licenses;
    j["images"] = std::move(images);
    j["annotations"] = std::move(annotations);
    j["categories"] = std::move(categories);
    batch.add(jsonPath, jsonText(j));
    return segmentIdOf;
}

const DatasetFormat& panopticFormat() {
    static const PanopticFormat format;
    return format;
}

}  // namespace ld
