#include "inference/io/model_card.h"

#include "core/atomic_file.h"
#include "core/enum_names.h"
#include "core/error.h"
#include "core/json_read.h"

#include <cmath>

namespace ld {

namespace {

using json = nlohmann::json;

std::string describe(const json& v) {
    std::string s = v.dump();
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::string getString(const json& j, const char* key, const std::string& def, const std::string& subject,
                      const std::string& path) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return def;
    if (!it->is_string()) throw Error(subject, "'" + path + key + "' must be a string, got " + describe(*it));
    return it->get<std::string>();
}

int getInt(const json& j, const char* key, int def, int lo, int hi, const std::string& subject,
           const std::string& path) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return def;
    if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi)
        throw Error(subject, "'" + path + key + "' must be an integer in " + std::to_string(lo) + ".." +
                                 std::to_string(hi) + ", got " + describe(*it));
    return it->get<int>();
}

double getNumber(const json& j, const char* key, double def, double lo, double hi, const std::string& subject,
                 const std::string& path) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return def;
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < lo || it->get<double>() > hi)
        throw Error(subject, "'" + path + key + "' must be a number in [" + describe(json(lo)) + ", " +
                                 describe(json(hi)) + "], got " + describe(*it));
    return it->get<double>();
}

bool safeRelativeFolder(const std::string& f) {
    if (f.empty() || f.front() == '/' || f.front() == '\\' || f.find(':') != std::string::npos) return false;
    size_t start = 0;
    while (start <= f.size()) {
        size_t end = f.find_first_of("/\\", start);
        if (end == std::string::npos) end = f.size();
        if (f.compare(start, end - start, "..") == 0) return false;
        start = end + 1;
    }
    return true;
}

const char* const kKnownKeys[] = {"format", "version", "name", "description", "components", "mask_codec",
                                  "prediction_type", "scheduler", "denoiser", "resolution", "defaults", "class_thresholds", "class_presence",
                                  "training"};

}  // namespace

const EnumName<PredictionType> kPredictionTypes[] = {
    {PredictionType::Epsilon, "epsilon"}, {PredictionType::V, "v_prediction"},  {PredictionType::Sample, "sample"},
    {PredictionType::Flow, "flow"},       {PredictionType::Epsilon, "eps"},     {PredictionType::V, "v"},
    {PredictionType::Sample, "x0"},       {PredictionType::Flow, "flow_matching"}, {PredictionType::Flow, "rectified_flow"}};

std::string predictionTypeName(PredictionType t) { return enumName(kPredictionTypes, t); }
PredictionType parsePredictionType(const std::string& s) {
    return parseEnum(kPredictionTypes, s, "model card", "prediction type");
}

double ModelCard::thresholdFor(const std::string& className) const {
    auto it = classThresholds.find(className);
    return it == classThresholds.end() ? defaults.threshold : it->second;
}

double ModelCard::presenceFor(const std::string& className) const {
    auto it = classPresence.find(className);
    return it == classPresence.end() ? 0.0 : it->second;
}

bool ModelCard::isDiscriminative() const {
    if (!training.is_object()) return false;
    auto it = training.find("objective");
    if (it == training.end()) return false;
    if (it->is_string()) return it->get<std::string>() == "discriminative";
    return it->is_object() && it->value("type", std::string()) == "discriminative";
}

namespace {

// class name -> number in [0, 1]
std::map<std::string, double> readClassMap(const json& j, const char* key, const std::string& subject) {
    std::map<std::string, double> out;
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return out;
    if (!it->is_object()) throw Error(subject, std::string("'") + key + "' must be an object of class name: number");
    for (const auto& [name, v] : it->items()) {
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1)
            throw Error(subject, std::string("'") + key + "." + name + "' must be a number in [0, 1], got " + describe(v));
        out[name] = v.get<double>();
    }
    return out;
}

}  // namespace

ModelCard modelCardFromJson(const json& j, const std::string& subject) {
    if (!j.is_object()) throw Error(subject, "a model card must be a JSON object");
    ModelCard c;
    const std::string format = getString(j, "format", "labeldiff-model", subject, "");
    if (format != "labeldiff-model")
        throw Error(subject, "'format' is '" + format + "', expected 'labeldiff-model'");
    const int version = getInt(j, "version", kModelCardVersion, 1, 1 << 20, subject, "");
    if (version > kModelCardVersion)
        throw Error(subject, "model card version " + std::to_string(version) + " was written by a newer LabelDiff (this one reads up to " +
                                 std::to_string(kModelCardVersion) + ")");
    c.name = getString(j, "name", "", subject, "");
    c.description = getString(j, "description", "", subject, "");

    if (auto it = j.find("components"); it != j.end() && !it->is_null()) {
        if (!it->is_object()) throw Error(subject, "'components' must be an object of role: sub-folder");
        c.components.clear();
        for (const auto& [role, folder] : it->items()) {
            if (folder.is_null()) continue;
            if (!folder.is_string() || !safeRelativeFolder(folder.get<std::string>()))
                throw Error(subject, "'components." + role +
                                         "' must be a sub-folder name inside the model directory, got " +
                                         describe(folder));
            c.components[role] = folder.get<std::string>();
        }
    }
    if (auto it = j.find("mask_codec"); it != j.end() && !it->is_null()) c.maskCodec = MaskCodecSpec::fromJson(*it, subject);

    const std::string prediction = getString(j, "prediction_type", "epsilon", subject, "");
    try {
        c.predictionType = parsePredictionType(prediction);
    } catch (const Error& e) {
        throw Error(subject, "'prediction_type': " + e.reason() + ", got '" + prediction + "'");
    }
    c.scheduler = getString(j, "scheduler", c.predictionType == PredictionType::Flow ? "flow" : "ddim", subject, "");
    if (c.scheduler != "ddim" && c.scheduler != "flow")
        throw Error(subject, "'scheduler' must be 'ddim' or 'flow', got '" + c.scheduler + "'");
    c.denoiser = getString(j, "denoiser", c.denoiser, subject, "");
    if (c.denoiser != "unet" && c.denoiser != "pixart" && c.denoiser != "sd3")
        throw Error(subject, "'denoiser' must be 'unet', 'pixart' or 'sd3', got '" + c.denoiser + "'");
    c.resolution = getInt(j, "resolution", c.resolution, 8, 16384, subject, "");

    if (auto it = j.find("defaults"); it != j.end() && !it->is_null()) {
        if (!it->is_object()) throw Error(subject, "'defaults' must be an object");
        const json& d = *it;
        auto& s = c.defaults;
        s.steps = getInt(d, "steps", s.steps, 1, 10000, subject, "defaults.");
        s.spacing = getString(d, "spacing", s.spacing, subject, "defaults.");
        if (s.spacing != "leading" && s.spacing != "trailing" && s.spacing != "linspace")
            throw Error(subject, "'defaults.spacing' must be leading, trailing or linspace, got '" + s.spacing + "'");
        s.guidance = getNumber(d, "guidance", s.guidance, 0.0, 1000.0, subject, "defaults.");
        s.ensemble = getInt(d, "ensemble", s.ensemble, 1, 1024, subject, "defaults.");
        s.threshold = getNumber(d, "threshold", s.threshold, 0.0, 1.0, subject, "defaults.");
    }
    c.classThresholds = readClassMap(j, "class_thresholds", subject);
    c.classPresence = readClassMap(j, "class_presence", subject);
    if (auto it = j.find("training"); it != j.end() && !it->is_null()) {
        if (!it->is_object()) throw Error(subject, "'training' must be an object");
        c.training = *it;
    }
    for (const auto& [key, v] : j.items()) {
        bool known = false;
        for (const char* k : kKnownKeys) known = known || key == k;
        if (!known) c.extra[key] = v;
    }
    return c;
}

json modelCardToJson(const ModelCard& c) {
    json j = c.extra.is_object() ? c.extra : json::object();
    j["format"] = "labeldiff-model";
    j["version"] = kModelCardVersion;
    j["name"] = c.name;
    j["description"] = c.description;
    j["components"] = c.components;
    j["mask_codec"] = c.maskCodec.toJson();
    j["prediction_type"] = predictionTypeName(c.predictionType);
    j["scheduler"] = c.scheduler;
    j["denoiser"] = c.denoiser;
    j["resolution"] = c.resolution;
    j["defaults"] = {{"steps", c.defaults.steps},
                     {"spacing", c.defaults.spacing},
                     {"guidance", c.defaults.guidance},
                     {"ensemble", c.defaults.ensemble},
                     {"threshold", c.defaults.threshold}};
    // Tuned values come from a float grid (0.89f is 0.88999998…): written as the grid value.
    auto rounded = [](const std::map<std::string, double>& m) {
        json out = json::object();
        for (const auto& [name, v] : m) out[name] = std::round(v * 1e4) / 1e4;
        return out;
    };
    j["class_thresholds"] = rounded(c.classThresholds);
    if (!c.classPresence.empty()) j["class_presence"] = rounded(c.classPresence);
    j["training"] = c.training.is_object() ? c.training : json::object();
    return j;
}

ModelCard readModelCard(const std::string& path) {
    return modelCardFromJson(readJsonFile(path), path);
}

void writeModelCard(const std::string& path, const ModelCard& card) {
    writeFileAtomic(path, modelCardToJson(card).dump(2) + "\n");
}

}  // namespace ld
