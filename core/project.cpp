#include "core/project.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "core/palette.h"
#include "core/pixel_limit.h"
#include "core/provenance_json.h"
#include "core/rle.h"
#include "core/segmentation_json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

namespace ld {

using nlohmann::json;

namespace {

constexpr const char* kVersionKey = "labeldiff_project";

// Thresholds often come from float grids; write 0.55 rather than 0.550000011920929.
double tidy(double v) {
    if (!std::isfinite(v) || double(float(v)) != v) return v;
    char buf[32];
    for (int precision = 1; precision <= 9; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        const double back = std::strtod(buf, nullptr);
        if (float(back) == float(v)) return back;
    }
    return v;
}

// Field access with a path in every message, so that a user can find the bad value.
class Reader {
public:
    explicit Reader(const std::string& where) : where_(where) {}
    [[noreturn]] void fail(const std::string& at, const std::string& what) const {
        throw Error(where_, at + ": " + what);
    }
    const json& field(const json& obj, const std::string& at, const char* key) const {
        auto it = obj.find(key);
        if (it == obj.end()) fail(at, std::string("missing \"") + key + "\"");
        return *it;
    }
    const json* optional(const json& obj, const char* key) const {
        auto it = obj.find(key);
        return it == obj.end() || it->is_null() ? nullptr : &*it;
    }
    int64_t integer(const json& v, const std::string& at) const {
        if (!v.is_number_integer()) fail(at, "expected an integer");
        if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)) fail(at, "integer out of range");
        return v.get<int64_t>();
    }
    int dimension(const json& v, const std::string& at) const {
        const int64_t n = integer(v, at);
        if (n < 0 || n > (int64_t(1) << 30)) fail(at, "expected a size in pixels");
        return int(n);
    }
    double number(const json& v, const std::string& at) const {
        if (!v.is_number()) fail(at, "expected a number");
        return v.get<double>();
    }
    double unit(const json& v, const std::string& at) const {
        const double x = number(v, at);
        if (!(x >= 0 && x <= 1)) fail(at, "expected a value in [0, 1]");
        return x;
    }
    std::string string(const json& v, const std::string& at) const {
        if (!v.is_string()) fail(at, "expected a string");
        return v.get<std::string>();
    }
    bool boolean(const json& v, const std::string& at) const {
        if (!v.is_boolean()) fail(at, "expected true or false");
        return v.get<bool>();
    }
    const json& array(const json& v, const std::string& at) const {
        if (!v.is_array()) fail(at, "expected a list");
        return v;
    }
    const json& object(const json& v, const std::string& at) const {
        if (!v.is_object()) fail(at, "expected an object");
        return v;
    }

private:
    const std::string& where_;
};

std::string at(const char* list, size_t i) { return std::string(list) + "[" + std::to_string(i) + "]"; }

ImageStatus statusFrom(const std::string& s, const Reader& r, const std::string& where) {
    if (s == "unlabelled") return ImageStatus::Unlabelled;
    if (s == "labelled") return ImageStatus::Labelled;
    if (s == "reviewed") return ImageStatus::Reviewed;
    r.fail(where, "unknown status \"" + s + "\" (unlabelled, labelled or reviewed)");
}

}  // namespace

const char* toString(ImageStatus s) {
    switch (s) {
        case ImageStatus::Labelled: return "labelled";
        case ImageStatus::Reviewed: return "reviewed";
        default: return "unlabelled";
    }
}

const ProjectImage* Project::findImage(int64_t id) const {
    for (const auto& i : images)
        if (i.id == id) return &i;
    return nullptr;
}

const ProjectCategory* Project::findCategory(int64_t id) const {
    for (const auto& c : categories)
        if (c.id == id) return &c;
    return nullptr;
}

double Project::thresholdFor(int64_t categoryId) const {
    const ProjectCategory* c = findCategory(categoryId);
    return c && c->threshold ? *c->threshold : threshold;
}

json projectToJson(const Project& project) {
    json j = project.extra.is_object() ? project.extra : json::object();
    j[kVersionKey] = Project::kVersion;
    json images = json::array();
    for (const auto& i : project.images) {
        json ij = {{"id", i.id}, {"file_name", i.fileName}, {"width", i.width},
                   {"height", i.height}, {"status", toString(i.status)}};
        if (!i.rejected.empty()) ij["rejected"] = rejectedToJson(i.rejected);
        images.push_back(ij);
    }
    j["images"] = images;
    json categories = json::array();
    for (const auto& c : project.categories) {
        json cj = {{"id", c.id}, {"name", c.name}, {"prompt", c.prompt},
                   {"color", {c.color[0], c.color[1], c.color[2]}}, {"isthing", c.isThing}};
        if (c.threshold) cj["threshold"] = tidy(*c.threshold);
        categories.push_back(cj);
    }
    j["categories"] = categories;
    json annotations = json::array();
    for (const auto& a : project.annotations) {
        json aj = {{"id", a.id}, {"image_id", a.imageId}, {"category_id", a.categoryId},
                   {"segmentation", segmentationToJson(a.segmentation)},
                   {"provenance", provenanceToJson(a.provenance)}};
        if (a.score) aj["score"] = *a.score;
        annotations.push_back(aj);
    }
    j["annotations"] = annotations;
    j["phrase_history"] = project.phraseHistory;
    j["thresholds"] = {{"global", tidy(project.threshold)}};
    if (!project.modelHistory.entries.empty()) j["model_history"] = modelHistoryToJson(project.modelHistory);
    return j;
}

namespace {

// The three lists of a project file, each with its ids checked for duplicates.
void readImages(const Reader& r, const json& j, const std::string& where, Project& p) {
    std::set<int64_t> ids;
    if (const json* list = r.optional(j, "images")) {
        r.array(*list, "images");
        for (size_t i = 0; i < list->size(); ++i) {
            const std::string w = at("images", i);
            const json& o = r.object((*list)[i], w);
            ProjectImage im;
            im.id = r.integer(r.field(o, w, "id"), w + ".id");
            im.fileName = r.string(r.field(o, w, "file_name"), w + ".file_name");
            if (im.fileName.empty()) r.fail(w + ".file_name", "empty");
            im.width = r.dimension(r.field(o, w, "width"), w + ".width");
            im.height = r.dimension(r.field(o, w, "height"), w + ".height");
            checkPixelLimit(im.width, im.height, where, w + ": size");
            if (const json* v = r.optional(o, "status")) im.status = statusFrom(r.string(*v, w + ".status"), r, w + ".status");
            if (const json* v = r.optional(o, "rejected")) im.rejected = rejectedFromJson(*v, where, w + ".rejected");
            if (!ids.insert(im.id).second) r.fail(w + ".id", "duplicate image id " + std::to_string(im.id));
            p.images.push_back(im);
        }
    }
}

void readCategories(const Reader& r, const json& j, Project& p) {
    std::set<int64_t> ids;
    if (const json* list = r.optional(j, "categories")) {
        r.array(*list, "categories");
        for (size_t i = 0; i < list->size(); ++i) {
            const std::string w = at("categories", i);
            const json& o = r.object((*list)[i], w);
            ProjectCategory c;
            c.id = r.integer(r.field(o, w, "id"), w + ".id");
            c.name = r.string(r.field(o, w, "name"), w + ".name");
            if (const json* v = r.optional(o, "prompt")) c.prompt = r.string(*v, w + ".prompt");
            if (const json* v = r.optional(o, "color")) {
                if (!v->is_array() || v->size() != 3) r.fail(w + ".color", "expected [r, g, b]");
                for (size_t k = 0; k < 3; ++k) {
                    const int64_t x = r.integer((*v)[k], w + ".color");
                    if (x < 0 || x > 255) r.fail(w + ".color", "components must be 0..255");
                    c.color[k] = uint8_t(x);
                }
            } else {
                c.color = paletteColor(int(i));
            }
            if (const json* v = r.optional(o, "threshold")) c.threshold = r.unit(*v, w + ".threshold");
            if (const json* v = r.optional(o, "isthing")) c.isThing = r.boolean(*v, w + ".isthing");
            if (!ids.insert(c.id).second) r.fail(w + ".id", "duplicate category id " + std::to_string(c.id));
            p.categories.push_back(c);
        }
    }
}

// After the images and categories, which annotations refer to.
void readAnnotations(const Reader& r, const json& j, const std::string& where, Project& p, Warnings& warnings) {
    std::set<int64_t> ids;
    if (const json* list = r.optional(j, "annotations")) {
        r.array(*list, "annotations");
        for (size_t i = 0; i < list->size(); ++i) {
            const std::string w = at("annotations", i);
            const json& o = r.object((*list)[i], w);
            ProjectAnnotation a;
            a.id = r.integer(r.field(o, w, "id"), w + ".id");
            a.imageId = r.integer(r.field(o, w, "image_id"), w + ".image_id");
            a.categoryId = r.integer(r.field(o, w, "category_id"), w + ".category_id");
            const ProjectImage* im = p.findImage(a.imageId);
            if (!im) r.fail(w + ".image_id", "no image with id " + std::to_string(a.imageId));
            if (!p.findCategory(a.categoryId)) {
                // A category merged or undone while a batch ran leaves such annotations; the
                // person's work is kept under a placeholder they can rename or merge.
                ProjectCategory c;
                c.id = a.categoryId;
                c.name = "missing category " + std::to_string(a.categoryId);
                c.color = paletteColor(int(p.categories.size()));
                p.categories.push_back(c);
                warnings.add("annotations of a missing category kept under a placeholder category");
            }
            try {
                a.segmentation = segmentationFromJson(r.field(o, w, "segmentation"), im->height, im->width,
                                                      w + ".segmentation", warnings);
            } catch (const Error& e) {
                r.fail(w + ".segmentation", e.reason());
            }
            if (const json* v = r.optional(o, "score")) a.score = r.number(*v, w + ".score");
            if (const json* v = r.optional(o, "provenance")) a.provenance = provenanceFromJson(*v, where, w + ".provenance");
            if (!ids.insert(a.id).second) r.fail(w + ".id", "duplicate annotation id " + std::to_string(a.id));
            p.annotations.push_back(std::move(a));
        }
    }
}

}  // namespace

Project projectFromJson(const json& j, const std::string& where, Warnings& warnings) {
    const Reader r(where);
    if (!j.is_object()) r.fail("top level", "expected a JSON object");
    Project p;
    const int64_t version = r.integer(r.field(j, "top level", kVersionKey), kVersionKey);
    if (version < 1) r.fail(kVersionKey, "bad version " + std::to_string(version));
    if (version > Project::kVersion)
        r.fail(kVersionKey, "made by a newer LabelDiff (project version " + std::to_string(version) +
                                ", this one reads up to " + std::to_string(Project::kVersion) + ")");

    static const std::set<std::string> known = {kVersionKey, "images", "categories", "annotations",
                                                "phrase_history", "thresholds", "model_history"};
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!known.count(it.key())) p.extra[it.key()] = it.value();

    readImages(r, j, where, p);
    readCategories(r, j, p);
    readAnnotations(r, j, where, p, warnings);
    if (const json* list = r.optional(j, "phrase_history")) {
        r.array(*list, "phrase_history");
        for (size_t i = 0; i < list->size(); ++i) p.phraseHistory.push_back(r.string((*list)[i], at("phrase_history", i)));
    }
    if (const json* t = r.optional(j, "thresholds")) {
        r.object(*t, "thresholds");
        if (const json* g = r.optional(*t, "global")) p.threshold = r.unit(*g, "thresholds.global");
    }
    if (const json* h = r.optional(j, "model_history")) p.modelHistory = modelHistoryFromJson(*h, where, "model_history");
    return p;
}

Project loadProject(const std::string& path) {
    const json j = parseJson(readFile(path), path);
    Warnings warnings;
    return projectFromJson(j, path, warnings);
}

void saveProject(const Project& project, const std::string& path) {
    std::string text;
    try {
        text = projectToJson(project).dump(2) + "\n";
    } catch (const json::exception& e) {
        throw Error(path, std::string("cannot serialise project: ") + e.what());  // e.g. invalid UTF-8
    } catch (const Error& e) {
        throw Error(path, e.what());
    }
    writeFileAtomic(path, text);
}

Dataset projectToDataset(const Project& project, const std::string& imagesDir) {
    Dataset d;
    d.imagesDir = imagesDir;
    for (const auto& i : project.images) {
        ImageInfo info;
        info.id = i.id;
        info.fileName = i.fileName;
        info.width = i.width;
        info.height = i.height;
        if (!i.rejected.empty()) info.extra[kCocoExtraKey][kCocoExtraLabelDiff]["rejected"] = rejectedToJson(i.rejected);
        d.images.push_back(info);
    }
    for (const auto& c : project.categories) {
        Category cat;
        cat.id = c.id;
        cat.name = c.name;
        cat.isThing = c.isThing;
        cat.color = c.color;
        d.categories.push_back(cat);
    }
    for (const auto& a : project.annotations) {
        const ProjectImage* im = project.findImage(a.imageId);
        if (!im) throw Error("project", "annotation " + std::to_string(a.id) + " refers to a missing image");
        Annotation out;
        out.id = a.id;
        out.imageId = a.imageId;
        out.categoryId = a.categoryId;
        out.segmentation = a.segmentation;
        if (a.segmentation.kind != Segmentation::Kind::None) {
            const Rle rle = toRle(a.segmentation, im->height, im->width);
            out.area = double(rleArea(rle));
            out.bbox = rleBbox(rle);
        }
        out.score = a.score;
        out.provenance = a.provenance;
        d.annotations.push_back(std::move(out));
    }
    return d;
}

Project projectFromDataset(const Dataset& dataset) {
    Project p;
    std::map<int64_t, std::pair<int, int>> perImage;  // annotations, reviewed ones
    for (const auto& a : dataset.annotations) {
        auto& n = perImage[a.imageId];
        ++n.first;
        if (a.provenance && a.provenance->reviewed) ++n.second;
    }
    for (const auto& i : dataset.images) {
        ProjectImage im;
        im.id = i.id;
        im.fileName = i.fileName;
        im.width = i.width;
        im.height = i.height;
        if (i.extra.is_object()) {
            const json& e = i.extra;
            if (e.contains(kCocoExtraKey) && e[kCocoExtraKey].is_object() && e[kCocoExtraKey].contains(kCocoExtraLabelDiff) &&
                e[kCocoExtraKey][kCocoExtraLabelDiff].is_object() && e[kCocoExtraKey][kCocoExtraLabelDiff].contains("rejected"))
                im.rejected = rejectedFromJson(e[kCocoExtraKey][kCocoExtraLabelDiff]["rejected"], "dataset",
                                               "image " + std::to_string(i.id) + " extra.labeldiff.rejected");
        }
        auto it = perImage.find(i.id);
        if (it != perImage.end() && it->second.first > 0)
            im.status = it->second.second == it->second.first ? ImageStatus::Reviewed : ImageStatus::Labelled;
        p.images.push_back(im);
    }
    for (size_t k = 0; k < dataset.categories.size(); ++k) {
        const Category& c = dataset.categories[k];
        ProjectCategory pc;
        pc.id = c.id;
        pc.name = c.name;
        pc.prompt = c.name;
        pc.isThing = c.isThing;
        pc.color = c.color ? *c.color : paletteColor(int(k));
        p.categories.push_back(pc);
    }
    for (const auto& a : dataset.annotations) {
        ProjectAnnotation pa;
        pa.id = a.id;
        pa.imageId = a.imageId;
        pa.categoryId = a.categoryId;
        pa.segmentation = a.segmentation;
        pa.score = a.score;
        if (a.provenance) pa.provenance = *a.provenance;
        p.annotations.push_back(std::move(pa));
    }
    return p;
}

}  // namespace ld
