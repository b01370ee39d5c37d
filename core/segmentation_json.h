#pragma once
// COCO's JSON form of a segmentation, shared by the COCO reader/writer and the project
// file: polygons `[[x,y,...],...]`, compressed RLE `{"size":[h,w],"counts":"..."}` or
// uncompressed RLE `{"size":[h,w],"counts":[...]}`.
#include "core/segmentation.h"
#include "core/warnings.h"

#include <nlohmann/json.hpp>

#include <string>

namespace ld {

// Tolerant: drops polygons with fewer than 3 points (warning), reads 4-number polygons
// as pycocotools does (warning), accepts both RLE forms. Throws ld::Error with subject
// `where` when the value cannot be a segmentation at all (e.g. a malformed RLE string).
// height/width > 0 also make an RLE of another size an error; pass 0, 0 to take the
// RLE's own size (a reader that drops such annotations with a warning checks it itself).
Segmentation segmentationFromJson(const nlohmann::json& j, int height, int width,
                                  const std::string& where, Warnings& warnings);

// Polygons as lists, RLE as a compressed string.
nlohmann::json segmentationToJson(const Segmentation& s);

}  // namespace ld
