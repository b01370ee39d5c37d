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

// Upper bounds on the sizes a config.json may state, checked as it is read, before any
// network is built from it. Published models stay far inside them (widest: the 4096-wide
// T5 text SD3 cross-attends to; deepest: SD3.5-large's 38 blocks; Stable Diffusion's 4
// resolution levels; largest position table: SD3's 192² × 1536); past them the file is
// corrupt or hostile, and the
// network would meet LibTorch's allocator instead (2^20 channels: a 16 TB weight, refused
// with a C++ backtrace for a message).
struct SizeLimit {
    long long max;
    const char* what;  // "for a width": the message names the kind of size
};
inline constexpr SizeLimit kWidthLimit{16384, "for a width (channels, hidden size, heads)"};
inline constexpr SizeLimit kDepthLimit{256, "for a layer or block count"};
inline constexpr SizeLimit kSampleLimit{16384, "for a sample or patch size"};
inline constexpr SizeLimit kKernelLimit{31, "for a kernel size or padding"};
inline constexpr SizeLimit kFeedForwardLimit{65536, "for a feed-forward width"};
inline constexpr SizeLimit kVocabularyLimit{1 << 20, "for a vocabulary"};
inline constexpr SizeLimit kPositionsLimit{16384, "for a number of positions"};
// Resolution levels (entries of block_out_channels): each halves the latent.
inline constexpr long long kMaxLevels = 8;
// One embedding or position table: 2^28 values, 1 GB in float32.
inline constexpr long long kMaxTableValues = 1LL << 28;

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

// ld::Error(subject) naming the key and the limit when `v` is past `limit`.
inline void checkLimit(long long v, const std::string& key, const SizeLimit& limit, const std::string& subject) {
    if (v > limit.max)
        throw Error(subject, "config key '" + key + "' is " + std::to_string(v) + ", past the limit of " +
                                 std::to_string(limit.max) + " " + limit.what);
}


// The number of values in a table of rows × columns, refused past kMaxTableValues naming
// the keys that give its size (`keys`, e.g. "vocab_size × hidden_size").
inline void checkTable(long long rows, long long columns, const std::string& keys, const std::string& subject) {
    if (rows > 0 && columns > 0 && rows > kMaxTableValues / columns)
        throw Error(subject, "config keys " + keys + " make a table of " + std::to_string(rows) + " × " +
                                 std::to_string(columns) + " values, past the limit of " +
                                 std::to_string(kMaxTableValues));
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
    for (const auto& e : v) {
        const long long x = integerValue(e, key, subject);
        if (x < -(1LL << 31) || x > (1LL << 31) - 1)
            throw Error(subject, "config key '" + key + "' holds an entry out of range: " + describe(e));
        out.push_back(static_cast<int>(x));
    }
    return out;
}

// Every integer `key` holds (one, or a list's entries) within `limit`, checked before they
// are narrowed to int, so that 2^32 + 4 is named as such.
inline void checkLimits(const nlohmann::json& j, const std::string& key, const SizeLimit& limit,
                        const std::string& subject) {
    if (!has(j, key)) return;
    const auto& v = j.at(key);
    if (v.is_number()) checkLimit(integerValue(v, key, subject), key, limit, subject);
    if (v.is_array())
        for (const auto& e : v)
            if (e.is_number()) checkLimit(integerValue(e, key, subject), key, limit, subject);
}

// getInt, and the value read from the file (not the default) within `limit`.
inline int getInt(const nlohmann::json& j, const std::string& key, int def, const std::string& subject,
                  const SizeLimit& limit) {
    checkLimits(j, key, limit, subject);
    return getInt(j, key, def, subject);
}

// getIntList, every entry read from the file within `limit`.
inline std::vector<int> getIntList(const nlohmann::json& j, const std::string& key, const std::vector<int>& def,
                                   const std::string& subject, const SizeLimit& limit) {
    checkLimits(j, key, limit, subject);
    return getIntList(j, key, def, subject);
}

// diffusers accepts "an int for every block, or one value per block" for many keys. An
// empty result means the key was absent or null.
inline std::vector<int> getIntOrList(const nlohmann::json& j, const std::string& key, const std::string& subject) {
    if (!has(j, key)) return {};
    const auto& v = j.at(key);
    if (v.is_array()) return getIntList(j, key, {}, subject);
    return {getInt(j, key, 0, subject)};
}

inline std::vector<int> getIntOrList(const nlohmann::json& j, const std::string& key, const std::string& subject,
                                     const SizeLimit& limit) {
    checkLimits(j, key, limit, subject);
    return getIntOrList(j, key, subject);
}

}  // namespace ld::jsoncfg
