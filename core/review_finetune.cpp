#include "core/review_finetune.h"

#include "core/error.h"
#include "core/json_read.h"

#include <algorithm>
#include <filesystem>

namespace ld {

using nlohmann::json;

Project reviewedTrainingSet(const Project& project) {
    Project p;
    p.categories = project.categories;
    for (ProjectCategory& c : p.categories)
        if (!c.prompt.empty()) c.name = c.prompt;
    for (const ProjectImage& im : project.images)
        if (im.status == ImageStatus::Reviewed) p.images.push_back(im);
    for (const ProjectAnnotation& a : project.annotations)
        if (p.findImage(a.imageId)) p.annotations.push_back(a);
    return p;
}

namespace {

// The objective a card's prediction type implies, for a model trained elsewhere.
std::string objectiveFor(const std::string& predictionType) {
    if (predictionType == "flow") return "flow";
    if (predictionType == "v_prediction") return "v_prediction";
    if (predictionType == "sample") return "sample";
    return "epsilon";
}

}  // namespace

json reviewFinetuneConfig(const ReviewFinetune& r) {
    const std::string cardPath = (std::filesystem::path(r.baseModel) / "model_card.json").string();
    const json card = readJsonFile(cardPath);
    if (!card.is_object()) throw Error(cardPath, "not a model card (expected a JSON object)");
    const json training = card.value("training", json::object());
    json objective = training.is_object() ? training.value("objective", json()) : json();
    if (!objective.is_object())
        objective = {{"type", objectiveFor(card.value("prediction_type", std::string("epsilon")))}};
    // A person's corrections are few: no condition dropout, which would spend some of them
    // on the unconditional branch that guidance 1 never uses.
    objective["p_drop"] = 0.0;

    json data = {{"train", json::array({{{"format", "coco"}, {"path", r.data}, {"images", r.imagesDir}}})},
                 {"val_fraction", r.heldOutFraction},
                 {"augment", false}};
    const json baseData = training.is_object() ? training.value("data", json::object()) : json::object();
    for (const char* key : {"absent_fraction", "phrases_per_image", "sampling", "cache_scale"})
        if (baseData.is_object() && baseData.contains(key)) data[key] = baseData[key];

    return {{"base_model", r.baseModel},
            {"output", r.output},
            {"checkpoint_dir", r.output + ".checkpoints"},
            {"data", data},
            {"objective", objective},
            {"steps", r.steps},
            {"batch", r.batch},
            {"optim",
             {{"lr", r.lr}, {"warmup", std::max<int64_t>(1, std::min<int64_t>(10, r.steps / 10))}, {"ema", 0.0},
              {"text_lr_scale", 0.2}}},
            {"seed", r.seed},
            {"threads", r.threads},
            {"device", "cpu"},
            // Pausing writes a checkpoint; none are needed between pauses.
            {"checkpoint_every", 0},
            {"keep_checkpoints", 1},
            {"validate_every", 0},
            {"log_every", 1},
            {"final_validation", true}};
}

}  // namespace ld
