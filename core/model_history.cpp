#include "core/model_history.h"

#include "core/error.h"

#include <ctime>

namespace ld {

using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& at, const std::string& what) {
    throw Error(file, at + ": " + what);
}

const json* optional(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string string(const json& v, const std::string& file, const std::string& at) {
    if (!v.is_string()) fail(file, at, "expected a string");
    return v.get<std::string>();
}

int64_t integer(const json& v, const std::string& file, const std::string& at, int64_t max) {
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(max)) ||
        v.get<int64_t>() < 0 || v.get<int64_t>() > max)
        fail(file, at, "expected an integer in [0, " + std::to_string(max) + "]");
    return v.get<int64_t>();
}

}  // namespace

bool ModelHistoryEntry::operator==(const ModelHistoryEntry& o) const {
    return model == o.model && name == o.name && added == o.added && base == o.base && heldOutMiou == o.heldOutMiou &&
           reviewedImages == o.reviewedImages && heldOutImages == o.heldOutImages && steps == o.steps;
}

const ModelHistoryEntry* ModelHistory::activeEntry() const {
    return active >= 0 && size_t(active) < entries.size() ? &entries[size_t(active)] : nullptr;
}

int ModelHistory::find(const std::string& model) const {
    for (size_t i = 0; i < entries.size(); ++i)
        if (entries[i].model == model) return int(i);
    return -1;
}

int ModelHistory::record(const ModelHistoryEntry& entry) {
    const int i = find(entry.model);
    if (i >= 0) {
        entries[size_t(i)] = entry;
        return i;
    }
    entries.push_back(entry);
    return int(entries.size()) - 1;
}

bool beats(double candidateMiou, double activeMiou) { return candidateMiou > activeMiou; }

std::string utcTimestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

json modelHistoryToJson(const ModelHistory& history) {
    json entries = json::array();
    for (const auto& e : history.entries) {
        json j = {{"model", e.model},
                  {"name", e.name},
                  {"added", e.added},
                  {"reviewed_images", e.reviewedImages},
                  {"held_out_images", e.heldOutImages},
                  {"steps", e.steps}};
        if (!e.base.empty()) j["base"] = e.base;
        if (e.heldOutMiou) j["held_out_miou"] = *e.heldOutMiou;
        entries.push_back(j);
    }
    json j = {{"entries", entries}};
    if (history.activeEntry()) j["active"] = history.active;
    return j;
}

ModelHistory modelHistoryFromJson(const json& j, const std::string& file, const std::string& at) {
    if (!j.is_object()) fail(file, at, "expected an object");
    ModelHistory h;
    if (const json* list = optional(j, "entries")) {
        if (!list->is_array()) fail(file, at + ".entries", "expected a list");
        for (size_t i = 0; i < list->size(); ++i) {
            const std::string w = at + ".entries[" + std::to_string(i) + "]";
            const json& o = (*list)[i];
            if (!o.is_object()) fail(file, w, "expected an object");
            ModelHistoryEntry e;
            const json* model = optional(o, "model");
            if (!model) fail(file, w, "missing \"model\"");
            e.model = string(*model, file, w + ".model");
            if (e.model.empty()) fail(file, w + ".model", "empty");
            if (h.find(e.model) >= 0) fail(file, w + ".model", "listed twice: " + e.model);
            if (const json* v = optional(o, "name")) e.name = string(*v, file, w + ".name");
            if (const json* v = optional(o, "added")) e.added = string(*v, file, w + ".added");
            if (const json* v = optional(o, "base")) e.base = string(*v, file, w + ".base");
            if (const json* v = optional(o, "held_out_miou")) {
                if (!v->is_number() || !(v->get<double>() >= 0 && v->get<double>() <= 1))
                    fail(file, w + ".held_out_miou", "expected a value in [0, 1]");
                e.heldOutMiou = v->get<double>();
            }
            constexpr int64_t kMaxImages = int64_t(1) << 30;
            if (const json* v = optional(o, "reviewed_images"))
                e.reviewedImages = int(integer(*v, file, w + ".reviewed_images", kMaxImages));
            if (const json* v = optional(o, "held_out_images"))
                e.heldOutImages = int(integer(*v, file, w + ".held_out_images", kMaxImages));
            if (e.heldOutImages > e.reviewedImages)
                fail(file, w + ".held_out_images", "more than the reviewed images (" + std::to_string(e.reviewedImages) + ")");
            if (const json* v = optional(o, "steps")) e.steps = integer(*v, file, w + ".steps", int64_t(1) << 40);
            h.entries.push_back(std::move(e));
        }
    }
    if (const json* v = optional(j, "active")) {
        const int64_t a = integer(*v, file, at + ".active", int64_t(1) << 30);
        if (size_t(a) >= h.entries.size())
            fail(file, at + ".active", "no entry " + std::to_string(a) + " (" + std::to_string(h.entries.size()) + " listed)");
        h.active = int(a);
    }
    return h;
}

}  // namespace ld
