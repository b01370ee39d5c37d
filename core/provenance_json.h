#pragma once
// The JSON of an annotation's provenance (with its uncertainty and review) and of rejected
// proposals, one form for the project file and for COCO's `extra` fields so that both
// round-trip the same record.
#include "core/dataset.h"
#include "core/review_record.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ld {

// COCO has no place for them: an annotation's provenance and an image's rejected proposals
// go under "extra": {"labeldiff": {...}} of the annotation and the image.
constexpr const char* kCocoExtraKey = "extra";
constexpr const char* kCocoExtraLabelDiff = "labeldiff";

nlohmann::json provenanceToJson(const Provenance& p);
// file and at name the value in errors: ld::Error(file, "annotations[3].provenance.review.iou:
// expected a value in [0, 1]").
Provenance provenanceFromJson(const nlohmann::json& j, const std::string& file, const std::string& at);

nlohmann::json uncertaintyToJson(const UncertaintyScore& u);
UncertaintyScore uncertaintyFromJson(const nlohmann::json& j, const std::string& file, const std::string& at);

nlohmann::json rejectedToJson(const std::vector<RejectedProposal>& list);
std::vector<RejectedProposal> rejectedFromJson(const nlohmann::json& j, const std::string& file, const std::string& at);

}  // namespace ld
