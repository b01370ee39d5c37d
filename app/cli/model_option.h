#pragma once
// --model for every command that runs a model: optional, because the installed package
// and the source tree both carry a default model that a first run should just use.
#include "core/default_model.h"

#include <CLI/CLI.hpp>

#include <string>

namespace ld::cli {

inline void addModelOption(CLI::App& sub, std::string& model) {
    sub.add_option("--model", model,
                   "Model directory (default: $LABELDIFF_MODEL, else the installed default model)");
}

// Called when the command runs, not at parse time, so that --help works without a model.
inline std::string modelOrDefault(const std::string& model) {
    return model.empty() ? defaultModelDirectory().string() : model;
}

}  // namespace ld::cli
