#pragma once
// Polygon ↔ mask. Rasterisation follows pycocotools' rleFrPoly exactly (the ×5 upsampled
// edge walk), so that a polygon becomes the same pixels here as in every COCO tool.
#include "core/geometry.h"
#include "core/mask.h"
#include "core/rle.h"

#include <vector>

namespace ld {

// Union of the polygons, as pycocotools' frPyObjects + merge.
Rle rasterizePolygonsRle(const std::vector<Polygon>& polygons, int height, int width);
BinaryMask rasterizePolygons(const std::vector<Polygon>& polygons, int height, int width);

struct PolygonExtraction {
    std::vector<Polygon> polygons;  // outer boundaries, each ≥ 3 points
    bool hadHoles = false;          // holes cannot be expressed by COCO polygons
    bool lossy() const { return hadHoles; }
};

// Traces the outer contours of a mask. Vertices sit on pixel boundaries so that
// rasterising them again gives back the mask (exactly for hole-free masks up to
// pycocotools' edge rounding). `simplifyTolerance` > 0 simplifies with Douglas-Peucker.
PolygonExtraction maskToPolygons(const BinaryMask& m, double simplifyTolerance = 0.0);

double polygonArea(const Polygon& p);  // shoelace, absolute

}  // namespace ld
