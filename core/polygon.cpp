#include "core/polygon.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace ld {

namespace {

// pycocotools walks edges on a grid 5× finer than pixels.
constexpr double kScale = 5.0;

// Vertices more than an image size outside the image are clipped before the walk:
// pycocotools would allocate one point per fine-grid step along an edge, so a stray 1e9
// coordinate means gigabytes. Inside that margin the walk is the exact port; clipping so far
// outside does not change which pixel centres are enclosed (only, rarely, the rounding of
// the clipped edges near the image).
double marginFor(int h, int w) { return double(std::max(h, w)) + 8.0; }

struct Pt {
    double x, y;
};

// Sutherland–Hodgman against one axis-aligned half-plane.
template <class Inside, class Cut>
std::vector<Pt> clipAgainst(const std::vector<Pt>& in, Inside inside, Cut cut) {
    std::vector<Pt> out;
    if (in.empty()) return out;
    Pt prev = in.back();
    bool prevIn = inside(prev);
    for (const Pt& cur : in) {
        const bool curIn = inside(cur);
        if (curIn != prevIn) out.push_back(cut(prev, cur));
        if (curIn) out.push_back(cur);
        prev = cur;
        prevIn = curIn;
    }
    return out;
}

// Where the edge a→b crosses the clip line at `cut`: its other coordinate (atA, atB are the
// ends' coordinates across the line, on both sides of it). Differences of doubles near ±1e308
// overflow to ±inf (and inf·0 is NaN), so such edges are redone in long double, whose
// range holds them; the result lies between a and b, hence is a finite double again.
double crossing(double a, double b, double atA, double atB, double cut) {
    const double v = a + (b - a) * (cut - atA) / (atB - atA);
    if (std::isfinite(v)) return v;
    const long double l = (long double)a + ((long double)b - a) * ((long double)cut - atA) / ((long double)atB - atA);
    if (!std::isfinite(l)) throw Error("polygon", "vertex coordinates too large to clip to the image");
    return double(l);
}

std::vector<Pt> clipToBox(std::vector<Pt> p, double x0, double y0, double x1, double y1) {
    auto atX = [](double X) {
        return [X](const Pt& a, const Pt& b) { return Pt{X, crossing(a.y, b.y, a.x, b.x, X)}; };
    };
    auto atY = [](double Y) {
        return [Y](const Pt& a, const Pt& b) { return Pt{crossing(a.x, b.x, a.y, b.y, Y), Y}; };
    };
    p = clipAgainst(p, [x0](const Pt& a) { return a.x >= x0; }, atX(x0));
    p = clipAgainst(p, [x1](const Pt& a) { return a.x <= x1; }, atX(x1));
    p = clipAgainst(p, [y0](const Pt& a) { return a.y >= y0; }, atY(y0));
    p = clipAgainst(p, [y1](const Pt& a) { return a.y <= y1; }, atY(y1));
    return p;
}

// The three stages of maskApi.c's rleFrPoly, step for step (its int truncations, .5
// roundings and the final pairing of coincident boundary points), so that the pixels are
// pycocotools' pixels.

// Dense points along the whole closed boundary x, y (k + 1 vertices, the last the first) on
// the fine grid.
void boundaryPoints(const std::vector<int>& x, const std::vector<int>& y, std::vector<int>& u, std::vector<int>& v) {
    const size_t k = x.size() - 1;
    size_t m = 0;
    for (size_t j = 0; j < k; ++j) m += size_t(std::max(std::abs(x[j] - x[j + 1]), std::abs(y[j] - y[j + 1]))) + 1;
    u.reserve(m);
    v.reserve(m);
    for (size_t j = 0; j < k; ++j) {
        int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
        const int dx = std::abs(xe - xs), dy = std::abs(ys - ye);
        const bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
        if (flip) {
            std::swap(xs, xe);
            std::swap(ys, ye);
        }
        // maskApi divides 0 by 0 for a repeated vertex; the NaN only reaches a point whose
        // column equals its neighbours', which the next stage ignores, so 0 is equivalent.
        double s = 0.0;
        if (dx >= dy) {
            if (dx > 0) s = double(ye - ys) / dx;
            for (int d = 0; d <= dx; ++d) {
                const int t = flip ? dx - d : d;
                u.push_back(t + xs);
                v.push_back(int(ys + s * t + .5));
            }
        } else {
            s = double(xe - xs) / dy;
            for (int d = 0; d <= dy; ++d) {
                const int t = flip ? dy - d : d;
                v.push_back(t + ys);
                u.push_back(int(xs + s * t + .5));
            }
        }
    }
}

// Where the boundary crosses a pixel-centre column, the column-major index of the first
// pixel centre below it.
std::vector<uint32_t> columnCrossings(const std::vector<int>& u, const std::vector<int>& v, int h, int w) {
    std::vector<uint32_t> a;
    for (size_t j = 1; j < u.size(); ++j) {
        if (u[j] == u[j - 1]) continue;
        double xd = double(u[j] < u[j - 1] ? u[j] : u[j] - 1);
        xd = (xd + .5) / kScale - .5;
        if (std::floor(xd) != xd || xd < 0 || xd > w - 1) continue;
        double yd = double(v[j] < v[j - 1] ? v[j] : v[j - 1]);
        yd = (yd + .5) / kScale - .5;
        if (yd < 0)
            yd = 0;
        else if (yd > h)
            yd = h;
        yd = std::ceil(yd);
        a.push_back(uint32_t(int64_t(xd) * h + int64_t(yd)));
    }
    return a;
}

// Sorted boundary positions toggle the fill; differences are the runs, and a zero
// difference (two toggles at one place) cancels by joining the runs around it.
std::vector<uint32_t> runsFromToggles(std::vector<uint32_t> a, uint32_t area) {
    a.push_back(area);
    std::sort(a.begin(), a.end());
    uint32_t p = 0;
    for (uint32_t& t : a) {
        const uint32_t cur = t;
        t -= p;
        p = cur;
    }
    std::vector<uint32_t> b;
    size_t j = 0;
    b.push_back(a[j++]);
    while (j < a.size()) {
        if (a[j] > 0) {
            b.push_back(a[j++]);
        } else {
            ++j;
            if (j < a.size()) b.back() += a[j++];
        }
    }
    return b;
}

Rle rleFromPolygon(const Polygon& poly, int h, int w) {
    std::vector<Pt> pts;
    pts.reserve(poly.size() / 2);
    for (size_t j = 0; j + 1 < poly.size(); j += 2) {
        if (!std::isfinite(poly[j]) || !std::isfinite(poly[j + 1]))
            throw Error("polygon", "vertex " + std::to_string(j / 2) + " is not a finite number");
        pts.push_back({poly[j], poly[j + 1]});
    }
    const double margin = marginFor(h, w);
    const double lo = -margin, hiX = w + margin, hiY = h + margin;
    const bool far = std::any_of(pts.begin(), pts.end(), [&](const Pt& p) {
        return p.x < lo || p.y < lo || p.x > hiX || p.y > hiY;
    });
    if (far) pts = clipToBox(std::move(pts), lo, lo, hiX, hiY);

    const size_t k = pts.size();
    Rle r;
    r.height = h;
    r.width = w;
    const uint32_t area = uint32_t(uint64_t(h) * uint64_t(w));
    if (k == 0) {
        r.counts = {area};
        return r;
    }
    std::vector<int> x(k + 1), y(k + 1);
    for (size_t j = 0; j < k; ++j) x[j] = int(kScale * pts[j].x + .5);
    x[k] = x[0];
    for (size_t j = 0; j < k; ++j) y[j] = int(kScale * pts[j].y + .5);
    y[k] = y[0];
    std::vector<int> u, v;
    boundaryPoints(x, y, u, v);
    r.counts = runsFromToggles(columnCrossings(u, v, h, w), area);
    return r;
}

// Follows the cracks between pixels around the outside of one 8-connected component,
// keeping the component on the right-hand side, and returns the corners where the walk
// turns. Starting at the top edge of the component's first pixel in raster order
// guarantees that edge is on the outer boundary.
Polygon traceOuterBoundary(const cv::Mat& labels, int label, int x0, int y0) {
    const int H = labels.rows, W = labels.cols;
    auto in = [&](int x, int y) { return x >= 0 && y >= 0 && x < W && y < H && labels.at<int>(y, x) == label; };
    // Directions E, S, W, N in image coordinates (y down); +1 is a right turn.
    static const int DX[4] = {1, 0, -1, 0};
    static const int DY[4] = {0, 1, 0, -1};
    Polygon out;
    int cx = x0, cy = y0, dir = 0;
    out.push_back(cx);
    out.push_back(cy);
    const int64_t limit = 4 * (int64_t(W) + 1) * (int64_t(H) + 1) + 8;
    for (int64_t step = 0; step < limit; ++step) {
        cx += DX[dir];
        cy += DY[dir];
        // The two pixels ahead of corner (cx, cy), to the left and to the right of `dir`.
        int lx, ly, rx, ry;
        switch (dir) {
        case 0: lx = cx; ly = cy - 1; rx = cx; ry = cy; break;
        case 1: lx = cx; ly = cy; rx = cx - 1; ry = cy; break;
        case 2: lx = cx - 1; ly = cy; rx = cx - 1; ry = cy - 1; break;
        default: lx = cx - 1; ly = cy - 1; rx = cx; ry = cy - 1; break;
        }
        int nd;
        if (in(lx, ly))
            nd = (dir + 3) % 4;  // diagonal neighbours are connected: go round them
        else if (in(rx, ry))
            nd = dir;
        else
            nd = (dir + 1) % 4;
        if (cx == x0 && cy == y0 && nd == 0) return out;
        if (nd != dir) {
            out.push_back(cx);
            out.push_back(cy);
        }
        dir = nd;
    }
    throw Error("mask to polygons", "boundary trace did not close (internal error)");
}

}  // namespace

Rle rasterizePolygonsRle(const std::vector<Polygon>& polygons, int height, int width) {
    if (height <= 0 || width <= 0)
        throw Error("polygon", "image size " + std::to_string(height) + "x" + std::to_string(width) +
                                   " is not positive");
    if (uint64_t(height) * uint64_t(width) > 0xffffffffull)
        throw Error("polygon", "image of " + std::to_string(height) + "x" + std::to_string(width) +
                                   " pixels is too large for an RLE");
    std::vector<Rle> rles;
    rles.reserve(polygons.size());
    for (const Polygon& p : polygons) rles.push_back(rleFromPolygon(p, height, width));
    if (rles.empty()) {
        Rle r;
        r.height = height;
        r.width = width;
        r.counts = {uint32_t(uint64_t(height) * uint64_t(width))};
        return r;
    }
    return rleMerge(rles, false);
}

BinaryMask rasterizePolygons(const std::vector<Polygon>& polygons, int height, int width) {
    return decodeRle(rasterizePolygonsRle(polygons, height, width));
}

PolygonExtraction maskToPolygons(const BinaryMask& m, double simplifyTolerance) {
    PolygonExtraction result;
    if (m.empty()) return result;
    result.hadHoles = hasHoles(m);
    cv::Mat labels;
    const int n = cv::connectedComponents(m.mat(), labels, 8, CV_32S);
    std::vector<cv::Point> first(size_t(std::max(n, 1)), cv::Point(-1, -1));
    int found = 0;
    for (int y = 0; y < labels.rows && found < n - 1; ++y) {
        const int* l = labels.ptr<int>(y);
        for (int x = 0; x < labels.cols; ++x) {
            if (l[x] > 0 && first[size_t(l[x])].x < 0) {
                first[size_t(l[x])] = cv::Point(x, y);
                ++found;
            }
        }
    }
    for (int i = 1; i < n; ++i) {
        Polygon p = traceOuterBoundary(labels, i, first[size_t(i)].x, first[size_t(i)].y);
        if (simplifyTolerance > 0) {
            std::vector<cv::Point2f> pts, simple;
            for (size_t j = 0; j + 1 < p.size(); j += 2) pts.emplace_back(float(p[j]), float(p[j + 1]));
            cv::approxPolyDP(pts, simple, simplifyTolerance, true);
            // A component never vanishes: keep the exact outline when simplification
            // would leave fewer than three corners.
            if (simple.size() >= 3) {
                p.clear();
                for (const auto& q : simple) {
                    p.push_back(q.x);
                    p.push_back(q.y);
                }
            }
        }
        result.polygons.push_back(std::move(p));
    }
    return result;
}

double polygonArea(const Polygon& p) {
    const size_t k = p.size() / 2;
    if (k < 3) return 0.0;
    double s = 0.0;
    for (size_t i = 0; i < k; ++i) {
        const size_t j = (i + 1) % k;
        s += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
    }
    return std::abs(s) / 2.0;
}

}  // namespace ld
