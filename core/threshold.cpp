#include "core/threshold.h"

#include "core/error.h"

#include <algorithm>
#include <array>
#include <string>

namespace ld {

namespace {

void checkGrid(const std::vector<float>& grid) {
    if (grid.empty()) throw Error("threshold grid", "empty");
    for (size_t i = 1; i < grid.size(); ++i)
        if (!(grid[i] > grid[i - 1])) throw Error("threshold grid", "values must be increasing");
}

// Per grid value, the IoU of one sample. One pass over the pixels: a pixel of value v
// is foreground for the first `upper_bound(grid, v)` grid values.
std::vector<double> sampleIous(const ThresholdSample& s, const std::vector<float>& grid) {
    if (!s.prediction || !s.truth) throw Error("threshold sample", "missing mask");
    const SoftMask& p = *s.prediction;
    const BinaryMask& t = *s.truth;
    if (p.width() != t.width() || p.height() != t.height())
        throw Error("threshold sample", "prediction and truth differ in size");
    const size_t k = grid.size();
    std::vector<int64_t> tp(k + 1, 0), fp(k + 1, 0);  // counts ending at bin b
    int64_t truthArea = 0;
    for (int y = 0; y < p.height(); ++y) {
        const float* pr = p.mat().ptr<float>(y);
        const uint8_t* tr = t.mat().ptr<uint8_t>(y);
        for (int x = 0; x < p.width(); ++x) {
            const size_t b = size_t(std::upper_bound(grid.begin(), grid.end(), pr[x]) - grid.begin());
            if (tr[x]) {
                ++truthArea;
                ++tp[b];
            } else {
                ++fp[b];
            }
        }
    }
    // Pixels in bin b are foreground for grid indices < b: accumulate from the top.
    std::vector<double> ious(k);
    int64_t tpAbove = 0, fpAbove = 0;
    for (size_t i = k; i-- > 0;) {
        tpAbove += tp[i + 1];
        fpAbove += fp[i + 1];
        const int64_t uni = truthArea + fpAbove;
        ious[i] = uni > 0 ? double(tpAbove) / double(uni) : 1.0;
    }
    return ious;
}

// Index of the middle of the first contiguous run of maximal values.
template <typename T>
size_t middleOfFirstMaximum(const std::vector<T>& v) {
    size_t best = 0;
    for (size_t i = 1; i < v.size(); ++i)
        if (v[i] > v[best]) best = i;
    size_t end = best;
    while (end + 1 < v.size() && v[end + 1] == v[best]) ++end;
    return best + (end - best) / 2;
}

}  // namespace

const std::vector<float>& defaultThresholdGrid() {
    static const std::vector<float> grid = [] {
        std::vector<float> g;
        for (int i = 5; i <= 95; ++i) g.push_back(float(i) / 100.0f);
        return g;
    }();
    return grid;
}

std::vector<double> meanIouCurve(const std::vector<ThresholdSample>& samples, const std::vector<float>& grid) {
    checkGrid(grid);
    std::vector<double> sum(grid.size(), 0.0);
    for (const auto& s : samples) {
        const auto ious = sampleIous(s, grid);
        for (size_t i = 0; i < grid.size(); ++i) sum[i] += ious[i];
    }
    if (!samples.empty())
        for (double& v : sum) v /= double(samples.size());
    return sum;
}

ThresholdChoice bestThreshold(const std::vector<ThresholdSample>& samples, const std::vector<float>& grid) {
    checkGrid(grid);
    if (samples.empty()) return {};
    const auto curve = meanIouCurve(samples, grid);
    const size_t i = middleOfFirstMaximum(curve);
    return {grid[i], curve[i], int(samples.size())};
}

std::map<int64_t, ThresholdChoice> bestThresholdPerCategory(const std::vector<ThresholdSample>& samples,
                                                            const std::vector<float>& grid) {
    std::map<int64_t, std::vector<ThresholdSample>> groups;
    for (const auto& s : samples) groups[s.categoryId].push_back(s);
    std::map<int64_t, ThresholdChoice> out;
    for (const auto& [cat, group] : groups) out[cat] = bestThreshold(group, grid);
    return out;
}

float otsuThreshold(const SoftMask& mask) {
    std::array<double, 256> hist{};
    double total = 0;
    for (int y = 0; y < mask.height(); ++y) {
        const float* row = mask.mat().ptr<float>(y);
        for (int x = 0; x < mask.width(); ++x) {
            const float v = std::clamp(row[x], 0.0f, 1.0f);
            hist[size_t(std::min(255, int(v * 256.0f)))] += 1;
            total += 1;
        }
    }
    if (total == 0) return 0.5f;
    double sumAll = 0;
    for (int b = 0; b < 256; ++b) sumAll += b * hist[size_t(b)];
    // Between-class variance for a split after bin k (k = 0 … 254), in integer-exact
    // arithmetic where possible so that flat runs compare equal.
    std::vector<double> between(255, 0.0);
    double w0 = 0, sum0 = 0;
    bool anySplit = false;
    for (int k = 0; k < 255; ++k) {
        w0 += hist[size_t(k)];
        sum0 += k * hist[size_t(k)];
        const double w1 = total - w0;
        if (w0 == 0 || w1 == 0) continue;
        const double d = sum0 * w1 - (sumAll - sum0) * w0;  // ∝ (µ0 − µ1)·w0·w1
        between[size_t(k)] = d * d / (w0 * w1);
        anySplit = true;
    }
    if (!anySplit) return 0.5f;
    const size_t k = middleOfFirstMaximum(between);
    return float(k + 1) / 256.0f;
}

}  // namespace ld
