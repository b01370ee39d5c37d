#pragma once
// COCO panoptic (https://cocodataset.org/#format-data, "Panoptic Segmentation"): a JSON
// whose annotations list each image's segments (segments_info) and name a PNG in which
// segment id = R + 256·G + 256²·B (0 = unlabelled). The narrative-grounding format builds
// on this, hence the lower-level API besides panopticFormat().
//
// Layout: `<name>.json` with its PNGs in the sibling folder `<name>/` (as panopticapi's
// sample data and COCO's panoptic_val2017.json + panoptic_val2017/); the layout of
// Panoptic Narrative Grounding (`annotations/panoptic_segmentation/<split>/` beside
// `annotations/panoptic_<split>.json`) is found too.
//
// Segment ids are unique only within an image, Dataset annotation ids must be unique in
// the dataset: a segment keeps its id as annotation id unless an earlier image already
// used it, then it gets a fresh id above every segment id of the file (annotationIdOf
// records the mapping). Writing uses the annotation id as segment id where it fits in 24
// bits and is unique in its image, and otherwise the smallest free id.
#include "core/formats/dataset_format.h"
#include "core/file_batch.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace ld {

struct PanopticData {
    Dataset dataset;
    // (image id, segment id in the PNG) → annotation id in `dataset`.
    std::map<std::pair<int64_t, int64_t>, int64_t> annotationIdOf;
};

// Reads the JSON and its PNGs; `onlyImages`, when given, restricts the images read.
PanopticData readPanoptic(const std::string& jsonPath, const ReadOptions& options,
                          const std::set<int64_t>* onlyImages = nullptr);

// The PNG folder that belongs to a panoptic JSON (the first that exists, else `<name>/`).
std::string panopticPngFolder(const std::string& jsonPath);

// Encodes the JSON and one PNG per image into `batch` (nothing is written yet). Returns
// annotation id → segment id as written (annotations hidden by later ones are absent).
std::map<int64_t, int64_t> addPanopticFiles(const Dataset& dataset, const std::string& jsonPath,
                                            const WriteOptions& options, FileBatch& batch);

// Segment id of an 8-bit BGR/BGRA (or grey) panoptic PNG, per pixel, as CV_32SC1.
cv::Mat panopticIds(const cv::Mat& png, const std::string& where);

}  // namespace ld
