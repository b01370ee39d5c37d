#include "core/formats/panoptic.h"

#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/folder_confinement.h"
#include "core/formats/format_util.h"
#include "core/formats/output_names.h"
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

// A panoptic PNG holds segment id R + 256·G + 256²·B per pixel (OpenCV's order is BGR).
int64_t segmentIdAt(const uint8_t* bgr) { return int64_t(bgr[2]) | int64_t(bgr[1]) << 8 | int64_t(bgr[0]) << 16; }

// Sets the pixels of `r` (column-major runs) to `sid` in the CV_8UC3 `png`; true when one
// of them already held a segment.
bool paintRuns(cv::Mat& png, const Rle& r, int64_t sid) {
    const uint8_t b = uint8_t((sid >> 16) & 255), g = uint8_t((sid >> 8) & 255), red = uint8_t(sid & 255);
    const int64_t h = r.height;
    const size_t step = png.step1();
    bool overlap = false;
    int64_t pos = 0;
    for (size_t k = 0; k < r.counts.size(); ++k) {
        int64_t n = r.counts[k];
        if (k % 2 == 1) {
            while (n > 0) {  // one column's part of the run at a time
                const int64_t x = pos / h, y = pos % h, len = std::min(n, h - y);
                uint8_t* p = png.ptr<uint8_t>(int(y)) + 3 * x;
                for (int64_t i = 0; i < len; ++i, p += step) {
                    overlap = overlap || (p[0] | p[1] | p[2]) != 0;
                    p[0] = b;
                    p[1] = g;
                    p[2] = red;
                }
                pos += len;
                n -= len;
            }
        } else {
            pos += n;
        }
    }
    return overlap;
}

struct SegmentExtent {
    int64_t area = 0;
    int64_t x0 = 0, y0 = 0, x1 = -1, y1 = -1;
};

// Area and tight box of the pixels still showing `sid`, looked for inside `box` (the box
// of everything painted with it: later segments can only have covered some of it).
SegmentExtent segmentExtent(const cv::Mat& png, int64_t sid, const BBox& box) {
    SegmentExtent e;
    const int64_t bx0 = std::max<int64_t>(0, int64_t(box.x)), by0 = std::max<int64_t>(0, int64_t(box.y));
    const int64_t bx1 = std::min<int64_t>(png.cols, int64_t(box.x + box.w));
    const int64_t by1 = std::min<int64_t>(png.rows, int64_t(box.y + box.h));
    for (int64_t y = by0; y < by1; ++y) {
        const uint8_t* row = png.ptr<uint8_t>(int(y));
        for (int64_t x = bx0; x < bx1; ++x) {
            if (segmentIdAt(row + 3 * x) != sid) continue;
            if (e.area++ == 0) {
                e.x0 = e.x1 = x;
                e.y0 = e.y1 = y;
            }
            e.x0 = std::min(e.x0, x);
            e.x1 = std::max(e.x1, x);
            e.y0 = std::min(e.y0, y);
            e.y1 = std::max(e.y1, y);
        }
    }
    return e;
}

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

namespace {

// The categories, each id once.
void readPanopticCategories(const json& j, Dataset& d) {
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
}

// The images (those in `onlyImages` when given), each id once, inside the images folder and
// the size limits; returns each id's index in d.images.
std::map<int64_t, size_t> readPanopticImages(const json& j, const std::set<int64_t>* onlyImages, Dataset& d) {
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
            if (w < 0 || h < 0 || w > kMaxSide || h > kMaxSide || w * h > kMaxPixels) {
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
    return imageIndex;
}

// One image's segments_info against its id PNG: a segment becomes an annotation with the
// PNG's pixels (its id kept unless an earlier image used it), every oddity a warning.
void readSegments(const json& a, const cv::Mat& ids, const ImageInfo& image, PanopticData& out,
                  std::set<int64_t>& usedIds, int64_t& nextFreshId) {
    Dataset& d = out.dataset;
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

}  // namespace

PanopticData readPanoptic(const std::string& jsonPath, const ReadOptions& options,
                          const std::set<int64_t>* onlyImages) {
    PanopticData out;
    Dataset& d = out.dataset;
    const json j = readJsonFile(jsonPath);
    if (!j.is_object() || !j.contains("annotations") || !j["annotations"].is_array())
        throw Error(jsonPath, "not a COCO panoptic file (no \"annotations\" list)");
    if (j.contains("info")) d.info = j["info"];
    if (j.contains("licenses")) d.licenses = j["licenses"];

    readPanopticCategories(j, d);

    std::map<int64_t, size_t> imageIndex = readPanopticImages(j, onlyImages, d);

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

        readSegments(a, ids, image, out, usedIds, nextFreshId);
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
    const OutputStems stems = uniqueOutputStems(dataset.images, outputStemOf);
    if (stems.renamed > 0) warnings.add(kRenamedOutputs, stems.renamed);
    for (const ImageInfo& image : dataset.images) {
        if (image.width <= 0 || image.height <= 0)
            throw Error(image.fileName, "image has no size; a panoptic PNG cannot be made");
        json im = image.extra.is_object() ? image.extra : json::object();
        im["id"] = image.id;
        im["file_name"] = image.fileName;
        im["width"] = image.width;
        im["height"] = image.height;
        images.push_back(std::move(im));

        // The segments are painted straight into the PNG and counted inside their own boxes:
        // at 16384² a full-image id matrix and full-size masks per annotation made the export
        // touch gigabytes of fresh memory (24 s, most of it page faults) where the PNG needs 0.8 GB.
        cv::Mat png = cv::Mat::zeros(image.height, image.width, CV_8UC3);
        std::set<int64_t> used;
        struct Painted {
            const Annotation* annotation;
            int64_t sid;
            BBox box;
        };
        std::vector<Painted> painted;
        for (const Annotation* a : byImage[image.id]) {
            int64_t sid = a->id;
            if (sid <= 0 || sid > kMaxSegmentId || used.count(sid)) {
                sid = 1;
                while (used.count(sid)) ++sid;
            }
            used.insert(sid);
            const Rle r = toRle(a->segmentation, image.height, image.width);
            if (paintRuns(png, r, sid))
                warnings.add("overlapping segments (later annotations painted over earlier ones)");
            painted.push_back({a, sid, rleBbox(r)});
        }
        json segments = json::array();
        for (const auto& [a, sid, box] : painted) {
            const SegmentExtent e = segmentExtent(png, sid, box);
            if (e.area == 0) {
                warnings.add("empty or hidden segments not written");
                continue;
            }
            segments.push_back({{"id", sid},
                                {"category_id", a->categoryId},
                                {"area", e.area},
                                {"bbox", {e.x0, e.y0, e.x1 - e.x0 + 1, e.y1 - e.y0 + 1}},
                                {"iscrowd", a->iscrowd ? 1 : 0}});
            segmentIdOf[a->id] = sid;
        }
        fs::path pngName = stems.byImage.at(image.id);
        pngName += ".png";

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
