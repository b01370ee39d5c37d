#include "core/provenance_json.h"

#include "core/error.h"

#include <cmath>

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

double unit(const json& v, const std::string& file, const std::string& at) {
    if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= 1)) fail(file, at, "expected a value in [0, 1]");
    return v.get<double>();
}

uint64_t count(const json& v, const std::string& file, const std::string& at) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        fail(file, at, "expected a non-negative integer");
    return v.get<uint64_t>();
}

std::string string(const json& v, const std::string& file, const std::string& at) {
    if (!v.is_string()) fail(file, at, "expected a string");
    return v.get<std::string>();
}

void object(const json& v, const std::string& file, const std::string& at) {
    if (!v.is_object()) fail(file, at, "expected an object");
}

}  // namespace

json uncertaintyToJson(const UncertaintyScore& u) {
    return {{"mean_std", u.meanStd}, {"disagreement", u.disagreement}, {"disputed_pixels", u.disputed}};
}

UncertaintyScore uncertaintyFromJson(const json& j, const std::string& file, const std::string& at) {
    object(j, file, at);
    UncertaintyScore u;
    // std of values in [0, 1] is at most 0.5; [0, 1] is the check that catches a wrong field.
    if (const json* v = optional(j, "mean_std")) u.meanStd = unit(*v, file, at + ".mean_std");
    if (const json* v = optional(j, "disagreement")) u.disagreement = unit(*v, file, at + ".disagreement");
    if (const json* v = optional(j, "disputed_pixels")) {
        const uint64_t n = count(*v, file, at + ".disputed_pixels");
        if (n > uint64_t(1) << 40) fail(file, at + ".disputed_pixels", "out of range");
        u.disputed = int64_t(n);
    }
    return u;
}

json provenanceToJson(const Provenance& p) {
    json j = json::object();
    j["source"] = p.source == Provenance::Source::Manual ? "manual" : "model";
    if (p.source == Provenance::Source::Model) {
        j["model"] = p.model;
        j["settings"] = p.settings.is_null() ? json::object() : p.settings;
        j["seed"] = p.seed;
    }
    j["reviewed"] = p.reviewed;
    if (p.uncertainty) j["uncertainty"] = uncertaintyToJson(*p.uncertainty);
    if (p.review) {
        json r = {{"action", toString(p.review->action)}};
        if (p.review->action == ReviewAction::Edited) r["iou"] = p.review->iou;
        j["review"] = r;
    }
    return j;
}

Provenance provenanceFromJson(const json& j, const std::string& file, const std::string& at) {
    object(j, file, at);
    Provenance p;
    const json* src = optional(j, "source");
    if (!src) fail(file, at, "missing \"source\"");
    const std::string source = string(*src, file, at + ".source");
    if (source == "manual") p.source = Provenance::Source::Manual;
    else if (source == "model") p.source = Provenance::Source::Model;
    else fail(file, at + ".source", "unknown source \"" + source + "\" (manual or model)");
    if (const json* v = optional(j, "model")) p.model = string(*v, file, at + ".model");
    if (const json* v = optional(j, "settings")) {
        object(*v, file, at + ".settings");
        p.settings = *v;
    }
    if (const json* v = optional(j, "seed")) p.seed = count(*v, file, at + ".seed");
    if (const json* v = optional(j, "reviewed")) {
        if (!v->is_boolean()) fail(file, at + ".reviewed", "expected true or false");
        p.reviewed = v->get<bool>();
    }
    if (const json* v = optional(j, "uncertainty")) p.uncertainty = uncertaintyFromJson(*v, file, at + ".uncertainty");
    if (const json* v = optional(j, "review")) {
        const std::string w = at + ".review";
        object(*v, file, w);
        const json* a = optional(*v, "action");
        if (!a) fail(file, w, "missing \"action\"");
        const auto action = reviewActionFrom(string(*a, file, w + ".action"));
        if (!action || *action == ReviewAction::Rejected)
            fail(file, w + ".action", "unknown action " + a->dump() + " (accepted or edited)");
        ReviewOutcome r;
        r.action = *action;
        if (const json* iou = optional(*v, "iou")) r.iou = unit(*iou, file, w + ".iou");
        if (r.action == ReviewAction::Accepted) r.iou = 1.0;
        p.review = r;
    }
    return p;
}

json rejectedToJson(const std::vector<RejectedProposal>& list) {
    json out = json::array();
    for (const RejectedProposal& r : list) {
        json e = {{"category_id", r.categoryId}, {"model", r.model}};
        if (r.uncertainty) e["uncertainty"] = uncertaintyToJson(*r.uncertainty);
        out.push_back(e);
    }
    return out;
}

std::vector<RejectedProposal> rejectedFromJson(const json& j, const std::string& file, const std::string& at) {
    if (!j.is_array()) fail(file, at, "expected a list");
    std::vector<RejectedProposal> out;
    for (size_t i = 0; i < j.size(); ++i) {
        const std::string w = at + "[" + std::to_string(i) + "]";
        object(j[i], file, w);
        RejectedProposal r;
        const json* c = optional(j[i], "category_id");
        if (!c || !c->is_number_integer()) fail(file, w + ".category_id", "expected an integer");
        r.categoryId = c->get<int64_t>();
        if (const json* v = optional(j[i], "model")) r.model = string(*v, file, w + ".model");
        if (const json* v = optional(j[i], "uncertainty")) r.uncertainty = uncertaintyFromJson(*v, file, w + ".uncertainty");
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace ld
