// labelme JSON: one file per image, as labelme (https://github.com/wkentaro/labelme) saves.
//
// Reading (a folder of *.json, searched recursively, or one file):
//  - imagePath is relative to the JSON file; the images' deepest common folder becomes
//    Dataset::imagesDir (ReadOptions::imagesDir overrides it) and fileName is relative to it.
//  - Shapes with the same label and the same non-null group_id form one instance, as in
//    labelme's labelme2coco.py; a null group_id is an instance of its own.
//  - polygon, rectangle and circle become COCO polygons exactly as labelme2coco.py writes
//    them (rectangle corners x1,y1,x2,y1,x2,y2,x1,y2; circles as its polygon of
//    max(π / acos(1 - 0.1/r), 12) vertices), so the pixels agree with labelme's converter.
//    "mask" shapes (labelme ≥ 5.3) are a base64 PNG of the box given by the two points,
//    x1..x2 and y1..y2 inclusive; an instance with a mask becomes an RLE.
//  - point, line, linestrip and points have no area: skipped with a warning. Shapes
//    labelled "__ignore__" are skipped as labelme2coco.py does.
//  - Categories come from labels.txt (in the folder or its parent) when present, numbered
//    as labelme2coco.py does ("__ignore__" first and skipped, "_background_" is id 0, the
//    others follow); otherwise in order of first appearance from id 1.
//  - A shape flag "iscrowd": true marks a crowd annotation (labelme has no such field;
//    this is how we keep it through a round trip).
//
// Writing (a folder): <fileName without extension>.json per image, imagePath relative to
// the JSON, imageData null, plus labels.txt. Polygon annotations are written as they are;
// masks become polygons (maskToPolygons) when those give back exactly the same pixels,
// otherwise (holes, thin parts) a labelme "mask" shape, so that COCO → labelme → COCO keeps
// every pixel. WriteOptions::Segmentation::Polygons forces polygons (lossy: a warning).
#include "core/base64.h"
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/file_batch.h"
#include "core/formats/format_util.h"
#include "core/formats/output_names.h"
#include "core/json_read.h"
#include "core/image.h"
#include "core/image_header_parser.h"
#include "core/pixel_limit.h"
#include "core/png_codec.h"
#include "core/polygon.h"
#include "core/segmentation.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace ld {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const char* const kIgnoreLabel = "__ignore__";
const char* const kBackgroundLabel = "_background_";

fs::path normalAbsolute(const fs::path& p) {
    std::error_code ec;
    fs::path a = fs::absolute(p, ec);
    return (ec ? p : a).lexically_normal();
}

std::vector<std::string> readLines(const fs::path& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.pop_back();
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

class CategoryTable {
public:
    CategoryTable(Dataset& d) : dataset_(d) {}

    void loadLabels(const fs::path& labelsFile) {
        std::vector<std::string> labels = readLines(labelsFile);
        size_t first = 0;
        if (!labels.empty() && labels[0] == kIgnoreLabel) first = 1;
        int64_t id = (first < labels.size() && labels[first] == kBackgroundLabel) ? 0 : 1;
        for (size_t i = first; i < labels.size(); ++i) {
            if (byName_.count(labels[i])) {
                dataset_.warnings.add("duplicate names in labels.txt ignored");
                continue;
            }
            add(labels[i], id++);
        }
        fromLabelsFile_ = !byName_.empty();
    }

    int64_t idFor(const std::string& label) {
        auto it = byName_.find(label);
        if (it != byName_.end()) return it->second;
        if (fromLabelsFile_) dataset_.warnings.add("labels missing from labels.txt added as categories");
        int64_t id = 1;
        for (const auto& c : dataset_.categories) id = std::max(id, c.id + 1);
        add(label, id);
        return id;
    }

private:
    void add(const std::string& name, int64_t id) {
        Category c;
        c.id = id;
        c.name = name;
        dataset_.categories.push_back(c);
        byName_[name] = id;
    }

    Dataset& dataset_;
    std::map<std::string, int64_t> byName_;
    bool fromLabelsFile_ = false;
};

bool readPoints(const json& shape, std::vector<std::pair<double, double>>& points) {
    auto it = shape.find("points");
    if (it == shape.end() || !it->is_array()) return false;
    for (const auto& p : *it) {
        if (!p.is_array() || p.size() < 2 || !p[0].is_number() || !p[1].is_number()) return false;
        const double x = p[0].get<double>(), y = p[1].get<double>();
        if (!std::isfinite(x) || !std::isfinite(y)) return false;
        points.emplace_back(x, y);
    }
    return true;
}

// labelme2coco.py's polygon for a circle (centre, point on the circle). Its vertex count
// grows with the radius and is undefined below r = 0.05 (acos of less than -1); bounded
// here to 12..4096, which changes nothing for a circle that fits the pixel limit
// (4096 vertices is r ≈ 340 000).
Polygon circlePolygon(double cx, double cy, double px, double py) {
    constexpr double kMaxVertices = 4096;
    const double r = std::hypot(px - cx, py - cy);
    const double exact = r > 0.05 ? M_PI / std::acos(1.0 - 0.1 / r) : 12.0;
    const int n = std::isfinite(exact) ? int(std::clamp(exact, 12.0, kMaxVertices)) : 12;
    Polygon poly;
    for (int i = 0; i < n; ++i) {
        poly.push_back(cx + r * std::sin(2 * M_PI / n * i));
        poly.push_back(cy + r * std::cos(2 * M_PI / n * i));
    }
    return poly;
}

struct Instance {
    std::string label;
    std::vector<Polygon> polygons;
    BinaryMask mask;  // empty unless a "mask" shape belongs to the instance
    bool crowd = false;
};

class LabelmeFormat : public DatasetFormat {
public:
    std::string name() const override { return "labelme"; }
    std::string description() const override { return "labelme JSON (one file per image)"; }
    int capabilities() const override { return ReadWrite; }

    bool supportsPath(const std::string& path) const override {
        std::error_code ec;
        if (fs::is_regular_file(path, ec)) return isLabelmeFile(path);
        if (!fs::is_directory(path, ec)) return false;
        for (const auto& e : fs::directory_iterator(path, ec)) {
            if (e.path().extension() == ".json") return isLabelmeFile(e.path().string());
        }
        return false;
    }

    Dataset read(const std::string& path, const ReadOptions& options) const override {
        Dataset d;
        std::error_code ec;
        std::vector<fs::path> files;
        fs::path labelsDir;
        const bool isFolder = fs::is_directory(path, ec);
        if (isFolder) {
            for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
                 it.increment(ec)) {
                if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path());
            }
            if (ec) throw Error(path, "cannot list folder: " + ec.message());
            std::sort(files.begin(), files.end());
            if (files.empty()) throw Error(path, "no labelme JSON files in this folder");
            labelsDir = path;
        } else if (fs::is_regular_file(path, ec)) {
            files.push_back(path);
            labelsDir = fs::path(path).parent_path();
        } else {
            throw Error(path, "no such file or folder");
        }

        CategoryTable categories(d);
        for (const fs::path& dir : {labelsDir, normalAbsolute(labelsDir).parent_path()}) {
            if (fs::is_regular_file(dir / "labels.txt", ec)) {
                categories.loadLabels(dir / "labels.txt");
                break;
            }
        }

        std::vector<fs::path> imagePaths;
        for (const fs::path& file : files) {
            json j = readJsonFile(file.string());
            if (!j.is_object() || !j.contains("shapes") || !j["shapes"].is_array()) {
                if (!isFolder) throw Error(file.string(), "not a labelme file (no \"shapes\" list)");
                d.warnings.add("JSON files that are not labelme files skipped");
                continue;
            }
            ImageInfo image;
            image.id = int64_t(d.images.size()) + 1;
            fs::path imagePath = resolveImagePath(j, file, options, d.warnings);
            readImageSize(j, file, imagePath, options, image, d.warnings);
            imagePaths.push_back(imagePath);
            d.images.push_back(image);
            readShapes(j["shapes"], file.string(), d.images.back(), categories, d);
        }
        if (d.images.empty()) throw Error(path, "no labelme files found");
        assignFileNames(d, imagePaths, options);
        return d;
    }

    void write(const Dataset& dataset, const std::string& path, const WriteOptions& options) const override {
        std::error_code ec;
        if (fs::exists(path, ec) && !fs::is_directory(path, ec))
            throw Error(path, "labelme output must be a folder, and this is a file");
        Warnings localWarnings;
        Warnings& warnings = options.warnings ? *options.warnings : localWarnings;
        const fs::path outDir = normalAbsolute(path);
        const std::string imagesBase = !options.imagesDir.empty() ? options.imagesDir : dataset.imagesDir;

        std::map<int64_t, std::vector<const Annotation*>> byImage;
        for (const auto& a : dataset.annotations) byImage[a.imageId].push_back(&a);
        std::set<int64_t> imageIds;
        for (const auto& im : dataset.images) imageIds.insert(im.id);
        for (const auto& kv : byImage)
            if (!imageIds.count(kv.first)) warnings.add("annotations of unknown images not written", int(kv.second.size()));

        FileBatch batch;
        const OutputStems stems = uniqueOutputStems(dataset.images, outputStemOf);
        if (stems.renamed > 0) warnings.add(kRenamedOutputs, stems.renamed);
        for (const ImageInfo& image : dataset.images) {
            if (image.width <= 0 || image.height <= 0)
                throw Error(image.fileName, "image has no size; labelme needs imageWidth/imageHeight");
            fs::path rel = stems.byImage.at(image.id);
            rel += ".json";
            const fs::path jsonPath = outDir / rel;
            fs::path imageFile = imagesBase.empty() ? jsonPath.parent_path() / fs::path(image.fileName).filename()
                                                    : normalAbsolute(fs::path(imagesBase) / image.fileName);
            std::string imagePath = imageFile.lexically_relative(jsonPath.parent_path()).generic_string();
            if (imagePath.empty()) imagePath = fs::path(image.fileName).filename().string();

            json shapes = json::array();
            int groupCounter = 0;
            for (const Annotation* a : byImage[image.id])
                addShapes(*a, dataset, image, options, warnings, groupCounter, shapes);

            json j;
            j["version"] = "5.5.0";
            j["flags"] = json::object();
            j["shapes"] = std::move(shapes);
            j["imagePath"] = imagePath;
            j["imageData"] = nullptr;
            j["imageHeight"] = image.height;
            j["imageWidth"] = image.width;
            batch.add(jsonPath.string(), jsonText(j));
        }

        std::string labels = std::string(kIgnoreLabel) + "\n";
        if (const Category* bg = dataset.findCategory(kBackgroundLabel)) labels += bg->name + "\n";
        for (const auto& c : dataset.categories)
            if (c.name != kBackgroundLabel) labels += c.name + "\n";
        batch.add((outDir / "labels.txt").string(), labels);
        batch.commit();
    }

private:
    static bool isLabelmeFile(const std::string& path) {
        const std::string head = fileHead(path, 16384);
        return head.find("\"shapes\"") != std::string::npos && head.find("\"segments_info\"") == std::string::npos;
    }

    static fs::path resolveImagePath(const json& j, const fs::path& file, const ReadOptions& options,
                                     Warnings& warnings) {
        std::string imagePath = jsonString(j, "imagePath");
        std::replace(imagePath.begin(), imagePath.end(), '\\', '/');  // labelme on Windows
        const fs::path dir = file.parent_path();
        if (imagePath.empty()) {
            warnings.add("labelme files without imagePath (image assumed beside the JSON)");
            std::error_code ec;
            for (const auto& e : fs::directory_iterator(dir, ec)) {
                if (e.path().stem() == file.stem() && hasImageExtension(e.path().string()))
                    return normalAbsolute(e.path());
            }
            return normalAbsolute(dir / (file.stem().string() + ".jpg"));
        }
        if (!options.imagesDir.empty()) {
            const fs::path under = fs::path(options.imagesDir) / imagePath;
            std::error_code ec;
            if (fs::exists(under, ec)) return normalAbsolute(under);
            return normalAbsolute(fs::path(options.imagesDir) / fs::path(imagePath).filename());
        }
        return normalAbsolute(dir / imagePath);
    }

    static void readImageSize(const json& j, const fs::path& file, const fs::path& imagePath,
                              const ReadOptions& options, ImageInfo& image, Warnings& warnings) {
        std::error_code ec;
        const bool onDisk = fs::is_regular_file(imagePath, ec);
        const int64_t h = j.contains("imageHeight") ? jsonToInt(j["imageHeight"]).value_or(-1) : -1;
        const int64_t w = j.contains("imageWidth") ? jsonToInt(j["imageWidth"]).value_or(-1) : -1;
        const bool embedded = j.contains("imageData") && j["imageData"].is_string() &&
                              !j["imageData"].get_ref<const std::string&>().empty();
        const bool sized = h > 0 && w > 0 && h < (1 << 20) && w < (1 << 20);
        if (sized) {
            checkPixelLimit(w, h, file.string(), "imageWidth × imageHeight");
            image.height = int(h);
            image.width = int(w);
        } else if (embedded) {
            const std::string bytes = base64Decode(j["imageData"].get<std::string>(), file.string() + ": imageData");
            checkEncodedPixelLimit(bytes, file.string(), "imageData image");
            std::vector<uchar> buf(bytes.begin(), bytes.end());
            cv::Mat m;
            try {
                m = cv::imdecode(buf, cv::IMREAD_COLOR);  // applies EXIF orientation, as labelme does
            } catch (const cv::Exception&) {
            }
            if (m.empty()) throw Error(file.string(), "imageData is not a readable image");
            image.height = m.rows;
            image.width = m.cols;
        } else if (onDisk) {
            const ImageHeader header = readImageHeader(imagePath.string());
            image.height = header.orientedHeight();
            image.width = header.orientedWidth();
        } else {
            throw Error(file.string(), "no imageHeight/imageWidth, and the image " + imagePath.string() +
                                           " cannot be found to measure it");
        }
        if (options.checkImagesOnDisk && !embedded) {
            if (!onDisk) {
                warnings.add("image files missing");
            } else if (sized) {
                try {
                    const ImageHeader header = readImageHeader(imagePath.string());
                    if (header.orientedHeight() != image.height || header.orientedWidth() != image.width)
                        warnings.add("imageHeight/imageWidth differ from the image file (JSON size used)");
                } catch (const Error&) {
                    warnings.add("image files unreadable");
                }
            }
        }
    }

    static void readShapes(const json& shapes, const std::string& file, const ImageInfo& image,
                           CategoryTable& categories, Dataset& d) {
        std::vector<Instance> instances;
        std::map<std::pair<std::string, int64_t>, size_t> grouped;
        int shapeIndex = -1;
        for (const json& shape : shapes) {
            ++shapeIndex;
            if (!shape.is_object() || !shape.contains("label") || !shape["label"].is_string()) {
                d.warnings.add("shapes without a label skipped");
                continue;
            }
            const std::string label = shape["label"].get<std::string>();
            if (label == kIgnoreLabel) {
                d.warnings.add("shapes labelled __ignore__ skipped");
                continue;
            }
            std::string type = jsonString(shape, "shape_type", "polygon");
            std::vector<std::pair<double, double>> pts;
            if (!readPoints(shape, pts)) {
                d.warnings.add("shapes with malformed points skipped");
                continue;
            }
            Polygon polygon;
            BinaryMask mask;
            if (type == "polygon") {
                if (pts.size() < 3) {
                    d.warnings.add("polygons with fewer than 3 points skipped");
                    continue;
                }
                for (const auto& [x, y] : pts) {
                    polygon.push_back(x);
                    polygon.push_back(y);
                }
            } else if (type == "rectangle") {
                if (pts.size() < 2) {
                    d.warnings.add("rectangles without 2 points skipped");
                    continue;
                }
                double x1 = pts[0].first, x2 = pts[0].first, y1 = pts[0].second, y2 = pts[0].second;
                for (const auto& [x, y] : pts) {
                    x1 = std::min(x1, x), x2 = std::max(x2, x), y1 = std::min(y1, y), y2 = std::max(y2, y);
                }
                polygon = {x1, y1, x2, y1, x2, y2, x1, y2};
            } else if (type == "circle") {
                if (pts.size() < 2 || std::hypot(pts[1].first - pts[0].first, pts[1].second - pts[0].second) <= 0) {
                    d.warnings.add("circles without a radius skipped");
                    continue;
                }
                polygon = circlePolygon(pts[0].first, pts[0].second, pts[1].first, pts[1].second);
            } else if (type == "mask") {
                const std::string where = file + ": shape " + std::to_string(shapeIndex) + " (mask)";
                if (!shape.contains("mask") || !shape["mask"].is_string() || pts.empty()) {
                    d.warnings.add("mask shapes without mask data skipped");
                    continue;
                }
                mask = placeMask(shape["mask"].get<std::string>(), pts, image, where, d.warnings);
            } else if (type == "point" || type == "line" || type == "linestrip" || type == "points") {
                d.warnings.add("shapes without area skipped (point, line, linestrip)");
                continue;
            } else {
                d.warnings.add("shapes of unknown type skipped");
                continue;
            }

            size_t index = instances.size();
            std::optional<int64_t> group;
            if (shape.contains("group_id") && !shape["group_id"].is_null()) {
                group = jsonToInt(shape["group_id"]);
                if (!group) d.warnings.add("non-integer group_id ignored");
            }
            if (group) {
                auto key = std::make_pair(label, *group);
                auto it = grouped.find(key);
                if (it != grouped.end())
                    index = it->second;
                else
                    grouped[key] = index;
            }
            if (index == instances.size()) {
                instances.emplace_back();
                instances.back().label = label;
            }
            Instance& inst = instances[index];
            if (!polygon.empty()) inst.polygons.push_back(std::move(polygon));
            if (!mask.empty()) inst.mask = inst.mask.empty() ? mask : unite(inst.mask, mask);
            if (shape.contains("flags") && shape["flags"].is_object() && shape["flags"].contains("iscrowd")) {
                if (jsonToBool(shape["flags"]["iscrowd"]).value_or(false)) inst.crowd = true;
            }
        }

        for (Instance& inst : instances) {
            Annotation a;
            a.id = int64_t(d.annotations.size()) + 1;
            a.imageId = image.id;
            a.categoryId = categories.idFor(inst.label);
            a.iscrowd = inst.crowd;
            if (inst.mask.empty()) {
                a.segmentation = Segmentation::fromPolygons(std::move(inst.polygons));
            } else {
                BinaryMask m = inst.mask;
                if (!inst.polygons.empty()) m = unite(m, rasterizePolygons(inst.polygons, image.height, image.width));
                a.segmentation = Segmentation::fromMask(m);
            }
            setAreaAndBbox(a, image.height, image.width);
            d.annotations.push_back(std::move(a));
        }
    }

    // labelme ≥ 5.3: the PNG is the crop [y1..y2] × [x1..x2] (inclusive) of the instance.
    static BinaryMask placeMask(const std::string& b64, const std::vector<std::pair<double, double>>& pts,
                                const ImageInfo& image, const std::string& where, Warnings& warnings) {
        const cv::Mat crop = pngToLabels(decodePng(base64Decode(b64, where), where), true, where);
        // Points from the file may be anywhere a double reaches (fuzzing found 3.9e9 and
        // 1e95, cast to int: undefined). Far enough out to clip away entirely, and close
        // enough that x2 - x1 + 1 and x1 + width stay within int.
        const auto pixel = [](double v) {
            constexpr double kFar = double(1 << 29);
            return int(std::floor(std::isfinite(v) ? std::clamp(v, -kFar, kFar) : kFar));
        };
        const int x1 = pixel(std::min(pts[0].first, pts.back().first));
        const int y1 = pixel(std::min(pts[0].second, pts.back().second));
        if (pts.size() >= 2) {
            const int x2 = pixel(std::max(pts[0].first, pts[1].first));
            const int y2 = pixel(std::max(pts[0].second, pts[1].second));
            if (x2 - x1 + 1 != crop.cols || y2 - y1 + 1 != crop.rows)
                warnings.add("mask shapes whose PNG size differs from their box (PNG size used)");
        }
        BinaryMask m(image.height, image.width);
        const cv::Rect box(x1, y1, crop.cols, crop.rows);
        const cv::Rect clipped = box & cv::Rect(0, 0, image.width, image.height);
        if (clipped != box) warnings.add("mask shapes reaching outside the image clipped");
        if (clipped.area() > 0) {
            cv::Mat src = crop(cv::Rect(clipped.x - x1, clipped.y - y1, clipped.width, clipped.height));
            cv::Mat dst = m.mat()(clipped);
            cv::compare(src, 0, dst, cv::CMP_NE);  // 255 where set
            dst.setTo(1, dst);
        }
        return m;
    }

    static void assignFileNames(Dataset& d, const std::vector<fs::path>& imagePaths, const ReadOptions& options) {
        fs::path base;
        if (!options.imagesDir.empty()) {
            base = normalAbsolute(options.imagesDir);
        } else {
            // The deepest folder holding every image.
            base = imagePaths.front().parent_path();
            for (const auto& p : imagePaths) {
                const fs::path dir = p.parent_path();
                fs::path common;
                auto a = base.begin(), b = dir.begin();
                for (; a != base.end() && b != dir.end() && *a == *b; ++a, ++b) common /= *a;
                base = common;
            }
        }
        d.imagesDir = base.string();
        for (size_t i = 0; i < d.images.size(); ++i) {
            fs::path rel = imagePaths[i].lexically_relative(base);
            d.images[i].fileName = rel.empty() ? imagePaths[i].string() : rel.generic_string();
        }
    }

    static void addShapes(const Annotation& a, const Dataset& dataset, const ImageInfo& image,
                          const WriteOptions& options, Warnings& warnings, int& groupCounter, json& shapes) {
        std::string label;
        if (const Category* c = dataset.findCategory(a.categoryId)) {
            label = c->name;
        } else {
            label = "category_" + std::to_string(a.categoryId);
            warnings.add("annotations of unknown categories written with a made-up label");
        }
        const int h = image.height, w = image.width;
        std::vector<Polygon> polygons;
        bool usePolygons = false;
        BinaryMask mask;
        if (a.segmentation.kind == Segmentation::Kind::Polygons && !a.segmentation.polygons.empty() &&
            std::all_of(a.segmentation.polygons.begin(), a.segmentation.polygons.end(),
                        [](const Polygon& p) { return p.size() >= 6 && p.size() % 2 == 0; })) {
            polygons = a.segmentation.polygons;
            usePolygons = true;
        } else {
            mask = toMask(a.segmentation, h, w);
            if (area(mask) == 0) {
                warnings.add("empty annotations not written to labelme");
                return;
            }
            PolygonExtraction ext = maskToPolygons(mask);
            if (options.segmentation == WriteOptions::Segmentation::Polygons) {
                if (ext.hadHoles) warnings.add("masks with holes written as polygons (holes filled)");
                polygons = std::move(ext.polygons);
                usePolygons = !polygons.empty();
                if (!usePolygons) {
                    warnings.add("masks without a traceable outline not written");
                    return;
                }
            } else if (!ext.hadHoles && !ext.polygons.empty() && rasterizePolygons(ext.polygons, h, w) == mask) {
                polygons = std::move(ext.polygons);
                usePolygons = true;
            }
        }

        json flags = json::object();
        if (a.iscrowd) flags["iscrowd"] = true;
        const size_t shapeCount = usePolygons ? polygons.size() : 1;
        json groupId = nullptr;
        if (shapeCount > 1) groupId = ++groupCounter;

        auto makeShape = [&](const char* type, json points) {
            json s;
            s["label"] = label;
            s["points"] = std::move(points);
            s["group_id"] = groupId;
            s["description"] = "";
            s["shape_type"] = type;
            s["flags"] = flags;
            s["mask"] = nullptr;
            return s;
        };
        if (usePolygons) {
            for (const Polygon& p : polygons) {
                json points = json::array();
                for (size_t i = 0; i + 1 < p.size(); i += 2) points.push_back({p[i], p[i + 1]});
                shapes.push_back(makeShape("polygon", std::move(points)));
            }
            return;
        }
        const BBox box = bbox(mask);
        const cv::Rect rect(int(box.x), int(box.y), int(box.w), int(box.h));
        const std::string where = image.fileName + ": annotation " + std::to_string(a.id);
        json s = makeShape("mask", json::array({{rect.x, rect.y}, {rect.x + rect.width - 1, rect.y + rect.height - 1}}));
        s["mask"] = base64Encode(encodePng(mask.mat()(rect).clone(), where));  // values 0/1, as labelme
        shapes.push_back(std::move(s));
    }
};

}  // namespace

const DatasetFormat& labelmeFormat() {
    static const LabelmeFormat format;
    return format;
}

}  // namespace ld
