#pragma once
// The training data pipeline: labelled images from any core/ dataset format, held in
// memory pre-resized, turned into (image, phrase, target mask) samples — the phrase a
// category name, the target the union of that category's instances, or an empty mask for
// an *absent* phrase (a category not in the image, so the model learns "not here") —
// with augmentation (horizontal flip, scale jitter, random crop, mild colour jitter).
// A batch is a pure function of (seed, batch index), so a resumed run sees exactly the
// batches an uninterrupted one would; a prefetch thread builds them off the training
// thread. No LibTorch here: batches are plain float buffers.
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ld {

struct DataSource {
    std::string format = "coco";  // any ld::DatasetFormat name
    std::string path;             // its file or folder
    std::string images;           // image folder override (optional)
};

struct DataConfig {
    std::vector<DataSource> train;
    std::vector<DataSource> val;       // empty: a seeded split of train
    double valFraction = 0.1;          // used when val is empty
    int valMaxImages = 0;              // periodic validation on at most this many (0 = all)
    std::vector<std::string> classes;  // empty: every category of the training data
    double absentFraction = 0.3;       // share of absent-phrase samples
    // Consecutive samples of a batch share one image (same crop, flip and colour) with
    // different phrases, so that the phrase is the only thing telling their targets apart.
    int phrasesPerImage = 1;
    std::string sampling = "class";    // "class": class first (balanced), "image": image first
    bool augment = true;
    bool hflip = true;
    double scaleMin = 0.8, scaleMax = 1.2;
    double colorJitter = 0.1;          // brightness/contrast/saturation amplitude
    double cacheScale = 1.25;          // cached side = resolution · cacheScale
    int prefetch = 4;                  // batches queued ahead

    // JSON: {"train": [{"format", "path", "images"}] or "PATH", "val": ..., "val_fraction",
    // "val_max_images", "classes", "absent_fraction", "phrases_per_image", "sampling", "augment", "hflip",
    // "scale": [min, max], "color_jitter", "cache_scale", "prefetch"}. Relative paths are
    // taken relative to `baseDir`.
    static DataConfig fromJson(const nlohmann::json& j, const std::string& baseDir, const std::string& subject);
    nlohmann::json toJson() const;
};

struct LabelledImage {
    std::string file;
    cv::Mat rgb;                // CV_8UC3
    std::vector<cv::Mat> masks; // per class: CV_8UC1 coverage 0..255 at rgb's size; empty Mat = absent
    bool has(size_t c) const { return c < masks.size() && !masks[c].empty(); }
};

struct LabelledImages {
    std::vector<std::string> classes;
    std::vector<LabelledImage> items;
};

// The category names of the sources (duplicates merged by name, parent categories without
// annotations left out by the readers), in order of first appearance.
std::vector<std::string> datasetClasses(const std::vector<DataSource>& sources);

// Reads every image and its per-class union masks. side > 0: images resized to side×side
// (area interpolation, as the sampler does) and masks to coverage at that size; side = 0
// keeps the original size (masks then binary 0/255). Classes not in `classes` are ignored.
LabelledImages loadLabelledImages(const std::vector<DataSource>& sources, const std::vector<std::string>& classes,
                                  int side);

// A seeded split of n items: `valFraction` of them (at least one when n > 1) to val.
void splitIndices(size_t n, double valFraction, uint64_t seed, std::vector<size_t>& train, std::vector<size_t>& val);
// The training images of n items as the trainer chooses them: all of them when the config
// names validation sources, otherwise the train part of the seeded split.
std::vector<size_t> trainingIndices(const DataConfig& config, size_t n, uint64_t seed);
// At most `max` of `indices`, spread evenly over them (max <= 0: all).
std::vector<size_t> evenSubset(const std::vector<size_t>& indices, int max);
// The validation images as the trainer chooses them: the explicit val sources, or the
// seeded split of the training sources; at their original size, with the configured
// classes (every category of the training data when none are named).
void validationSplit(const DataConfig& config, uint64_t seed, LabelledImages& data, std::vector<size_t>& indices);

struct TrainingBatch {
    int64_t index = -1;
    int batch = 0, resolution = 0;
    // A rank's share of a data-parallel batch holds samples [first, first + batch) of the
    // batch of `fullBatch`; the loss draws the noise of the whole batch and keeps its rows,
    // so that a sample gets the same noise whichever rank takes it.
    int first = 0, fullBatch = 0;
    std::vector<float> images;   // [B, 3, R, R] in [0, 1]
    std::vector<float> masks;    // [B, 1, R, R] in [-1, 1] (soft at boundaries)
    std::vector<std::string> phrases;
    std::vector<int> classIndex;
    std::vector<uint8_t> present;
    std::vector<size_t> item;    // index into LabelledImages::items of each sample's image
};

class BatchSource {
public:
    // shareCount > 0: make() builds only samples [shareFirst, shareFirst + shareCount) of each
    // batch of `batch`, drawing the others' choices without their pixels.
    BatchSource(const LabelledImages* data, std::vector<size_t> indices, DataConfig config, int resolution, int batch,
                uint64_t seed, int shareFirst = 0, int shareCount = 0);
    TrainingBatch make(int64_t index) const;  // deterministic in (seed, index)
    size_t size() const { return indices_.size(); }

    // One augmented view: the affine map from the cached image to the R×R crop (with an
    // optional flip) applied to the image and the mask alike.
    static void augmentPair(const cv::Mat& rgb, const cv::Mat& mask, int resolution, const DataConfig& config,
                            uint64_t seed, cv::Mat& outRgb, cv::Mat& outMask);

private:
    const LabelledImages* data_;
    std::vector<size_t> indices_;
    DataConfig config_;
    int resolution_, batch_;
    uint64_t seed_;
    int shareFirst_, shareCount_;
    std::vector<std::vector<size_t>> withClass_, withoutClass_;  // per class: positions in indices_
    std::vector<size_t> usableClasses_;
};

// Builds batches [from, ...) on a thread, in order, a few ahead.
class PrefetchQueue {
public:
    PrefetchQueue(const BatchSource& source, int64_t from, int capacity);
    ~PrefetchQueue();
    TrainingBatch next();

private:
    const BatchSource& source_;
    int capacity_;
    int64_t nextIndex_;
    std::deque<TrainingBatch> queue_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace ld
