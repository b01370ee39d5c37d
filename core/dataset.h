#pragma once
// The in-memory dataset every format reads into and writes from: COCO's data model, plus
// the narrative captions of Panoptic Narrative Grounding and per-annotation provenance.
#include "core/geometry.h"
#include "core/review_record.h"
#include "core/uncertainty_score.h"
#include "core/segmentation.h"
#include "core/warnings.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ld {

struct Category {
    int64_t id = 0;
    std::string name;
    std::string supercategory;
    bool isThing = true;  // panoptic: thing (instances) or stuff
    std::optional<std::array<uint8_t, 3>> color;
};

// Who made an annotation: a person, or a model with the settings that reproduce it.
struct Provenance {
    enum class Source { Manual, Model };
    Source source = Source::Manual;
    std::string model;          // model directory or name
    nlohmann::json settings;    // steps, spacing, guidance, ensemble, threshold, ...
    uint64_t seed = 0;
    bool reviewed = false;      // a person accepted the model's proposal
    std::optional<UncertaintyScore> uncertainty;  // the ensemble's, for a model proposal
    std::optional<ReviewOutcome> review;          // what the person did with the proposal
};

struct Annotation {
    int64_t id = 0;
    int64_t imageId = 0;
    int64_t categoryId = 0;
    Segmentation segmentation;
    BBox bbox;
    double area = 0;
    bool iscrowd = false;
    std::optional<double> score;
    std::optional<Provenance> provenance;
};

struct ImageInfo {
    int64_t id = 0;
    std::string fileName;  // relative to the dataset's image folder
    int width = 0;         // of the EXIF-oriented image
    int height = 0;
    nlohmann::json extra;  // license, coco_url, ... kept for round trips
};

// Panoptic Narrative Grounding: a caption whose noun phrases point at segments.
struct NarrativeSegment {
    std::string utterance;
    std::vector<int64_t> segmentIds;  // annotation ids
    std::string noun;
    bool plural = false;
};

struct Narrative {
    int64_t imageId = 0;
    std::string caption;
    std::vector<NarrativeSegment> segments;
};

struct Dataset {
    std::vector<ImageInfo> images;
    std::vector<Category> categories;
    std::vector<Annotation> annotations;
    std::vector<Narrative> narratives;
    nlohmann::json info;      // COCO "info"/"licenses", kept for round trips
    nlohmann::json licenses;
    std::string imagesDir;    // where the image files are (may be empty)
    Warnings warnings;        // what the reader had to tolerate

    const ImageInfo* findImage(int64_t id) const;
    const Category* findCategory(int64_t id) const;
    const Category* findCategory(const std::string& name) const;
};

}  // namespace ld
