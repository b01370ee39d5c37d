#include "core/metrics.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace ld {

namespace {

void checkSameSize(int h1, int w1, int h2, int w2, const char* what) {
    if (h1 != h2 || w1 != w2)
        throw Error(what, "prediction is " + std::to_string(w1) + "x" + std::to_string(h1) +
                              " but truth is " + std::to_string(w2) + "x" + std::to_string(h2));
}

template <typename TruthAt>
IouCounts softCounts(const SoftMask& p, TruthAt truthAt) {
    IouCounts c;
    for (int y = 0; y < p.height(); ++y) {
        const float* row = p.mat().ptr<float>(y);
        for (int x = 0; x < p.width(); ++x) {
            const double a = row[x], b = truthAt(y, x);
            const double both = a * b;
            c.intersection += both;
            c.unionArea += a + b - both;
        }
    }
    return c;
}

int labelAt(const cv::Mat& m, int y, int x) {
    switch (m.depth()) {
        case CV_8U: return m.at<uint8_t>(y, x);
        case CV_16U: return m.at<uint16_t>(y, x);
        default: return m.at<int32_t>(y, x);
    }
}

}  // namespace

IouCounts iouCounts(const BinaryMask& prediction, const BinaryMask& truth) {
    checkSameSize(prediction.height(), prediction.width(), truth.height(), truth.width(), "iou");
    IouCounts c;
    c.intersection = double(intersectionArea(prediction, truth));
    c.unionArea = double(unionArea(prediction, truth));
    return c;
}

IouCounts softIouCounts(const SoftMask& prediction, const SoftMask& truth) {
    checkSameSize(prediction.height(), prediction.width(), truth.height(), truth.width(), "soft iou");
    return softCounts(prediction, [&](int y, int x) { return double(truth.at(y, x)); });
}

IouCounts softIouCounts(const SoftMask& prediction, const BinaryMask& truth) {
    checkSameSize(prediction.height(), prediction.width(), truth.height(), truth.width(), "soft iou");
    return softCounts(prediction, [&](int y, int x) { return truth.at(y, x) ? 1.0 : 0.0; });
}

const std::vector<double>& precisionThresholds() {
    static const std::vector<double> t = {0.5, 0.6, 0.7, 0.8, 0.9};
    return t;
}

void SegmentationMetrics::add(const BinaryMask& prediction, const BinaryMask& truth, int64_t categoryId) {
    add(iouCounts(prediction, truth), categoryId);
}

void SegmentationMetrics::add(const IouCounts& counts, int64_t categoryId) {
    sumIntersection_ += counts.intersection;
    sumUnion_ += counts.unionArea;
    sampleIous_.push_back(counts.iou());
    IouCounts& c = perClass_[categoryId];
    c.intersection += counts.intersection;
    c.unionArea += counts.unionArea;
}

void SegmentationMetrics::addLabelMaps(const cv::Mat& prediction, const cv::Mat& truth, int ignoreIndex) {
    if (prediction.size() != truth.size()) throw Error("label maps", "prediction and truth differ in size");
    for (const cv::Mat* m : {&prediction, &truth}) {
        const int d = m->depth();
        if (m->channels() != 1 || (d != CV_8U && d != CV_16U && d != CV_32S))
            throw Error("label maps", "expected single-channel 8/16-bit unsigned or 32-bit integer maps");
    }
    std::map<int64_t, IouCounts> add;
    for (int y = 0; y < truth.rows; ++y)
        for (int x = 0; x < truth.cols; ++x) {
            const int t = labelAt(truth, y, x);
            if (t == ignoreIndex) continue;
            const int p = labelAt(prediction, y, x);
            if (p == t) {
                add[t].intersection += 1;
                add[t].unionArea += 1;
            } else {
                add[t].unionArea += 1;
                add[p].unionArea += 1;
            }
        }
    for (const auto& [cls, c] : add) {
        perClass_[cls].intersection += c.intersection;
        perClass_[cls].unionArea += c.unionArea;
    }
}

double SegmentationMetrics::cIoU() const { return sumUnion_ > 0 ? sumIntersection_ / sumUnion_ : 0.0; }

double SegmentationMetrics::gIoU() const {
    if (sampleIous_.empty()) return 0.0;
    double s = 0;
    for (double v : sampleIous_) s += v;
    return s / double(sampleIous_.size());
}

double SegmentationMetrics::precisionAt(double threshold) const {
    if (sampleIous_.empty()) return 0.0;
    const auto n = std::count_if(sampleIous_.begin(), sampleIous_.end(),
                                 [&](double v) { return v >= threshold; });
    return double(n) / double(sampleIous_.size());
}

std::map<int64_t, double> SegmentationMetrics::perClassIoU() const {
    std::map<int64_t, double> out;
    for (const auto& [cls, c] : perClass_)
        if (c.unionArea > 0) out[cls] = c.intersection / c.unionArea;
    return out;
}

double SegmentationMetrics::mIoU() const {
    const auto per = perClassIoU();
    if (per.empty()) return 0.0;
    double s = 0;
    for (const auto& kv : per) s += kv.second;
    return s / double(per.size());
}

double averageRecall(const std::vector<double>& ious, double step) {
    if (!(step > 0) || step > 1) throw Error("average recall", "threshold step must be in (0, 1]");
    if (ious.empty()) return std::numeric_limits<double>::quiet_NaN();
    // Thresholds t_i = i·step, i < n (numpy's arange(0, 1, step)). The left Riemann sum
    // Σ_{i<n-1} (t_{i+1} − t_i)·recall(t_i) telescopes, per phrase, to t_k where k is the
    // number of thresholds ≤ its IoU, capped at n − 1: exact, without the 10⁵-point loop.
    const auto n = int64_t(std::ceil(1.0 / step - 1e-9));
    double sum = 0;
    for (double iou : ious) {
        if (!(iou >= 0)) continue;  // NaN or negative: below every threshold
        int64_t lo = 0, hi = n - 1;  // last i with i·step ≤ iou
        while (lo < hi) {
            const int64_t mid = lo + (hi - lo + 1) / 2;
            if (double(mid) * step <= iou) lo = mid;
            else hi = mid - 1;
        }
        const int64_t k = std::min<int64_t>(lo + 1, n - 1);
        sum += double(k) * step;
    }
    return sum / double(ious.size());
}

std::vector<double> recallCurve(const std::vector<double>& ious, const std::vector<double>& thresholds) {
    std::vector<double> out;
    out.reserve(thresholds.size());
    for (double t : thresholds) {
        if (ious.empty()) {
            out.push_back(0.0);
            continue;
        }
        const auto n = std::count_if(ious.begin(), ious.end(), [&](double v) { return v >= t; });
        out.push_back(double(n) / double(ious.size()));
    }
    return out;
}

PngAverageRecall pngAverageRecall(const std::vector<NounPhraseResult>& phrases, double step) {
    std::vector<double> all, things, stuff, singulars, plurals;
    for (const auto& p : phrases) {
        all.push_back(p.iou);
        (p.isThing ? things : stuff).push_back(p.iou);
        (p.plural ? plurals : singulars).push_back(p.iou);
    }
    auto ar = [&](const std::vector<double>& v) { return AverageRecall{averageRecall(v, step), int(v.size())}; };
    return {ar(all), ar(things), ar(stuff), ar(singulars), ar(plurals)};
}

}  // namespace ld
