#include "core/presence_gate.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace ld {

float presenceScore(const SoftMask& m, double areaFraction) {
    if (m.empty()) return 0;
    std::vector<float> v;
    v.reserve(size_t(m.width()) * size_t(m.height()));
    for (int y = 0; y < m.height(); ++y) {
        const float* p = m.mat().ptr<float>(y);
        v.insert(v.end(), p, p + m.width());
    }
    const size_t k = std::clamp<size_t>(size_t(std::ceil(areaFraction * double(v.size()))), 1, v.size());
    // The k-th largest value: k pixels reach it.
    std::nth_element(v.begin(), v.begin() + ptrdiff_t(k - 1), v.end(), std::greater<float>());
    return v[k - 1];
}

GridCounts gridCounts(const SoftMask& prediction, const BinaryMask& truth, float presence,
                      const std::vector<float>& grid) {
    if (prediction.width() != truth.width() || prediction.height() != truth.height())
        throw Error("threshold sample", "prediction and truth differ in size");
    const size_t k = grid.size();
    // A pixel of value v is foreground for the first upper_bound(grid, v) grid values:
    // count per bin, then accumulate from the top.
    std::vector<int64_t> tp(k + 1, 0), all(k + 1, 0);
    GridCounts c;
    c.presence = presence;
    c.pixels = int64_t(prediction.width()) * prediction.height();
    for (int y = 0; y < prediction.height(); ++y) {
        const float* pr = prediction.mat().ptr<float>(y);
        const uint8_t* tr = truth.mat().ptr<uint8_t>(y);
        for (int x = 0; x < prediction.width(); ++x) {
            const size_t b = size_t(std::upper_bound(grid.begin(), grid.end(), pr[x]) - grid.begin());
            ++all[b];
            if (tr[x]) {
                ++tp[b];
                ++c.truth;
            }
        }
    }
    c.intersection.assign(k, 0);
    c.predicted.assign(k, 0);
    int64_t tpAbove = 0, allAbove = 0;
    for (size_t i = k; i-- > 0;) {
        tpAbove += tp[i + 1];
        allAbove += all[i + 1];
        c.intersection[i] = tpAbove;
        c.predicted[i] = allAbove;
    }
    return c;
}

namespace {

struct Option {
    GatedThreshold t;
    int answered = 0, absent = 0;
};

// Every (τ, τ_p) of one class: τ_p over 0 (no gate) and the grid, τ over the grid.
std::vector<Option> gatedOptions(const std::vector<GridCounts>& samples, double absentAreaFraction,
                                 const std::vector<float>& grid) {
    if (grid.empty()) throw Error("threshold grid", "empty");
    for (const auto& s : samples)
        if (s.intersection.size() != grid.size() || s.predicted.size() != grid.size())
            throw Error("threshold sample", "counts do not match the grid");
    std::vector<float> gates{0.0f};
    gates.insert(gates.end(), grid.begin(), grid.end());
    std::vector<Option> out;
    out.reserve(grid.size() * gates.size());
    for (float gate : gates)
        for (size_t g = 0; g < grid.size(); ++g) {
            double inter = 0, uni = 0;
            Option o;
            for (const auto& s : samples) {
                const bool open = s.presence >= gate;
                const int64_t pred = open ? s.predicted[g] : 0;
                const int64_t i = open ? s.intersection[g] : 0;
                inter += double(i);
                uni += double(pred + s.truth - i);
                if (s.truth == 0) {
                    ++o.absent;
                    if (double(pred) < absentAreaFraction * double(s.pixels)) ++o.answered;
                }
            }
            o.t.tau = grid[g];
            o.t.presence = gate;
            o.t.iou = uni > 0 ? inter / uni : 1.0;
            o.t.absentAccuracy = o.absent ? double(o.answered) / o.absent : 1.0;
            out.push_back(o);
        }
    return out;
}

// The option maximising IoU + price · answered (the first on ties: weakest gate, lowest τ).
const Option& bestAtPrice(const std::vector<Option>& options, double price) {
    const Option* best = &options.front();
    for (const auto& o : options)
        if (o.t.iou + price * o.answered > best->t.iou + price * best->answered + 1e-12) best = &o;
    return *best;
}

}  // namespace

GatedThreshold bestGatedThreshold(const std::vector<GridCounts>& samples, double minAbsentAccuracy,
                                  double absentAreaFraction, const std::vector<float>& grid) {
    const std::vector<Option> options = gatedOptions(samples, absentAreaFraction, grid);
    double reachable = 0;
    for (const auto& o : options) reachable = std::max(reachable, o.t.absentAccuracy);
    const double floor = std::min(minAbsentAccuracy, reachable);
    const Option* best = nullptr;
    for (const auto& o : options) {
        if (o.t.absentAccuracy + 1e-12 < floor) continue;
        if (!best || o.t.iou > best->t.iou + 1e-12) best = &o;
    }
    return best->t;
}

std::vector<GatedThreshold> bestGatedThresholds(const std::vector<std::vector<GridCounts>>& perClass,
                                                double minAbsentAccuracy, double absentAreaFraction,
                                                const std::vector<float>& grid) {
    std::vector<std::vector<Option>> options;
    int absent = 0;
    for (const auto& samples : perClass) {
        options.push_back(gatedOptions(samples, absentAreaFraction, grid));
        absent += options.back().front().absent;
    }
    auto choose = [&](double price, int* answered) {
        std::vector<GatedThreshold> out;
        *answered = 0;
        for (const auto& o : options) {
            const Option& b = bestAtPrice(o, price);
            out.push_back(b.t);
            *answered += b.answered;
        }
        return out;
    };
    int answered = 0;
    std::vector<GatedThreshold> chosen = choose(0.0, &answered);
    if (absent == 0 || answered >= minAbsentAccuracy * absent - 1e-9) return chosen;
    // Above a price of 1 per image, one more answered image outweighs any IoU (≤ 1):
    // the most answered reachable. Bisect the smallest price that meets the floor.
    int most = 0;
    std::vector<GatedThreshold> top = choose(1.0 + 1e-6, &most);
    if (most < minAbsentAccuracy * absent - 1e-9) return top;
    double lo = 0, hi = 1.0 + 1e-6;
    chosen = top;
    for (int it = 0; it < 60; ++it) {
        const double mid = 0.5 * (lo + hi);
        auto c = choose(mid, &answered);
        if (answered >= minAbsentAccuracy * absent - 1e-9) {
            hi = mid;
            chosen = std::move(c);
        } else {
            lo = mid;
        }
    }
    return chosen;
}

}  // namespace ld
