#include "core/dataset_summary.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace ld {

DatasetSummary summarizeDataset(const Dataset& dataset, const std::string& path, const std::string& format) {
    DatasetSummary s;
    s.path = path;
    s.format = format;
    s.images = int64_t(dataset.images.size());
    s.narratives = int64_t(dataset.narratives.size());
    s.warnings = dataset.warnings;

    std::map<int64_t, size_t> index;
    for (const Category& c : dataset.categories) {
        if (index.count(c.id)) continue;
        index[c.id] = s.categories.size();
        CategorySummary cs;
        cs.id = c.id;
        cs.name = c.name;
        cs.supercategory = c.supercategory;
        s.categories.push_back(cs);
    }
    std::vector<std::set<int64_t>> imagesOf(s.categories.size());
    std::set<int64_t> annotated;
    for (const Annotation& a : dataset.annotations) {
        ++s.annotations;
        annotated.insert(a.imageId);
        if (a.iscrowd) ++s.crowdAnnotations;
        switch (a.segmentation.kind) {
        case Segmentation::Kind::Polygons: ++s.polygonAnnotations; break;
        case Segmentation::Kind::Rle: ++s.rleAnnotations; break;
        case Segmentation::Kind::None: ++s.bboxOnlyAnnotations; break;
        }
        auto it = index.find(a.categoryId);
        if (it == index.end()) {
            ++s.unknownCategoryAnnotations;
            continue;
        }
        CategorySummary& cs = s.categories[it->second];
        ++cs.instances;
        if (a.iscrowd) ++cs.crowd;
        imagesOf[it->second].insert(a.imageId);
    }
    for (size_t i = 0; i < s.categories.size(); ++i) s.categories[i].images = int64_t(imagesOf[i].size());
    s.imagesWithAnnotations = int64_t(annotated.size());
    return s;
}

std::string warningsText(const Warnings& warnings, const std::string& indent) {
    std::vector<std::pair<std::string, int>> all(warnings.all().begin(), warnings.all().end());
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::ostringstream out;
    for (const auto& [what, n] : all) out << indent << n << " × " << what << "\n";
    return out.str();
}

std::string summaryText(const DatasetSummary& s) {
    std::ostringstream out;
    if (!s.path.empty()) out << s.path << (s.format.empty() ? "" : " (" + s.format + ")") << "\n";
    out << "images:      " << s.images << " (" << s.imagesWithAnnotations << " with annotations)\n";
    out << "annotations: " << s.annotations << " (" << s.polygonAnnotations << " polygons, " << s.rleAnnotations
        << " RLE, " << s.bboxOnlyAnnotations << " box only; " << s.crowdAnnotations << " crowd)\n";
    if (s.narratives > 0) out << "narratives:  " << s.narratives << "\n";
    out << "categories:  " << s.categories.size() << "\n";
    size_t width = 4;
    for (const auto& c : s.categories) width = std::max(width, c.name.size());
    for (const auto& c : s.categories) {
        out << "  " << std::string(6 - std::min<size_t>(6, std::to_string(c.id).size()), ' ') << c.id << "  "
            << c.name << std::string(width - c.name.size(), ' ') << "  " << c.instances << " instances in "
            << c.images << " images";
        if (c.crowd > 0) out << " (" << c.crowd << " crowd)";
        if (!c.supercategory.empty()) out << "  [" << c.supercategory << "]";
        out << "\n";
    }
    if (s.unknownCategoryAnnotations > 0)
        out << "  " << s.unknownCategoryAnnotations << " annotations of categories not listed\n";
    out << "warnings:    " << s.warnings.total() << "\n" << warningsText(s.warnings);
    return out.str();
}

nlohmann::json summaryToJson(const DatasetSummary& s) {
    nlohmann::json j;
    j["path"] = s.path;
    j["format"] = s.format;
    j["images"] = s.images;
    j["images_with_annotations"] = s.imagesWithAnnotations;
    j["annotations"] = s.annotations;
    j["crowd_annotations"] = s.crowdAnnotations;
    j["polygon_annotations"] = s.polygonAnnotations;
    j["rle_annotations"] = s.rleAnnotations;
    j["bbox_only_annotations"] = s.bboxOnlyAnnotations;
    j["narratives"] = s.narratives;
    j["unknown_category_annotations"] = s.unknownCategoryAnnotations;
    nlohmann::json cats = nlohmann::json::array();
    for (const auto& c : s.categories)
        cats.push_back({{"id", c.id},
                        {"name", c.name},
                        {"supercategory", c.supercategory},
                        {"instances", c.instances},
                        {"crowd", c.crowd},
                        {"images", c.images}});
    j["categories"] = cats;
    nlohmann::json w = nlohmann::json::object();
    for (const auto& [what, n] : s.warnings.all()) w[what] = n;
    j["warnings"] = w;
    j["warning_total"] = s.warnings.total();
    return j;
}

}  // namespace ld
