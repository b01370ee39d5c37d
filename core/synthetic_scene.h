#pragma once
// Procedurally rendered street scenes with exact instance masks. They give the project
// sample images it made itself (resources/samples) and labelled data of known truth for
// tests, without copying anyone's photographs.
#include "core/dataset.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ld {

struct SyntheticInstance {
    std::string category;
    BinaryMask mask;  // visible pixels only (later objects occlude earlier ones)
};

struct SyntheticScene {
    cv::Mat rgb;  // CV_8UC3, R first
    std::vector<SyntheticInstance> instances;
};

// The categories the scenes use, in the facade dataset's vocabulary.
const std::vector<std::string>& syntheticSceneCategories();

// Deterministic for a given (seed, size) on every platform (own PRNG arithmetic).
SyntheticScene renderSyntheticScene(uint64_t seed, int width, int height);

// Renders `count` scenes, writes them as <dir>/scene_<k>.png and returns the dataset
// (file names relative to `dir`, categories from syntheticSceneCategories(), RLE masks).
Dataset writeSyntheticDataset(const std::string& dir, int count, int width, int height,
                              uint64_t seed);

}  // namespace ld
