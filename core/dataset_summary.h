#pragma once
// What a dataset holds, at a glance: for `labeldiff-cli stats` and the GUI's training
// panel (which classes, how many instances of each, what the reader had to tolerate).
#include "core/dataset.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ld {

struct CategorySummary {
    int64_t id = 0;
    std::string name;
    std::string supercategory;
    int64_t instances = 0;  // annotations of this category, crowd included
    int64_t crowd = 0;
    int64_t images = 0;     // images with at least one instance
};

struct DatasetSummary {
    std::string path;    // what was read (may be empty)
    std::string format;  // the format's name (may be empty)
    int64_t images = 0;
    int64_t imagesWithAnnotations = 0;
    int64_t annotations = 0;
    int64_t crowdAnnotations = 0;
    int64_t polygonAnnotations = 0;
    int64_t rleAnnotations = 0;
    int64_t bboxOnlyAnnotations = 0;
    int64_t narratives = 0;
    int64_t unknownCategoryAnnotations = 0;  // annotations whose category is not listed
    std::vector<CategorySummary> categories;  // in the dataset's order
    Warnings warnings;
};

DatasetSummary summarizeDataset(const Dataset& dataset, const std::string& path = "",
                                const std::string& format = "");

// Human-readable, several lines, ending with a newline.
std::string summaryText(const DatasetSummary& summary);
// The same content for machines (`stats --json`).
nlohmann::json summaryToJson(const DatasetSummary& summary);
// "  12 × polygon with fewer than 3 points dropped" lines, most frequent first.
std::string warningsText(const Warnings& warnings, const std::string& indent = "  ");

}  // namespace ld
