#include "core/segmentation_json.h"

#include "core/error.h"
#include "core/pixel_limit.h"

#include <cmath>
#include <string>
#include <vector>

namespace ld {

namespace {

std::string sizeText(int h, int w) { return std::to_string(h) + "x" + std::to_string(w); }

double coordinate(const nlohmann::json& v, const std::string& where, size_t polygon, size_t index) {
    if (!v.is_number())
        throw Error(where, "polygon " + std::to_string(polygon) + " value " + std::to_string(index) +
                               " is a " + v.type_name() + ", expected a number");
    const double d = v.get<double>();
    if (!std::isfinite(d))
        throw Error(where, "polygon " + std::to_string(polygon) + " value " + std::to_string(index) +
                               " is not finite");
    return d;
}

// pycocotools' frBbox: the box [x, y, w, h] as the 4-corner polygon it rasterises.
Polygon boxPolygon(const std::vector<double>& b) {
    const double xs = b[0], ys = b[1], xe = b[0] + b[2], ye = b[1] + b[3];
    return {xs, ys, xs, ye, xe, ye, xe, ys};
}

Segmentation polygonsFromJson(const nlohmann::json& j, const std::string& where, Warnings& warnings) {
    std::vector<nlohmann::json> parts;
    if (!j.empty() && j.front().is_number()) {
        // A flat [x, y, ...] list: some exporters drop the outer list for one polygon.
        warnings.add("flat polygon list read as one polygon");
        parts.push_back(j);
    } else {
        for (const auto& p : j) parts.push_back(p);
    }
    std::vector<Polygon> polygons;
    for (size_t i = 0; i < parts.size(); ++i) {
        const nlohmann::json& p = parts[i];
        if (!p.is_array())
            throw Error(where, "polygon " + std::to_string(i) + " is a " + p.type_name() +
                                   ", expected a list of numbers");
        std::vector<double> values;
        values.reserve(p.size());
        for (size_t k = 0; k < p.size(); ++k) values.push_back(coordinate(p[k], where, i, k));
        if (values.size() % 2 != 0) {
            warnings.add("polygon with an odd number of coordinates (last one ignored)");
            values.pop_back();
        }
        if (values.size() == 4) {
            // pycocotools reads a 4-number "polygon" as a box [x, y, w, h]; the pixels must
            // be the ones every COCO tool sees.
            warnings.add("4-number polygon read as a box [x,y,w,h], as pycocotools does");
            polygons.push_back(boxPolygon(values));
            continue;
        }
        if (values.size() < 6) {
            warnings.add("polygon with fewer than 3 points dropped");
            continue;
        }
        polygons.push_back(std::move(values));
    }
    // An empty polygon list is kept as Kind::Polygons so that callers can tell "had a
    // shape, all of it degenerate" from "never had a shape".
    return Segmentation::fromPolygons(std::move(polygons));
}

int sizeValue(const nlohmann::json& v, const std::string& where, const char* which) {
    if (!v.is_number_integer() && !(v.is_number_float() && v.get<double>() == std::floor(v.get<double>())))
        throw Error(where, std::string("RLE size ") + which + " is a " + v.type_name() + ", expected an integer");
    const double d = v.get<double>();
    if (d < 0) throw Error(where, std::string("RLE size ") + which + " is negative (" + v.dump() + ")");
    if (d > 1e9) throw Error(where, std::string("RLE size ") + which + " is too large (" + v.dump() + ")");
    return int(d);
}

Segmentation rleFromJson(const nlohmann::json& j, int height, int width, const std::string& where,
                         Warnings& warnings) {
    const auto size = j.find("size");
    const auto counts = j.find("counts");
    if (size == j.end()) throw Error(where, "RLE has no \"size\"");
    if (counts == j.end()) throw Error(where, "RLE has no \"counts\"");
    if (!size->is_array() || size->size() != 2)
        throw Error(where, "RLE \"size\" must be [height, width], got " + size->dump());
    const int h = sizeValue((*size)[0], where, "height");
    const int w = sizeValue((*size)[1], where, "width");
    checkPixelLimit(w, h, where, "RLE size");
    if (height > 0 && width > 0 && (h != height || w != width))
        throw Error(where, "RLE size " + sizeText(h, w) + " differs from the image size " + sizeText(height, width));
    Rle r;
    if (counts->is_string()) {
        r = rleFromString(counts->get<std::string>(), h, w, where);
    } else if (counts->is_array()) {
        std::vector<int64_t> c;
        c.reserve(counts->size());
        for (size_t i = 0; i < counts->size(); ++i) {
            const auto& v = (*counts)[i];
            if (!v.is_number_integer() && !v.is_number_unsigned())
                throw Error(where, "RLE counts[" + std::to_string(i) + "] is " + v.dump() + ", expected an integer");
            if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
                throw Error(where, "RLE counts[" + std::to_string(i) + "] is too large");
            c.push_back(v.get<int64_t>());
        }
        r = rleFromCounts(c, h, w, where);
        warnings.add("uncompressed RLE read (written back compressed)");
    } else {
        throw Error(where, std::string("RLE \"counts\" is a ") + counts->type_name() +
                               ", expected a string or a list of integers");
    }
    return Segmentation::fromRle(std::move(r));
}

}  // namespace

Segmentation segmentationFromJson(const nlohmann::json& j, int height, int width, const std::string& where,
                                  Warnings& warnings) {
    if (j.is_null()) return {};
    if (j.is_array()) {
        if (j.empty()) return {};
        return polygonsFromJson(j, where, warnings);
    }
    if (j.is_object()) return rleFromJson(j, height, width, where, warnings);
    throw Error(where, std::string("segmentation is a ") + j.type_name() +
                           ", expected polygons (a list) or an RLE (an object)");
}

nlohmann::json segmentationToJson(const Segmentation& s) {
    switch (s.kind) {
    case Segmentation::Kind::Polygons: {
        nlohmann::json out = nlohmann::json::array();
        for (const Polygon& p : s.polygons) out.push_back(p);
        return out;
    }
    case Segmentation::Kind::Rle: {
        nlohmann::json out = nlohmann::json::object();
        out["size"] = {s.rle.height, s.rle.width};
        out["counts"] = rleToString(s.rle);
        return out;
    }
    case Segmentation::Kind::None:
        break;
    }
    return nlohmann::json::array();
}

}  // namespace ld
