#pragma once
// The models a project has been labelled with, kept in the project file: each model
// "Improve the model from my reviews" made, the one it started from, when each arrived and
// how it scored on the reviewed images its run held out, and which one is in use, so that
// a person can go back to any earlier model in one click when a newer one labels worse.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ld {

struct ModelHistoryEntry {
    std::string model;  // the model directory (absolute)
    std::string name;   // its card's name, for menus
    std::string added;  // when it entered the history, ISO 8601 UTC ("2026-12-08T01:10:00Z")
    std::string base;   // the model it was fine-tuned from; empty for a starting model
    // Mean IoU on the held-out reviewed images of the run that made it (or, for a starting
    // model, of the first run that compared against it), with the image counts.
    std::optional<double> heldOutMiou;
    int reviewedImages = 0;  // trained on + held out
    int heldOutImages = 0;
    int64_t steps = 0;       // fine-tuning steps
    bool operator==(const ModelHistoryEntry& o) const;
};

struct ModelHistory {
    std::vector<ModelHistoryEntry> entries;  // oldest first
    int active = -1;                         // index of the model in use; -1: none of them

    const ModelHistoryEntry* activeEntry() const;
    int find(const std::string& model) const;  // index, or -1
    // Adds the entry, or updates the one with the same model directory; returns its index.
    int record(const ModelHistoryEntry& entry);
    bool operator==(const ModelHistory& o) const { return entries == o.entries && active == o.active; }
};

// A fine-tuned model is offered only when it beats the model in use on the same held-out
// images: a tie keeps the model a person already knows.
bool beats(double candidateMiou, double activeMiou);

// The current time as ModelHistoryEntry::added spells it.
std::string utcTimestamp();

nlohmann::json modelHistoryToJson(const ModelHistory& history);
// file and at name the value in errors: ld::Error(file, "model_history.entries[1].held_out_miou:
// expected a value in [0, 1]").
ModelHistory modelHistoryFromJson(const nlohmann::json& j, const std::string& file, const std::string& at);

}  // namespace ld
