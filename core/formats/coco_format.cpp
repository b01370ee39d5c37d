// Over 600 lines: the reader's tolerance for real exporters and the writer share one schema,
// kept in one file so that the two cannot drift apart.
// COCO instances JSON.
//
// Reading is tolerant: every oddity that real exporters write (Roboflow's id-0 parent
// category, labelme2coco's `_background_`, degenerate polygons, string ids, images that
// are not on disk, ...) becomes a counted warning in Dataset::warnings, never a crash.
// Malformed input (bad JSON, wrong types, invalid RLE) is an ld::Error naming the file and
// the key.
//
// Writing is strict, so that pycocotools, Detectron2, CVAT and Ultralytics read the file
// without complaint:
// - categories: `_background_` and pure parent categories (no annotations, the
//   supercategory of others) are dropped; categories with the same name are merged (a
//   name is a prompt here, two ids for one name are one class); ids are kept when they are
//   all >= 1 and unique (so COCO's own 1..90 survive a round trip), otherwise renumbered
//   from 1 in list order. Annotation category ids follow.
// - annotation ids are kept when all >= 1 and unique, otherwise renumbered from 1
//   (pycocotools' COCOeval treats a match with gt id 0 as no match).
// - area = pixel count of the written mask, bbox = its tight box; compressed RLE by
//   default, iscrowd kept (0 unless the input said crowd).
// - polygons on request: polygon input is written unchanged, masks are traced. A mask
//   with holes stays RLE (with a warning): polygons cannot express a hole, and silently
//   filling it would change the pixels; crowd annotations stay RLE as in COCO itself.
// - an annotation with an empty mask is dropped (warning); one without any segmentation
//   is written as the box it has, as pycocotools' frBbox would rasterise it (warning).
// - the file is written atomically, deterministically: one image/annotation/category
//   per line, keys in COCO's customary order.
#include "core/atomic_file.h"
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/folder_confinement.h"
#include "core/formats/format_util.h"
#include "core/image.h"
#include "core/json_read.h"
#include "core/pixel_limit.h"
#include "core/polygon.h"
#include "core/provenance_json.h"
#include "core/rle.h"
#include "core/segmentation_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ld {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------
// Warnings (the same strings are what `stats` and `convert` print, with their counts).

const char* const kCategoryIdZero = "category id 0 (COCO ids start at 1: fixed when written)";
const char* const kParentCategory = "parent category (supercategory of others, no annotations of its own)";
const char* const kDuplicateCategoryName = "duplicate category name";
const char* const kStringId = "string id mapped to an integer";
const char* const kImageMissing = "image file missing on disk";
const char* const kImageUnreadable = "image file unreadable";
const char* const kUnknownImage = "annotation of an unknown image dropped";
const char* const kLeavesImagesFolder = "images whose file_name leaves the images folder skipped";
const char* const kUnknownCategory = "annotation of an unknown category dropped";
const char* const kBboxComputed = "missing bbox computed from the segmentation";
const char* const kAreaComputed = "missing area computed from the segmentation";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}


// ---------------------------------------------------------------------------------------
// Detection.

std::string fileBytes(const std::string& path, bool fromEnd, size_t n) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size <= 0) return {};
    const std::streamoff count = std::min<std::streamoff>(size, std::streamoff(n));
    in.seekg(fromEnd ? size - count : 0);
    std::string s(size_t(count), '\0');
    in.read(&s[0], count);
    s.resize(size_t(in.gcount()));
    return s;
}

bool looksLikeCocoFile(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || lower(fs::path(path).extension().string()) != ".json") return false;
    const std::string head = fileBytes(path, false, 1 << 16);
    const size_t first = head.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    if (first == std::string::npos || head[first] != '{') return false;
    const std::string text = head + fileBytes(path, true, 1 << 16);
    auto has = [&](const char* key) { return text.find(key) != std::string::npos; };
    // Panoptic files share COCO's top level; their annotations carry segments_info and
    // their categories isthing. labelme files name shapes and an imagePath.
    if (has("\"segments_info\"") || has("\"isthing\"") || has("\"shapes\"") || has("\"utterance\""))
        return false;
    return has("\"images\"") && (has("\"annotations\"") || has("\"categories\""));
}

// A folder holding exactly one COCO JSON (instances.json, _annotations.coco.json, ...)
// stands for that file, so that `stats data/coco128` works.
std::string cocoFileIn(const std::string& folder, bool throwIfNone) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec))
        if (looksLikeCocoFile(e.path().string())) found.push_back(e.path().string());
    std::sort(found.begin(), found.end());
    if (found.size() == 1) return found.front();
    if (!throwIfNone) return {};
    if (found.empty()) throw Error(folder, "no COCO instances JSON file in this folder");
    std::string names;
    for (const auto& f : found) names += " " + fs::path(f).filename().string();
    throw Error(folder, "several COCO JSON files in this folder (" + names.substr(1) + "); name one");
}

// ---------------------------------------------------------------------------------------
// Reading.

// Ids as numbers or strings. Numeric ones (also "12") are kept; other strings get the
// integers after the largest numeric id, in order of first appearance, so that the same
// file always maps the same way.
class IdMap {
public:
    void noteNumeric(int64_t id) { maxNumeric_ = std::max(maxNumeric_, id); }
    int64_t mapString(const std::string& s) {
        auto it = strings_.find(s);
        if (it != strings_.end()) return it->second;
        const int64_t id = std::max<int64_t>(maxNumeric_, 0) + 1 + int64_t(strings_.size());
        strings_.emplace(s, id);
        return id;
    }
    std::optional<int64_t> lookupString(const std::string& s) const {
        auto it = strings_.find(s);
        if (it == strings_.end()) return std::nullopt;
        return it->second;
    }

private:
    int64_t maxNumeric_ = 0;
    std::map<std::string, int64_t> strings_;
};

// A reference to a string id that no entry defines.
constexpr int64_t kUnknownId = INT64_MIN;

std::optional<int64_t> integral(const json& j) {
    if (j.is_number_integer()) return j.get<int64_t>();
    if (j.is_number_unsigned()) {
        if (j.get<uint64_t>() > uint64_t(INT64_MAX)) return std::nullopt;
        return int64_t(j.get<uint64_t>());
    }
    if (j.is_number_float()) {
        const double d = j.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return int64_t(d);
    }
    return std::nullopt;
}

std::optional<int64_t> numericString(const std::string& s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    size_t i = s[0] == '-' ? 1 : 0;
    if (i == s.size()) return std::nullopt;
    for (size_t k = i; k < s.size(); ++k)
        if (!std::isdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
    return std::stoll(s);
}

class Reader {
public:
    Reader(std::string path, const ReadOptions& options) : path_(std::move(path)), options_(options) {}

    Dataset read() {
        const json root = parse();
        if (!root.is_object())
            throw Error(path_, std::string("the top level is a ") + root.type_name() +
                                   ", expected a COCO object with \"images\", \"annotations\" and \"categories\"");
        const json& images = member(root, "images", true);
        const json& categories = member(root, "categories", true);
        const json* annotations = root.contains("annotations") ? &member(root, "annotations", false) : nullptr;

        if (root.contains("info")) ds_.info = root["info"];
        if (root.contains("licenses")) ds_.licenses = root["licenses"];

        readImages(images);
        readCategories(categories);
        resolveImagesDir();
        // Symbolic links leaving the folder, now that the folder is known ("../x" was
        // refused in readImages).
        if (dropImagesResolvingOutside(ds_, kLeavesImagesFolder) > 0) indexImages();
        if (options_.checkImagesOnDisk) checkImagesOnDisk();
        if (annotations) readAnnotations(*annotations);
        noteParentCategories();
        return std::move(ds_);
    }

private:
    json parse() {
        return parseJson(readFile(path_), path_);
    }

    // e["extra"]["labeldiff"][field], where LabelDiff keeps what COCO has no field for.
    const json* labelDiffExtra(const json& e, const std::string& key, const char* field) const {
        auto extra = e.find(kCocoExtraKey);
        if (extra == e.end() || !extra->is_object()) return nullptr;
        auto ours = extra->find(kCocoExtraLabelDiff);
        if (ours == extra->end()) return nullptr;
        if (!ours->is_object()) fail(key + ".extra.labeldiff", std::string("is a ") + ours->type_name() + ", expected an object");
        auto it = ours->find(field);
        return it == ours->end() || it->is_null() ? nullptr : &*it;
    }

    [[noreturn]] void fail(const std::string& key, const std::string& reason) const {
        throw Error(path_, key + ": " + reason);
    }

    const json& member(const json& root, const char* key, bool required) const {
        auto it = root.find(key);
        if (it == root.end()) {
            if (required) throw Error(path_, std::string("no \"") + key + "\" list: not a COCO instances file");
            static const json empty = json::array();
            return empty;
        }
        if (!it->is_array()) fail(key, std::string("is a ") + it->type_name() + ", expected a list");
        return *it;
    }

    // Reads an id field; nullopt when absent. Wrong types are errors.
    std::optional<int64_t> readId(const json& obj, const char* field, const std::string& key, IdMap& map,
                                  bool defining) {
        auto it = obj.find(field);
        if (it == obj.end() || it->is_null()) return std::nullopt;
        if (auto v = integral(*it)) return *v;
        if (it->is_string()) {
            const std::string& s = it->get_ref<const std::string&>();
            if (auto v = numericString(s)) {
                if (defining) ds_.warnings.add(kStringId);
                return *v;
            }
            if (defining) {
                ds_.warnings.add(kStringId);
                return map.mapString(s);
            }
            if (auto v = map.lookupString(s)) return *v;
            return kUnknownId;
        }
        fail(key + "." + field, std::string("is a ") + it->type_name() + ", expected an integer or a string");
    }

    // First pass over one list: the largest numeric id, so that string ids map above it.
    static void noteNumericIds(const json& list, IdMap& map) {
        for (const auto& e : list) {
            if (!e.is_object()) continue;
            auto it = e.find("id");
            if (it == e.end()) continue;
            if (auto v = integral(*it)) map.noteNumeric(*v);
            else if (it->is_string())
                if (auto n = numericString(it->get<std::string>())) map.noteNumeric(*n);
        }
    }

    int readSize(const json& obj, const char* field, const std::string& key) const {
        auto it = obj.find(field);
        if (it == obj.end() || it->is_null()) return 0;
        std::optional<int64_t> v = integral(*it);
        if (!v && it->is_string()) v = numericString(it->get<std::string>());
        if (!v) fail(key + "." + field, std::string("is ") + it->dump() + ", expected an integer");
        if (*v < 0) fail(key + "." + field, "is negative (" + std::to_string(*v) + ")");
        if (*v > kMaxSide) fail(key + "." + field, "is implausibly large (" + std::to_string(*v) + ")");
        return int(*v);
    }

    void readImages(const json& images) {
        noteNumericIds(images, imageIds_);
        std::set<int64_t> seen;
        for (size_t i = 0; i < images.size(); ++i) {
            const std::string key = "images[" + std::to_string(i) + "]";
            const json& e = images[i];
            if (!e.is_object()) fail(key, std::string("is a ") + e.type_name() + ", expected an object");
            ImageInfo im;
            auto id = readId(e, "id", key, imageIds_, true);
            if (!id) fail(key, "has no \"id\"");
            im.id = *id;
            if (!seen.insert(im.id).second) {
                ds_.warnings.add("duplicate image id (later entry dropped)");
                continue;
            }
            auto fn = e.find("file_name");
            if (fn == e.end() || fn->is_null()) {
                ds_.warnings.add("image without file_name");
            } else if (!fn->is_string()) {
                fail(key + ".file_name", std::string("is a ") + fn->type_name() + ", expected a string");
            } else if (auto inside = insideRelativePath(fn->get<std::string>())) {
                im.fileName = *inside;
            } else {
                // An absolute path or one leaving the images folder ("../x"): a dataset from
                // someone else must not make LabelDiff read or write elsewhere.
                ds_.warnings.add(kLeavesImagesFolder);
                continue;
            }
            im.width = readSize(e, "width", key);
            im.height = readSize(e, "height", key);
            checkPixelLimit(im.width, im.height, path_, key + ": size");
            im.extra = json::object();
            for (auto it = e.begin(); it != e.end(); ++it)
                if (it.key() != "id" && it.key() != "file_name" && it.key() != "width" && it.key() != "height")
                    im.extra[it.key()] = it.value();
            // Checked here, where the file can be named; kept raw for the project to read.
            if (const json* rejected = labelDiffExtra(e, key, "rejected"))
                rejectedFromJson(*rejected, path_, key + ".extra.labeldiff.rejected");
            ds_.images.push_back(std::move(im));
        }
        indexImages();
    }

    void indexImages() {
        imageIndex_.clear();
        for (size_t i = 0; i < ds_.images.size(); ++i) imageIndex_[ds_.images[i].id] = i;
    }

    void readCategories(const json& categories) {
        noteNumericIds(categories, categoryIds_);
        std::set<int64_t> seen;
        std::set<std::string> names;
        for (size_t i = 0; i < categories.size(); ++i) {
            const std::string key = "categories[" + std::to_string(i) + "]";
            const json& e = categories[i];
            if (!e.is_object()) fail(key, std::string("is a ") + e.type_name() + ", expected an object");
            Category c;
            auto id = readId(e, "id", key, categoryIds_, true);
            if (!id) fail(key, "has no \"id\"");
            c.id = *id;
            if (!seen.insert(c.id).second) {
                ds_.warnings.add("duplicate category id (later entry dropped)");
                continue;
            }
            if (c.id == 0) ds_.warnings.add(kCategoryIdZero);
            if (c.id < 0) ds_.warnings.add("negative category id (fixed when written)");
            auto name = e.find("name");
            if (name == e.end() || name->is_null()) {
                ds_.warnings.add("category without a name (named after its id)");
                c.name = "category_" + std::to_string(c.id);
            } else if (!name->is_string()) {
                fail(key + ".name", std::string("is a ") + name->type_name() + ", expected a string");
            } else {
                c.name = name->get<std::string>();
            }
            if (!names.insert(c.name).second) ds_.warnings.add(kDuplicateCategoryName);
            auto super = e.find("supercategory");
            if (super != e.end() && super->is_string()) c.supercategory = super->get<std::string>();
            auto isthing = e.find("isthing");
            if (isthing != e.end() && (isthing->is_number() || isthing->is_boolean()))
                c.isThing = isthing->is_boolean() ? isthing->get<bool>() : isthing->get<double>() != 0;
            auto color = e.find("color");
            if (color != e.end() && color->is_array() && color->size() == 3) {
                std::array<uint8_t, 3> rgb{};
                bool ok = true;
                for (size_t k = 0; k < 3; ++k) {
                    auto v = integral((*color)[k]);
                    ok = ok && v && *v >= 0 && *v <= 255;
                    if (ok) rgb[k] = uint8_t(*v);
                }
                if (ok) c.color = rgb;
            }
            ds_.categories.push_back(std::move(c));
        }
    }

    // The JSON's folder or its images/ subfolder, whichever holds more of the listed files.
    void resolveImagesDir() {
        if (!options_.imagesDir.empty()) {
            ds_.imagesDir = options_.imagesDir;
            return;
        }
        const fs::path base = fs::path(path_).parent_path();
        const fs::path sub = base / "images";
        std::error_code ec;
        if (!fs::is_directory(sub, ec)) {
            ds_.imagesDir = base.string();
            return;
        }
        if (!options_.checkImagesOnDisk) {
            ds_.imagesDir = sub.string();
            return;
        }
        size_t inBase = 0, inSub = 0;
        for (const ImageInfo& im : ds_.images) {
            if (im.fileName.empty()) continue;
            if (fs::is_regular_file(base / im.fileName, ec)) ++inBase;
            if (fs::is_regular_file(sub / im.fileName, ec)) ++inSub;
        }
        ds_.imagesDir = (inSub >= inBase ? sub : base).string();
    }

    void checkImagesOnDisk() {
        std::error_code ec;
        for (ImageInfo& im : ds_.images) {
            if (im.fileName.empty()) continue;
            const fs::path file = fs::path(ds_.imagesDir) / im.fileName;
            if (!fs::is_regular_file(file, ec)) {
                ds_.warnings.add(kImageMissing);
                continue;
            }
            ImageHeader header;
            try {
                header = readImageHeader(file.string());
            } catch (const Error&) {
                ds_.warnings.add(kImageUnreadable);
                continue;
            }
            const int w = header.orientedWidth(), h = header.orientedHeight();
            if (im.width <= 0 || im.height <= 0) {
                ds_.warnings.add("image size missing in the JSON (read from the file)");
                im.width = w;
                im.height = h;
            } else if (im.width != w || im.height != h) {
                // The annotations were drawn on the JSON's size; keep it, but say so.
                ds_.warnings.add("image size in the JSON differs from the EXIF-oriented file");
            }
        }
    }

    std::optional<double> readNumber(const json& obj, const char* field, const std::string& key) const {
        auto it = obj.find(field);
        if (it == obj.end() || it->is_null()) return std::nullopt;
        if (!it->is_number()) fail(key + "." + field, std::string("is a ") + it->type_name() + ", expected a number");
        const double d = it->get<double>();
        if (!std::isfinite(d)) fail(key + "." + field, "is not finite");
        return d;
    }

    void readAnnotations(const json& annotations) {
        IdMap annotationIds;
        noteNumericIds(annotations, annotationIds);
        for (size_t i = 0; i < annotations.size(); ++i) {
            const std::string key = "annotations[" + std::to_string(i) + "]";
            const json& e = annotations[i];
            if (!e.is_object()) fail(key, std::string("is a ") + e.type_name() + ", expected an object");
            Annotation a;
            auto id = readId(e, "id", key, annotationIds, true);
            if (!id) ds_.warnings.add("annotation without id (numbered when written)");
            a.id = id.value_or(0);
            const std::string where = path_ + ": " + key + (id ? " (id " + std::to_string(a.id) + ")" : "");

            auto imageId = readId(e, "image_id", key, imageIds_, false);
            auto categoryId = readId(e, "category_id", key, categoryIds_, false);
            auto imageIt = imageId ? imageIndex_.find(*imageId) : imageIndex_.end();
            if (imageIt == imageIndex_.end()) {
                ds_.warnings.add(kUnknownImage);
                continue;
            }
            if (!categoryId || !ds_.findCategory(*categoryId)) {
                ds_.warnings.add(kUnknownCategory);
                continue;
            }
            a.imageId = *imageId;
            a.categoryId = *categoryId;
            ImageInfo& image = ds_.images[imageIt->second];

            if (auto crowd = e.find("iscrowd"); crowd != e.end() && !crowd->is_null()) {
                if (crowd->is_boolean()) a.iscrowd = crowd->get<bool>();
                else if (crowd->is_number()) a.iscrowd = crowd->get<double>() != 0;
                else fail(key + ".iscrowd", std::string("is a ") + crowd->type_name() + ", expected 0 or 1");
            }
            if (auto seg = e.find("segmentation"); seg != e.end())
                a.segmentation = segmentationFromJson(*seg, 0, 0, where, ds_.warnings);

            if (a.segmentation.kind == Segmentation::Kind::Rle) {
                const Rle& r = a.segmentation.rle;
                if (image.width <= 0 || image.height <= 0) {
                    ds_.warnings.add("image size missing (taken from its RLE)");
                    image.width = r.width;
                    image.height = r.height;
                } else if (r.width != image.width || r.height != image.height) {
                    ds_.warnings.add("RLE of another size than its image: annotation dropped");
                    continue;
                }
            } else if (a.segmentation.kind == Segmentation::Kind::Polygons && a.segmentation.polygons.empty()) {
                ds_.warnings.add("annotation whose polygons were all dropped: annotation dropped");
                continue;
            }

            if (auto bb = e.find("bbox"); bb != e.end() && !bb->is_null()) {
                if (!bb->is_array() || bb->size() != 4)
                    fail(key + ".bbox", "is " + bb->dump() + ", expected [x, y, width, height]");
                double v[4];
                for (size_t k = 0; k < 4; ++k) {
                    if (!(*bb)[k].is_number())
                        fail(key + ".bbox", "is " + bb->dump() + ", expected 4 numbers");
                    v[k] = (*bb)[k].get<double>();
                }
                a.bbox = {v[0], v[1], v[2], v[3]};
            } else {
                if (a.segmentation.kind == Segmentation::Kind::None) {
                    ds_.warnings.add("annotation with neither segmentation nor bbox dropped");
                    continue;
                }
                if (!computeBboxAndArea(a, image, true, false)) continue;
                ds_.warnings.add(kBboxComputed);
            }
            if (auto area = readNumber(e, "area", key)) {
                a.area = *area;
            } else {
                if (a.segmentation.kind == Segmentation::Kind::None) {
                    a.area = a.bbox.w * a.bbox.h;
                } else if (!computeBboxAndArea(a, image, false, true)) {
                    continue;
                }
                ds_.warnings.add(kAreaComputed);
            }
            a.score = readNumber(e, "score", key);
            if (const json* p = labelDiffExtra(e, key, "provenance"))
                a.provenance = provenanceFromJson(*p, path_, key + ".extra.labeldiff.provenance");
            if (a.segmentation.kind == Segmentation::Kind::None)
                ds_.warnings.add("annotation without segmentation (bbox only)");
            ds_.annotations.push_back(std::move(a));
        }
    }

    bool computeBboxAndArea(Annotation& a, const ImageInfo& image, bool setBbox, bool setArea) {
        if (image.width <= 0 || image.height <= 0) {
            ds_.warnings.add("annotation on an image of unknown size without bbox/area: annotation dropped");
            return false;
        }
        const Rle r = toRle(a.segmentation, image.height, image.width);
        if (setBbox) a.bbox = rleBbox(r);
        if (setArea) a.area = double(rleArea(r));
        return true;
    }

    void noteParentCategories() {
        std::set<int64_t> used;
        for (const Annotation& a : ds_.annotations) used.insert(a.categoryId);
        for (const Category& c : ds_.categories) {
            if (used.count(c.id)) continue;
            const bool isParent = std::any_of(ds_.categories.begin(), ds_.categories.end(), [&](const Category& o) {
                return &o != &c && o.supercategory == c.name;
            });
            if (isParent) ds_.warnings.add(kParentCategory);
        }
    }

    std::string path_;
    ReadOptions options_;
    Dataset ds_;
    IdMap imageIds_, categoryIds_;
    std::map<int64_t, size_t> imageIndex_;
};

// ---------------------------------------------------------------------------------------
// Writing.

bool isBackgroundName(const std::string& name) {
    const std::string n = lower(name);
    return n == "_background_" || n == "__background__";
}

ojson number(double d) {
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return ojson(int64_t(d));
    return ojson(d);
}

ojson toOrdered(const json& j) { return ojson::parse(j.dump()); }

ojson rleJson(const Rle& r) {
    ojson out = ojson::object();
    out["size"] = {r.height, r.width};
    out["counts"] = rleToString(r);
    return out;
}

ojson polygonsJson(const std::vector<Polygon>& polygons) {
    ojson out = ojson::array();
    for (const Polygon& p : polygons) {
        ojson q = ojson::array();
        for (double v : p) q.push_back(number(v));
        out.push_back(std::move(q));
    }
    return out;
}

// One entry of each top-level list per line: diffable, golden-testable, and a fraction
// of the size of a fully indented file.
std::string cocoText(const ojson& root) {
    auto dump = [](const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); };
    std::string out = "{\n";
    size_t k = 0;
    for (auto it = root.begin(); it != root.end(); ++it, ++k) {
        out += "  " + dump(ojson(it.key())) + ": ";
        const ojson& v = it.value();
        if (v.is_array() && !v.empty()) {
            out += "[\n";
            for (size_t i = 0; i < v.size(); ++i) out += "    " + dump(v[i]) + (i + 1 < v.size() ? ",\n" : "\n");
            out += "  ]";
        } else {
            out += dump(v);
        }
        out += k + 1 < root.size() ? ",\n" : "\n";
    }
    out += "}\n";
    return out;
}

class Writer {
public:
    Writer(const Dataset& ds, const WriteOptions& options, Warnings& warnings)
        : ds_(ds), options_(options), warnings_(warnings) {}

    std::string text() {
        planCategories();
        ojson root = ojson::object();
        root["info"] = ds_.info.is_null() ? ojson::object() : toOrdered(ds_.info);
        root["licenses"] = ds_.licenses.is_null() ? ojson::array() : toOrdered(ds_.licenses);
        root["images"] = images();
        root["annotations"] = annotations();
        root["categories"] = categories();
        if (!ds_.narratives.empty()) warnings_.add("narrative captions are not part of COCO instances (not written)");
        return cocoText(root);
    }

private:
    void planCategories() {
        std::map<int64_t, int64_t> annotationCount;
        for (const Annotation& a : ds_.annotations) ++annotationCount[a.categoryId];
        std::map<std::string, int64_t> firstIdOfName;
        std::vector<const Category*> kept;
        for (const Category& c : ds_.categories) {
            if (isBackgroundName(c.name)) {
                warnings_.add("background category dropped");
                if (annotationCount[c.id] > 0) warnings_.add("annotation of the background category dropped",
                                                             int(annotationCount[c.id]));
                continue;
            }
            const bool isParent =
                annotationCount[c.id] == 0 &&
                std::any_of(ds_.categories.begin(), ds_.categories.end(),
                            [&](const Category& o) { return &o != &c && o.supercategory == c.name; });
            if (isParent) {
                warnings_.add("parent category without annotations dropped");
                continue;
            }
            auto same = firstIdOfName.find(c.name);
            if (same != firstIdOfName.end()) {
                warnings_.add("categories with the same name merged");
                sourceToKept_[c.id] = same->second;
                continue;
            }
            firstIdOfName[c.name] = c.id;
            sourceToKept_[c.id] = c.id;
            kept.push_back(&c);
        }
        std::set<int64_t> ids;
        bool valid = true;
        for (const Category* c : kept) valid = valid && c->id >= 1 && ids.insert(c->id).second;
        if (!valid) warnings_.add("category ids renumbered from 1");
        int64_t next = 1;
        for (const Category* c : kept) {
            const int64_t out = valid ? c->id : next++;
            keptToOut_[c->id] = out;
            outCategories_.push_back({c, out});
        }
    }

    ojson images() {
        ojson out = ojson::array();
        std::set<int64_t> seen;
        for (const ImageInfo& im : ds_.images) {
            if (!seen.insert(im.id).second)
                throw Error("image " + std::to_string(im.id), "duplicate image id in the dataset");
            int w = im.width, h = im.height;
            if (w <= 0 || h <= 0) {
                // An RLE carries the size the annotation was drawn on.
                for (const Annotation& a : ds_.annotations)
                    if (a.imageId == im.id && a.segmentation.kind == Segmentation::Kind::Rle) {
                        w = a.segmentation.rle.width;
                        h = a.segmentation.rle.height;
                        warnings_.add("image size taken from its RLE");
                        break;
                    }
            }
            if (w <= 0 || h <= 0) warnings_.add("image of unknown size");
            sizes_[im.id] = {h, w};
            ojson e = ojson::object();
            e["id"] = im.id;
            e["file_name"] = im.fileName;
            e["width"] = w;
            e["height"] = h;
            if (im.extra.is_object())
                for (auto it = im.extra.begin(); it != im.extra.end(); ++it)
                    if (!e.contains(it.key())) e[it.key()] = toOrdered(it.value());
            out.push_back(std::move(e));
        }
        return out;
    }

    ojson annotations() {
        struct Written {
            const Annotation* a;
            int64_t categoryId;
            ojson segmentation;
            Rle mask;
        };
        std::vector<Written> written;
        for (const Annotation& a : ds_.annotations) {
            auto size = sizes_.find(a.imageId);
            if (size == sizes_.end()) {
                warnings_.add("annotation of an unknown image dropped");
                continue;
            }
            auto cat = sourceToKept_.find(a.categoryId);
            if (cat == sourceToKept_.end()) {
                if (!ds_.findCategory(a.categoryId)) warnings_.add("annotation of an unknown category dropped");
                continue;  // background annotations were counted when planning
            }
            const int h = size->second.first, w = size->second.second;
            if (h <= 0 || w <= 0) {
                warnings_.add("annotation on an image of unknown size dropped");
                continue;
            }
            Segmentation seg = a.segmentation;
            if (seg.kind == Segmentation::Kind::Rle && (seg.rle.height != h || seg.rle.width != w)) {
                warnings_.add("RLE of another size than its image: annotation dropped");
                continue;
            }
            if (seg.kind == Segmentation::Kind::None) {
                warnings_.add("annotation without segmentation written as its box");
                const BBox& b = a.bbox;
                seg = Segmentation::fromPolygons(
                    {{b.x, b.y, b.x, b.y + b.h, b.x + b.w, b.y + b.h, b.x + b.w, b.y}});
            }
            Written out{&a, keptToOut_.at(cat->second), ojson(), Rle()};
            const bool wantPolygons = options_.segmentation == WriteOptions::Segmentation::Polygons && !a.iscrowd;
            if (wantPolygons && seg.kind == Segmentation::Kind::Polygons) {
                out.mask = toRle(seg, h, w);
                out.segmentation = polygonsJson(seg.polygons);
            } else if (wantPolygons) {
                const Rle r = toRle(seg, h, w);
                PolygonExtraction traced = maskToPolygons(decodeRle(r));
                if (traced.hadHoles || traced.polygons.empty()) {
                    if (traced.hadHoles) warnings_.add("mask with holes kept as RLE (polygons cannot express holes)");
                    out.mask = r;
                    out.segmentation = rleJson(r);
                } else {
                    out.mask = rasterizePolygonsRle(traced.polygons, h, w);
                    out.segmentation = polygonsJson(traced.polygons);
                }
            } else {
                out.mask = toRle(seg, h, w);
                out.segmentation = rleJson(out.mask);
            }
            if (rleArea(out.mask) == 0) {
                warnings_.add("annotation with an empty mask dropped");
                continue;
            }
            written.push_back(std::move(out));
        }

        std::set<int64_t> ids;
        bool valid = true;
        for (const Written& w : written) valid = valid && w.a->id >= 1 && ids.insert(w.a->id).second;
        if (!valid && !written.empty()) warnings_.add("annotation ids renumbered from 1");

        ojson out = ojson::array();
        int64_t next = 1;
        for (const Written& w : written) {
            const BBox b = rleBbox(w.mask);
            ojson e = ojson::object();
            e["id"] = valid ? w.a->id : next++;
            e["image_id"] = w.a->imageId;
            e["category_id"] = w.categoryId;
            e["segmentation"] = w.segmentation;
            e["area"] = int64_t(rleArea(w.mask));
            e["bbox"] = {number(b.x), number(b.y), number(b.w), number(b.h)};
            e["iscrowd"] = w.a->iscrowd ? 1 : 0;
            if (w.a->score) e["score"] = number(*w.a->score);
            if (w.a->provenance)
                e[kCocoExtraKey][kCocoExtraLabelDiff]["provenance"] = toOrdered(provenanceToJson(*w.a->provenance));
            out.push_back(std::move(e));
        }
        return out;
    }

    ojson categories() {
        ojson out = ojson::array();
        for (const auto& [c, id] : outCategories_) {
            ojson e = ojson::object();
            e["id"] = id;
            e["name"] = c->name;
            e["supercategory"] = c->supercategory;
            out.push_back(std::move(e));
        }
        return out;
    }

    const Dataset& ds_;
    const WriteOptions& options_;
    Warnings& warnings_;
    std::map<int64_t, int64_t> sourceToKept_;  // input category id -> the id it merges into
    std::map<int64_t, int64_t> keptToOut_;     // that id -> the id written
    std::vector<std::pair<const Category*, int64_t>> outCategories_;
    std::map<int64_t, std::pair<int, int>> sizes_;  // image id -> (h, w) written
};

class CocoFormat : public DatasetFormat {
public:
    std::string name() const override { return "coco"; }
    std::string description() const override { return "COCO instances JSON"; }
    int capabilities() const override { return ReadWrite; }

    bool supportsPath(const std::string& path) const override {
        std::error_code ec;
        if (fs::is_directory(path, ec)) return !cocoFileIn(path, false).empty();
        return looksLikeCocoFile(path);
    }

    Dataset read(const std::string& path, const ReadOptions& options) const override {
        std::error_code ec;
        const std::string file = fs::is_directory(path, ec) ? cocoFileIn(path, true) : path;
        try {
            return Reader(file, options).read();
        } catch (const json::exception& e) {
            // Every access is checked; this is the net under a type mismatch we missed.
            throw Error(file, std::string("unexpected JSON content: ") + e.what());
        }
    }

    void write(const Dataset& dataset, const std::string& path, const WriteOptions& options) const override {
        Warnings local;
        Warnings& warnings = options.warnings ? *options.warnings : local;
        std::string text;
        try {
            text = Writer(dataset, options, warnings).text();
        } catch (const Error& e) {
            throw Error(path, e.what());
        }
        writeFileAtomic(path, text);
    }
};

}  // namespace

const DatasetFormat& cocoFormat() {
    static const CocoFormat format;
    return format;
}

}  // namespace ld
