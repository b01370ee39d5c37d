#pragma once
// A labelling project: a JSON file beside the images that holds what a session produced
// (images and their review state, the prompts, the annotations with their provenance
// and the thresholds), saved atomically so that an autosave never leaves a broken file.
#include "core/dataset.h"
#include "core/model_history.h"
#include "core/review_record.h"
#include "core/segmentation.h"
#include "core/warnings.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ld {

enum class ImageStatus { Unlabelled, Labelled, Reviewed };

const char* toString(ImageStatus s);  // "unlabelled", "labelled", "reviewed"

struct ProjectImage {
    int64_t id = 0;
    std::string fileName;  // relative to the project file's folder
    int width = 0;         // of the EXIF-oriented image
    int height = 0;
    ImageStatus status = ImageStatus::Unlabelled;
    std::vector<RejectedProposal> rejected;  // proposals a person rejected here
};

struct ProjectCategory {
    int64_t id = 0;
    std::string name;
    std::string prompt;  // the text given to the model (empty: the name)
    std::array<uint8_t, 3> color{0, 0, 0};
    std::optional<double> threshold;  // per-category τ; absent: the global one
    bool isThing = true;
};

struct ProjectAnnotation {
    int64_t id = 0;
    int64_t imageId = 0;
    int64_t categoryId = 0;
    Segmentation segmentation;
    std::optional<double> score;
    Provenance provenance;
};

struct Project {
    static constexpr int kVersion = 1;

    std::vector<ProjectImage> images;
    std::vector<ProjectCategory> categories;
    std::vector<ProjectAnnotation> annotations;
    std::vector<std::string> phraseHistory;  // free-text prompts typed, most recent last
    double threshold = 0.5;                  // global τ
    ModelHistory modelHistory;               // the models it was labelled with (issue 18)
    // Top-level fields this version does not know, kept so that saving does not drop
    // what a newer version wrote.
    nlohmann::json extra = nlohmann::json::object();

    const ProjectImage* findImage(int64_t id) const;
    const ProjectCategory* findCategory(int64_t id) const;
    // The category's own τ, or the global one.
    double thresholdFor(int64_t categoryId) const;
};

// Tolerant of unknown fields; strict on malformed ones: ld::Error(path, "images[2].width:
// expected an integer"). A project of a newer version than kVersion is refused.
Project loadProject(const std::string& path);
// Atomic (writeFileAtomic): on failure ld::Error and the previous file untouched.
void saveProject(const Project& project, const std::string& path);

nlohmann::json projectToJson(const Project& project);
// `where` names the source in errors; warnings collects what segmentation parsing tolerated.
Project projectFromJson(const nlohmann::json& j, const std::string& where, Warnings& warnings);

// For the exporters: images relative to `imagesDir` (usually the project file's folder);
// area and bbox computed from the pixels; provenance and score carried along.
Dataset projectToDataset(const Project& project, const std::string& imagesDir);
// Images with annotations become Labelled (Reviewed when every annotation is reviewed);
// categories without a colour get the palette's; annotations without provenance Manual.
Project projectFromDataset(const Dataset& dataset);

}  // namespace ld
