#include "core/rle.h"

#include "core/error.h"
#include "core/pixel_limit.h"

#include <algorithm>
#include <limits>

namespace ld {

namespace {

std::string subjectOf(const std::string& where) { return where.empty() ? std::string("RLE") : where; }

std::string sizeText(int height, int width) {
    return std::to_string(height) + "x" + std::to_string(width);
}

// The shared pixel limit (below pycocotools' uint32 counts) keeps every later sum free of
// overflow and every decode within memory.
uint64_t checkedPixelCount(int height, int width, const std::string& where) {
    if (height <= 0 || width <= 0)
        throw Error(subjectOf(where), "RLE size " + sizeText(height, width) + " is not positive");
    checkPixelLimit(width, height, subjectOf(where), "RLE size");
    return uint64_t(height) * uint64_t(width);
}

void checkSum(uint64_t sum, uint64_t expected, const std::string& where) {
    if (sum != expected)
        throw Error(subjectOf(where), "RLE counts sum to " + std::to_string(sum) + " but the mask has " +
                                          std::to_string(expected) + " pixels");
}

}  // namespace

void checkRle(const Rle& r, const std::string& where) {
    if (r.height < 0 || r.width < 0)
        throw Error(subjectOf(where), "RLE size " + sizeText(r.height, r.width) + " is negative");
    const uint64_t n = uint64_t(r.height) * uint64_t(r.width);
    uint64_t sum = 0;
    for (uint32_t c : r.counts) sum += c;
    checkSum(sum, n, where);
}

Rle encodeRle(const BinaryMask& m) {
    Rle r;
    r.height = m.height();
    r.width = m.width();
    // Column-major order is row-major order of the transpose.
    cv::Mat t;
    if (!m.empty()) cv::transpose(m.mat(), t);
    uint8_t prev = 0;
    uint32_t run = 0;
    for (int y = 0; y < t.rows; ++y) {
        const uint8_t* row = t.ptr<uint8_t>(y);
        for (int x = 0; x < t.cols; ++x) {
            const uint8_t v = row[x] != 0;
            if (v != prev) {
                r.counts.push_back(run);
                run = 0;
                prev = v;
            }
            ++run;
        }
    }
    r.counts.push_back(run);
    return r;
}

BinaryMask decodeRle(const Rle& r) {
    checkRle(r);
    BinaryMask m(r.height, r.width);
    if (m.empty()) return m;
    cv::Mat t(r.width, r.height, CV_8UC1);
    uint8_t* p = t.ptr<uint8_t>(0);  // freshly allocated, hence continuous
    uint8_t v = 0;
    for (uint32_t c : r.counts) {
        std::fill(p, p + c, v);
        p += c;
        v = !v;
    }
    cv::transpose(t, m.mat());
    return m;
}

std::string rleToString(const Rle& r) {
    std::string s;
    s.reserve(r.counts.size() * 2);
    for (size_t i = 0; i < r.counts.size(); ++i) {
        int64_t x = r.counts[i];
        if (i > 2) x -= int64_t(r.counts[i - 2]);
        bool more = true;
        while (more) {
            int c = int(x & 0x1f);
            x >>= 5;  // arithmetic shift: negative deltas end in a run of ones
            more = (c & 0x10) ? x != -1 : x != 0;
            if (more) c |= 0x20;
            s.push_back(char(c + 48));
        }
    }
    return s;
}

Rle rleFromString(const std::string& counts, int height, int width, const std::string& where) {
    const uint64_t n = checkedPixelCount(height, width, where);
    Rle r;
    r.height = height;
    r.width = width;
    uint64_t sum = 0;
    size_t p = 0;
    while (p < counts.size()) {
        const size_t start = p;
        int64_t x = 0;
        int k = 0;
        bool more = true;
        while (more) {
            if (p >= counts.size())
                throw Error(subjectOf(where), "RLE string ends inside a count (at character " +
                                                  std::to_string(start) + ")");
            const int c = int(static_cast<unsigned char>(counts[p])) - 48;
            if (c < 0 || c > 63)
                throw Error(subjectOf(where), "RLE string has an invalid character at position " +
                                                  std::to_string(p) + " (code " +
                                                  std::to_string(int(static_cast<unsigned char>(counts[p]))) + ")");
            // 12 groups are 60 bits, far beyond any uint32 count or delta.
            if (k >= 12)
                throw Error(subjectOf(where), "RLE string has an overlong count at character " + std::to_string(start));
            x |= int64_t(c & 0x1f) << (5 * k);
            more = (c & 0x20) != 0;
            ++p;
            ++k;
            if (!more && (c & 0x10)) x |= ~((int64_t(1) << (5 * k)) - 1);  // sign extension
        }
        if (r.counts.size() > 2) x += int64_t(r.counts[r.counts.size() - 2]);
        if (x < 0)
            throw Error(subjectOf(where), "RLE string decodes to a negative count (" + std::to_string(x) +
                                              ") at count " + std::to_string(r.counts.size()));
        if (uint64_t(x) > n - sum)
            throw Error(subjectOf(where), "RLE counts exceed the " + std::to_string(n) + " pixels of a " +
                                              sizeText(height, width) + " mask (at count " +
                                              std::to_string(r.counts.size()) + ")");
        sum += uint64_t(x);
        r.counts.push_back(uint32_t(x));
    }
    checkSum(sum, n, where);
    return r;
}

Rle rleFromCounts(const std::vector<int64_t>& counts, int height, int width, const std::string& where) {
    const uint64_t n = checkedPixelCount(height, width, where);
    Rle r;
    r.height = height;
    r.width = width;
    r.counts.reserve(counts.size());
    uint64_t sum = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        const int64_t c = counts[i];
        if (c < 0)
            throw Error(subjectOf(where), "RLE count " + std::to_string(i) + " is negative (" + std::to_string(c) + ")");
        if (uint64_t(c) > n - sum)
            throw Error(subjectOf(where), "RLE counts exceed the " + std::to_string(n) + " pixels of a " +
                                              sizeText(height, width) + " mask (at count " + std::to_string(i) + ")");
        sum += uint64_t(c);
        r.counts.push_back(uint32_t(c));
    }
    checkSum(sum, n, where);
    return r;
}

uint64_t rleArea(const Rle& r) {
    uint64_t a = 0;
    for (size_t j = 1; j < r.counts.size(); j += 2) a += r.counts[j];
    return a;
}

BBox rleBbox(const Rle& r) {
    // A port of maskApi's rleToBbox, uint32 arithmetic included, so that boxes agree with
    // pycocotools' toBbox to the last pixel (a run that wraps into another column spans
    // the whole height).
    const uint32_t h = uint32_t(r.height), w = uint32_t(r.width);
    const size_t m = (r.counts.size() / 2) * 2;
    BBox b;
    if (m == 0 || h == 0) return b;
    uint32_t xs = w, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
    for (size_t j = 0; j < m; ++j) {
        cc += r.counts[j];
        const uint32_t t = cc - uint32_t(j % 2);
        const uint32_t y = t % h;
        const uint32_t x = (t - y) / h;
        if (j % 2 == 0)
            xp = x;
        else if (xp < x) {
            ys = 0;
            ye = h - 1;
        }
        xs = std::min(xs, x);
        xe = std::max(xe, x);
        ys = std::min(ys, y);
        ye = std::max(ye, y);
    }
    b.x = xs;
    b.w = double(xe) - double(xs) + 1;
    b.y = ys;
    b.h = double(ye) - double(ys) + 1;
    return b;
}

Rle rleMerge(const std::vector<Rle>& rles, bool intersect) {
    if (rles.empty()) return Rle{};
    for (size_t i = 0; i < rles.size(); ++i) {
        checkRle(rles[i], "RLE " + std::to_string(i) + " of a merge");
        if (rles[i].height != rles[0].height || rles[i].width != rles[0].width)
            throw Error("RLE merge", "RLE " + std::to_string(i) + " is " + sizeText(rles[i].height, rles[i].width) +
                                         " but RLE 0 is " + sizeText(rles[0].height, rles[0].width));
    }
    if (rles.size() == 1) return rles[0];
    const int h = rles[0].height, w = rles[0].width;
    std::vector<uint32_t> acc = rles[0].counts;
    std::vector<uint32_t> out;
    // The two-pointer walk of maskApi's rleMerge, folded over the list.
    for (size_t i = 1; i < rles.size(); ++i) {
        const std::vector<uint32_t>& A = acc;
        const std::vector<uint32_t>& B = rles[i].counts;
        out.clear();
        if (A.empty() || B.empty()) {  // only possible for 0-pixel masks
            out.push_back(0);
            acc.swap(out);
            continue;
        }
        uint32_t ca = A[0], cb = B[0], cc = 0;
        uint64_t ct = 1;  // wider than maskApi's so that ca + cb cannot wrap
        bool v = false, va = false, vb = false;
        size_t a = 1, b = 1;
        while (ct > 0) {
            const uint32_t c = std::min(ca, cb);
            cc += c;
            ct = 0;
            ca -= c;
            if (!ca && a < A.size()) {
                ca = A[a++];
                va = !va;
            }
            ct += ca;
            cb -= c;
            if (!cb && b < B.size()) {
                cb = B[b++];
                vb = !vb;
            }
            ct += cb;
            const bool vp = v;
            v = intersect ? (va && vb) : (va || vb);
            if (v != vp || ct == 0) {
                out.push_back(cc);
                cc = 0;
            }
        }
        acc.swap(out);
    }
    Rle r;
    r.height = h;
    r.width = w;
    r.counts = std::move(acc);
    return r;
}

}  // namespace ld
