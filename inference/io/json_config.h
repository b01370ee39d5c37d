#pragma once
// Reading diffusers/transformers config.json fields: a missing or null key takes the
// library's default, a key of the wrong type is an ld::Error that names the file and key
// (a silently misread config gives a network that loads but computes nonsense).
#include "core/error.h"
#include "core/json_read.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace ld::jsoncfg {

inline nlohmann::json readFile(const std::string& path) {
    nlohmann::json j = readJsonFile(path);
    if (!j.is_object()) throw Error(path, "the config is not a JSON object");
    return j;
}

inline bool has(const nlohmann::json& j, const std::string& key) {
    auto it = j.find(key);
    return it != j.end() && !it->is_null();
}

inline std::string describe(const nlohmann::json& v) {
    std::string s = v.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

inline long long integerValue(const nlohmann::json& v, const std::string& key, const std::string& subject) {
    if (v.is_number_integer()) return v.get<long long>();
    // Some writers emit 1.0 for an integer field; accept exactly integral floats only.
    if (v.is_number_float()) {
        double d = v.get<double>();
        if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 1e15) return static_cast<long long>(d);
    }
    throw Error(subject, "config key '" + key + "' must be an integer, got " + describe(v));
}

inline int getInt(const nlohmann::json& j, const std::string& key, int def, const std::string& subject) {
    if (!has(j, key)) return def;
    long long v = integerValue(j.at(key), key, subject);
    if (v < -(1LL << 31) || v > (1LL << 31) - 1)
        throw Error(subject, "config key '" + key + "' is out of range: " + describe(j.at(key)));
    return static_cast<int>(v);
}

inline double getDouble(const nlohmann::json& j, const std::string& key, double def, const std::string& subject) {
    if (!has(j, key)) return def;
    const auto& v = j.at(key);
    if (!v.is_number()) throw Error(subject, "config key '" + key + "' must be a number, got " + describe(v));
    double d = v.get<double>();
    if (!std::isfinite(d)) throw Error(subject, "config key '" + key + "' must be finite");
    return d;
}

inline bool getBool(const nlohmann::json& j, const std::string& key, bool def, const std::string& subject) {
    if (!has(j, key)) return def;
    const auto& v = j.at(key);
    if (!v.is_boolean()) throw Error(subject, "config key '" + key + "' must be true or false, got " + describe(v));
    return v.get<bool>();
}

inline std::string getString(const nlohmann::json& j, const std::string& key, const std::string& def,
                             const std::string& subject) {
    if (!has(j, key)) return def;
    const auto& v = j.at(key);
    if (!v.is_string()) throw Error(subject, "config key '" + key + "' must be a string, got " + describe(v));
    return v.get<std::string>();
}

inline std::vector<std::string> getStringList(const nlohmann::json& j, const std::string& key,
                                              const std::vector<std::string>& def, const std::string& subject) {
    if (!has(j, key)) return def;
    const auto& v = j.at(key);
    if (!v.is_array()) throw Error(subject, "config key '" + key + "' must be a list of strings, got " + describe(v));
    std::vector<std::string> out;
    for (const auto& e : v) {
        if (!e.is_string())
            throw Error(subject, "config key '" + key + "' must be a list of strings, got " + describe(v));
        out.push_back(e.get<std::string>());
    }
    return out;
}

inline std::vector<int> getIntList(const nlohmann::json& j, const std::string& key, const std::vector<int>& def,
                                   const std::string& subject) {
    if (!has(j, key)) return def;
    const auto& v = j.at(key);
    if (!v.is_array()) throw Error(subject, "config key '" + key + "' must be a list of integers, got " + describe(v));
    std::vector<int> out;
    for (const auto& e : v) out.push_back(static_cast<int>(integerValue(e, key, subject)));
    return out;
}

// diffusers accepts "an int for every block, or one value per block" for many keys. An
// empty result means the key was absent or null.
inline std::vector<int> getIntOrList(const nlohmann::json& j, const std::string& key, const std::string& subject) {
    if (!has(j, key)) return {};
    const auto& v = j.at(key);
    if (v.is_array()) return getIntList(j, key, {}, subject);
    return {static_cast<int>(integerValue(v, key, subject))};
}

}  // namespace ld::jsoncfg
