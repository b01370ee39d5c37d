#pragma once
// What "Improve the model from my reviews" trains on and how: the images a person
// reviewed (every annotation on them is theirs or one they accepted or edited; a proposal
// they rejected leaves its category absent there, which teaches "not here"), named by the
// prompts the model is given, and a fine-tune of the model in use that holds a seeded share
// of them out to score the new model against the old one on images neither trained on.
#include "core/project.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace ld {

// Below this, a held-out part of at least one image leaves too little to learn from.
constexpr int kMinReviewedImages = 3;

// The project cut down to its reviewed images and their annotations, every category kept
// (absent ones teach "not here") and named by its prompt, the phrase the model is given.
Project reviewedTrainingSet(const Project& project);

struct ReviewFinetune {
    std::string baseModel;  // the model in use (a model directory)
    std::string data;       // the reviewed images as a COCO file
    std::string imagesDir;  // their folder
    std::string output;     // the model to write; checkpoints beside it (<output>.checkpoints)
    int64_t steps = 100;
    int batch = 4;
    double lr = 3e-4;
    double heldOutFraction = 0.25;  // of the reviewed images, at least one
    uint64_t seed = 0;
    int threads = 1;  // a background job: one core, the rest stay with the person's work
};

// A training config (as `labeldiff-cli train` reads it) for the fine-tune. The objective
// and the phrase sampling are the base model's own (its card's "training" section), so
// the fine-tune goes on learning what the model was taught; a card without one gets the
// objective its prediction type implies. Throws ld::Error naming the card when it cannot
// be read.
nlohmann::json reviewFinetuneConfig(const ReviewFinetune& request);

}  // namespace ld
