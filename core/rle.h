#pragma once
// COCO run-length encoding, byte-for-byte compatible with pycocotools (maskApi.c):
// column-major runs that start with the run of zeros, and the compressed string form.
#include "core/geometry.h"
#include "core/mask.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ld {

struct Rle {
    int height = 0;
    int width = 0;
    std::vector<uint32_t> counts;  // alternating 0-run, 1-run, ... column-major; sums to h·w
    bool operator==(const Rle& o) const {
        return height == o.height && width == o.width && counts == o.counts;
    }
};

Rle encodeRle(const BinaryMask& m);
BinaryMask decodeRle(const Rle& r);

// The compressed `counts` string as pycocotools writes it.
std::string rleToString(const Rle& r);
// Parses a compressed string and validates it (well formed, sums to h·w, size positive).
// Throws ld::Error whose subject is `where` (e.g. "instances.json: annotation 42").
Rle rleFromString(const std::string& counts, int height, int width, const std::string& where = "");
// Validates an uncompressed counts list the same way.
Rle rleFromCounts(const std::vector<int64_t>& counts, int height, int width, const std::string& where = "");

// Throws ld::Error (subject `where`, "RLE" when empty) unless the counts sum to h·w and
// the size is not negative. Every function here that reads counts checks this first.
void checkRle(const Rle& r, const std::string& where = "");

uint64_t rleArea(const Rle& r);
BBox rleBbox(const Rle& r);
// Union (or intersection) of same-sized RLEs without decoding, as pycocotools' merge.
// Different sizes are an ld::Error; an empty list gives a 0×0 Rle.
Rle rleMerge(const std::vector<Rle>& rles, bool intersect = false);

}  // namespace ld
