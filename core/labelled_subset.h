#pragma once
#include "core/project.h"

namespace ld {

// The part of a project a person has labelled — Labelled or Reviewed images and their
// annotations, categories and the rest kept — which fine-tuning on "the current project"
// trains on. Unlabelled images are left out: their missing masks would teach "nothing here".
Project labelledSubset(const Project& project);

}  // namespace ld
