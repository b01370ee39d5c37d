#include "inference/training/training_data.h"

#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/image.h"
#include "core/segmentation.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>

namespace ld {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E5Dull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::vector<DataSource> sourcesFromJson(const json& j, const std::string& baseDir, const std::string& subject) {
    std::vector<DataSource> out;
    if (j.is_null()) return out;
    auto resolve = [&](const std::string& p) {
        if (p.empty() || fs::path(p).is_absolute() || baseDir.empty()) return p;
        return (fs::path(baseDir) / p).lexically_normal().string();
    };
    auto one = [&](const json& e) {
        DataSource s;
        if (e.is_string()) {
            s.path = resolve(e.get<std::string>());
        } else if (e.is_object()) {
            s.format = e.value("format", s.format);
            s.path = resolve(e.value("path", std::string()));
            s.images = resolve(e.value("images", std::string()));
        } else {
            throw Error(subject, "a data source is a path or {\"format\", \"path\", \"images\"}");
        }
        if (s.path.empty()) throw Error(subject, "a data source has no path");
        out.push_back(s);
    };
    if (j.is_array())
        for (const auto& e : j) one(e);
    else
        one(j);
    return out;
}

json sourcesToJson(const std::vector<DataSource>& v) {
    json a = json::array();
    for (const auto& s : v) a.push_back({{"format", s.format}, {"path", s.path}, {"images", s.images}});
    return a;
}

Dataset readSource(const DataSource& s) {
    const DatasetFormat* f = findDatasetFormat(s.format);
    if (!f) throw Error(s.path, "unknown dataset format '" + s.format + "'");
    ReadOptions o;
    o.imagesDir = s.images;
    return f->read(s.path, o);
}

}  // namespace

DataConfig DataConfig::fromJson(const json& j, const std::string& baseDir, const std::string& subject) {
    DataConfig c;
    if (!j.is_object()) throw Error(subject, "data must be a JSON object");
    try {
        c.train = sourcesFromJson(j.value("train", json()), baseDir, subject);
        c.val = sourcesFromJson(j.value("val", json()), baseDir, subject);
        c.valFraction = j.value("val_fraction", c.valFraction);
        c.valMaxImages = j.value("val_max_images", c.valMaxImages);
        c.classes = j.value("classes", c.classes);
        c.absentFraction = j.value("absent_fraction", c.absentFraction);
        c.phrasesPerImage = j.value("phrases_per_image", c.phrasesPerImage);
        c.sampling = j.value("sampling", c.sampling);
        c.augment = j.value("augment", c.augment);
        c.hflip = j.value("hflip", c.hflip);
        if (j.contains("scale")) {
            auto s = j.at("scale").get<std::vector<double>>();
            if (s.size() != 2) throw Error(subject, "data.scale must be [min, max]");
            c.scaleMin = s[0];
            c.scaleMax = s[1];
        }
        c.colorJitter = j.value("color_jitter", c.colorJitter);
        c.cacheScale = j.value("cache_scale", c.cacheScale);
        c.prefetch = j.value("prefetch", c.prefetch);
    } catch (const json::exception& e) {
        throw Error(subject, std::string("bad data section: ") + e.what());
    }
    if (c.train.empty()) throw Error(subject, "data.train names no dataset");
    if (c.sampling != "class" && c.sampling != "image") throw Error(subject, "data.sampling must be 'class' or 'image'");
    if (c.absentFraction < 0 || c.absentFraction > 1) throw Error(subject, "data.absent_fraction must be in [0, 1]");
    if (c.phrasesPerImage < 1) throw Error(subject, "data.phrases_per_image must be >= 1");
    if (!(c.scaleMin > 0) || c.scaleMax < c.scaleMin) throw Error(subject, "data.scale must be 0 < min <= max");
    if (c.cacheScale < 1) throw Error(subject, "data.cache_scale must be >= 1");
    return c;
}

json DataConfig::toJson() const {
    return {{"train", sourcesToJson(train)},
            {"val", sourcesToJson(val)},
            {"val_fraction", valFraction},
            {"val_max_images", valMaxImages},
            {"classes", classes},
            {"absent_fraction", absentFraction},
            {"phrases_per_image", phrasesPerImage},
            {"sampling", sampling},
            {"augment", augment},
            {"hflip", hflip},
            {"scale", {scaleMin, scaleMax}},
            {"color_jitter", colorJitter},
            {"cache_scale", cacheScale},
            {"prefetch", prefetch}};
}

std::vector<std::string> datasetClasses(const std::vector<DataSource>& sources) {
    std::vector<std::string> out;
    for (const auto& s : sources) {
        Dataset d = readSource(s);
        for (const auto& c : d.categories)
            if (std::find(out.begin(), out.end(), c.name) == out.end()) out.push_back(c.name);
    }
    return out;
}

LabelledImages loadLabelledImages(const std::vector<DataSource>& sources, const std::vector<std::string>& classes,
                                  int side) {
    LabelledImages out;
    out.classes = classes;
    std::map<std::string, size_t> classIndex;
    for (size_t i = 0; i < classes.size(); ++i) classIndex[classes[i]] = i;
    for (const auto& src : sources) {
        Dataset d = readSource(src);
        std::map<int64_t, std::vector<const Annotation*>> byImage;
        for (const auto& a : d.annotations) byImage[a.imageId].push_back(&a);
        for (const auto& im : d.images) {
            const fs::path file = fs::path(d.imagesDir) / im.fileName;
            std::error_code ec;
            if (!fs::exists(file, ec)) continue;  // the reader counted it as a warning
            LabelledImage item;
            item.file = file.string();
            cv::Mat rgb = loadImageRgb(item.file);
            const int h = rgb.rows, w = rgb.cols;
            item.masks.assign(classes.size(), cv::Mat());
            std::vector<BinaryMask> unions(classes.size());
            for (const Annotation* a : byImage[im.id]) {
                const Category* cat = d.findCategory(a->categoryId);
                if (!cat) continue;
                auto it = classIndex.find(cat->name);
                if (it == classIndex.end()) continue;
                BinaryMask m = toMask(a->segmentation, h, w);
                unions[it->second] = unions[it->second].empty() ? m : unite(unions[it->second], m);
            }
            if (side > 0) cv::resize(rgb, item.rgb, cv::Size(side, side), 0, 0, w > side ? cv::INTER_AREA : cv::INTER_LINEAR);
            else item.rgb = rgb;
            for (size_t c = 0; c < classes.size(); ++c) {
                if (unions[c].empty() || area(unions[c]) == 0) continue;
                cv::Mat m = unions[c].mat() * 255;
                if (side > 0) {
                    cv::Mat f, r;
                    m.convertTo(f, CV_32F);
                    cv::resize(f, r, cv::Size(side, side), 0, 0, w > side ? cv::INTER_AREA : cv::INTER_LINEAR);
                    r.convertTo(m, CV_8U);
                }
                item.masks[c] = m;
            }
            out.items.push_back(std::move(item));
        }
    }
    return out;
}

void splitIndices(size_t n, double valFraction, uint64_t seed, std::vector<size_t>& train, std::vector<size_t>& val) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(mix(seed, 0x5117));
    for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
    size_t nv = size_t(std::llround(double(n) * valFraction));
    if (n > 1 && valFraction > 0) nv = std::clamp<size_t>(nv, 1, n - 1);
    val.assign(order.begin(), order.begin() + long(nv));
    train.assign(order.begin() + long(nv), order.end());
    std::sort(val.begin(), val.end());
    std::sort(train.begin(), train.end());
}

std::vector<size_t> trainingIndices(const DataConfig& config, size_t n, uint64_t seed) {
    std::vector<size_t> train, val;
    splitIndices(n, config.val.empty() ? config.valFraction : 0.0, seed, train, val);
    return train;
}

std::vector<size_t> evenSubset(const std::vector<size_t>& indices, int max) {
    if (max <= 0 || int(indices.size()) <= max) return indices;
    std::vector<size_t> s;
    const double stride = double(indices.size()) / max;
    for (int i = 0; i < max; ++i) s.push_back(indices[size_t(i * stride)]);
    return s;
}

void validationSplit(const DataConfig& config, uint64_t seed, LabelledImages& data, std::vector<size_t>& indices) {
    std::vector<std::string> classes = config.classes;
    if (classes.empty()) classes = datasetClasses(config.train);
    indices.clear();
    if (!config.val.empty()) {
        data = loadLabelledImages(config.val, classes, 0);
        for (size_t i = 0; i < data.items.size(); ++i) indices.push_back(i);
    } else {
        data = loadLabelledImages(config.train, classes, 0);
        std::vector<size_t> train;
        splitIndices(data.items.size(), config.valFraction, seed, train, indices);
    }
}

BatchSource::BatchSource(const LabelledImages* data, std::vector<size_t> indices, DataConfig config, int resolution,
                         int batch, uint64_t seed, int shareFirst, int shareCount)
    : data_(data), indices_(std::move(indices)), config_(std::move(config)), resolution_(resolution), batch_(batch),
      seed_(seed), shareFirst_(shareFirst), shareCount_(shareCount > 0 ? shareCount : batch) {
    if (indices_.empty()) throw Error("training data", "no training images");
    if (shareFirst_ < 0 || shareFirst_ + shareCount_ > batch_)
        throw Error("training data", "share [" + std::to_string(shareFirst_) + ", " +
                                         std::to_string(shareFirst_ + shareCount_) + ") is outside a batch of " +
                                         std::to_string(batch_));
    const size_t nc = data_->classes.size();
    withClass_.assign(nc, {});
    withoutClass_.assign(nc, {});
    for (size_t p = 0; p < indices_.size(); ++p)
        for (size_t c = 0; c < nc; ++c)
            (data_->items[indices_[p]].has(c) ? withClass_ : withoutClass_)[c].push_back(p);
    for (size_t c = 0; c < nc; ++c)
        if (!withClass_[c].empty()) usableClasses_.push_back(c);
    if (usableClasses_.empty()) throw Error("training data", "no class has any annotated pixels");
}

void BatchSource::augmentPair(const cv::Mat& rgb, const cv::Mat& mask, int R, const DataConfig& config, uint64_t seed,
                              cv::Mat& outRgb, cv::Mat& outMask) {
    if (!config.augment) {
        const int interp = rgb.cols > R ? cv::INTER_AREA : cv::INTER_LINEAR;
        cv::resize(rgb, outRgb, cv::Size(R, R), 0, 0, interp);
        cv::Mat f;
        mask.convertTo(f, CV_32F);
        cv::resize(f, f, cv::Size(R, R), 0, 0, interp);
        f.convertTo(outMask, CV_8U);
        return;
    }
    std::mt19937_64 rng(seed);
    auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    const double z = uni(config.scaleMin, std::max(config.scaleMin + 1e-9, config.scaleMax));
    const bool flip = config.hflip && uni(0, 1) < 0.5;
    const double W = rgb.cols, H = rgb.rows;
    const double ww = W / z, wh = H / z;  // crop window in source pixels (beyond the image: reflected)
    const double ox = uni(std::min(0.0, W - ww), std::max(0.0, W - ww) + 1e-9);
    const double oy = uni(std::min(0.0, H - wh), std::max(0.0, H - wh) + 1e-9);
    const double kx = R / ww, ky = R / wh;
    // dst + 0.5 = k·(src + 0.5 − o), mirrored in x when flipping.
    cv::Mat M = (cv::Mat_<double>(2, 3) << kx, 0, kx * (0.5 - ox) - 0.5, 0, ky, ky * (0.5 - oy) - 0.5);
    if (flip) {
        M.at<double>(0, 0) = -kx;
        M.at<double>(0, 2) = R - 1 - (kx * (0.5 - ox) - 0.5);
    }
    cv::warpAffine(rgb, outRgb, M, cv::Size(R, R), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
    cv::warpAffine(mask, outMask, M, cv::Size(R, R), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
}

TrainingBatch BatchSource::make(int64_t index) const {
    TrainingBatch b;
    b.index = index;
    b.batch = shareCount_;
    b.first = shareFirst_;
    b.fullBatch = batch_;
    b.resolution = resolution_;
    const int R = resolution_;
    const size_t plane = size_t(R) * R;
    b.images.resize(size_t(shareCount_) * 3 * plane);
    b.masks.resize(size_t(shareCount_) * plane);
    std::mt19937_64 rng(mix(seed_, uint64_t(index)));
    auto uni = [&](double a, double c) { return std::uniform_real_distribution<double>(a, c)(rng); };
    const size_t nc = data_->classes.size();
    const int group = std::max(1, config_.phrasesPerImage);
    size_t pos = 0;
    uint64_t augmentSeed = 0;
    double bright = 1, contrast = 1, sat = 1;
    std::vector<size_t> usedInGroup;
    for (int s = 0; s < batch_; ++s) {
        size_t cls = 0;
        bool absent = uni(0, 1) < config_.absentFraction;
        const bool firstOfGroup = s % group == 0;
        if (!firstOfGroup) {
            // Another phrase for the group's image: absent or present as drawn, falling back to
            // the other kind, and to any class once the image's classes are used up.
            const LabelledImage& it = data_->items[indices_[pos]];
            std::vector<size_t> present, missing;
            for (size_t c = 0; c < nc; ++c) {
                if (std::find(usedInGroup.begin(), usedInGroup.end(), c) != usedInGroup.end()) continue;
                (it.has(c) ? present : missing).push_back(c);
            }
            const std::vector<size_t>* pool = absent ? &missing : &present;
            if (pool->empty()) pool = absent ? &present : &missing;
            cls = pool->empty() ? usedInGroup[rng() % usedInGroup.size()] : (*pool)[rng() % pool->size()];
        } else if (config_.sampling == "class") {
            cls = usableClasses_[rng() % usableClasses_.size()];
            if (absent && withoutClass_[cls].empty()) absent = false;
            const auto& pool = absent ? withoutClass_[cls] : withClass_[cls];
            pos = pool[rng() % pool.size()];
        } else {
            pos = rng() % indices_.size();
            std::vector<size_t> present, missing;
            const LabelledImage& it = data_->items[indices_[pos]];
            for (size_t c = 0; c < nc; ++c) (it.has(c) ? present : missing).push_back(c);
            if (present.empty()) absent = true;
            if (absent && missing.empty()) absent = false;
            const auto& pool = absent ? missing : present;
            cls = pool[rng() % pool.size()];
        }
        if (firstOfGroup) usedInGroup.clear();
        usedInGroup.push_back(cls);
        const LabelledImage& item = data_->items[indices_[pos]];
        if (firstOfGroup) augmentSeed = rng();
        if (firstOfGroup && config_.augment && config_.colorJitter > 0) {
            const double a = config_.colorJitter;
            bright = 1 + uni(-a, a);
            contrast = 1 + uni(-a, a);
            sat = 1 + uni(-a, a);
        }
        // Another rank's sample: its draws above keep the stream in step, its pixels are not ours.
        if (s < shareFirst_ || s >= shareFirst_ + shareCount_) continue;
        const size_t o = size_t(s - shareFirst_);
        cv::Mat mask = item.has(cls) ? item.masks[cls] : cv::Mat::zeros(item.rgb.rows, item.rgb.cols, CV_8UC1);
        cv::Mat rgb, m;
        augmentPair(item.rgb, mask, R, config_, augmentSeed, rgb, m);
        float* img = b.images.data() + o * 3 * plane;
        double meanGrey = 0;
        for (int y = 0; y < R; ++y) {
            const cv::Vec3b* row = rgb.ptr<cv::Vec3b>(y);
            for (int x = 0; x < R; ++x) {
                const size_t p = size_t(y) * R + x;
                for (int ch = 0; ch < 3; ++ch) img[ch * plane + p] = float(row[x][ch] / 255.0 * bright);
                meanGrey += 0.299 * img[p] + 0.587 * img[plane + p] + 0.114 * img[2 * plane + p];
            }
        }
        meanGrey /= double(plane);
        for (size_t p = 0; p < plane; ++p) {
            float v[3] = {img[p], img[plane + p], img[2 * plane + p]};
            for (float& c : v) c = float((c - meanGrey) * contrast + meanGrey);
            const float g = 0.299f * v[0] + 0.587f * v[1] + 0.114f * v[2];
            for (int ch = 0; ch < 3; ++ch) img[ch * plane + p] = std::clamp(float(g + (v[ch] - g) * sat), 0.0f, 1.0f);
        }
        float* mk = b.masks.data() + o * plane;
        for (int y = 0; y < R; ++y) {
            const uint8_t* row = m.ptr<uint8_t>(y);
            for (int x = 0; x < R; ++x) mk[size_t(y) * R + x] = float(row[x] / 255.0 * 2 - 1);
        }
        b.phrases.push_back(data_->classes[cls]);
        b.classIndex.push_back(int(cls));
        b.present.push_back(item.has(cls) ? 1 : 0);
        b.item.push_back(indices_[pos]);
    }
    return b;
}

PrefetchQueue::PrefetchQueue(const BatchSource& source, int64_t from, int capacity)
    : source_(source), capacity_(std::max(1, capacity)), nextIndex_(from) {
    thread_ = std::thread([this] {
        cv::setNumThreads(1);
        int64_t i = nextIndex_;
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                cv_.wait(lock, [&] { return stop_ || int(queue_.size()) < capacity_; });
                if (stop_) return;
            }
            TrainingBatch b = source_.make(i++);
            std::lock_guard<std::mutex> lock(mutex_);
            queue_.push_back(std::move(b));
            cv_.notify_all();
        }
    });
}

PrefetchQueue::~PrefetchQueue() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

TrainingBatch PrefetchQueue::next() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return !queue_.empty(); });
    TrainingBatch b = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();
    return b;
}

}  // namespace ld
