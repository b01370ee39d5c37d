#include "core/safetensors_header.h"

#include "core/error.h"
#include "core/json_read.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <set>
#include <sstream>

namespace ld {

namespace {

struct DtypeInfo {
    const char* name;
    size_t size;
    bool readable;
};

// Every dtype the safetensors format defines, so that a file using one we do not read
// gets a precise refusal instead of "unknown dtype".
const DtypeInfo kDtypes[] = {
    {"F32", 4, true},      {"F16", 2, true},      {"BF16", 2, true},     {"I64", 8, true},
    {"F64", 8, false},     {"I32", 4, false},     {"I16", 2, false},     {"I8", 1, false},
    {"U8", 1, false},      {"U16", 2, false},     {"U32", 4, false},     {"U64", 8, false},
    {"BOOL", 1, false},    {"F8_E4M3", 1, false}, {"F8_E5M2", 1, false}, {"F8_E8M0", 1, false},
    {"F6_E2M3", 1, false}, {"F6_E3M2", 1, false}, {"F4", 1, false},      {"C64", 8, false},
};

const DtypeInfo* findDtype(const std::string& name) {
    for (const auto& d : kDtypes)
        if (name == d.name) return &d;
    return nullptr;
}

std::string tensorSubject(const std::string& name) { return "tensor " + quotedName(name); }

std::string shapeString(const std::vector<int64_t>& shape) {
    std::ostringstream os;
    os << "[";
    for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
    os << "]";
    return os.str();
}

std::string describeJson(const nlohmann::json& v) {
    std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

uint64_t readLittleEndian64(const unsigned char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

uint64_t jsonOffset(const nlohmann::json& v, const std::string& path, const std::string& name) {
    if (!v.is_number_unsigned()) {
        if (v.is_number_integer())
            throw Error(path, tensorSubject(name) + " has a negative data offset " + describeJson(v));
        throw Error(path, tensorSubject(name) + " has a data offset that is not a non-negative integer: " +
                              describeJson(v));
    }
    return v.get<uint64_t>();
}

TensorEntry parseEntry(const std::string& name, const nlohmann::json& e, const std::string& path) {
    const std::string subject = tensorSubject(name);
    if (!e.is_object()) throw Error(path, subject + " is not a JSON object: " + describeJson(e));
    TensorEntry entry;
    entry.name = name;

    const auto dt = e.find("dtype");
    if (dt == e.end()) throw Error(path, subject + " has no \"dtype\"");
    if (!dt->is_string()) throw Error(path, subject + " has a \"dtype\" that is not a string: " + describeJson(*dt));
    entry.dtype = dt->get<std::string>();
    const DtypeInfo* info = findDtype(entry.dtype);
    if (!info) throw Error(path, subject + " has unknown dtype " + quotedName(entry.dtype));
    if (!info->readable)
        throw Error(path, "tensor " + name + " has dtype " + entry.dtype +
                              ", which LabelDiff does not read (it reads F32, F16, BF16 and I64)");

    const auto sh = e.find("shape");
    if (sh == e.end()) throw Error(path, subject + " has no \"shape\"");
    if (!sh->is_array()) throw Error(path, subject + " has a \"shape\" that is not an array: " + describeJson(*sh));
    // Overflow-safe: the product of hostile dimensions must not wrap round to a small
    // number that happens to equal the byte range.
    uint64_t bytes = info->size;
    bool overflow = false;
    for (const auto& d : *sh) {
        if (d.is_number_integer() && !d.is_number_unsigned() && d.get<int64_t>() < 0)
            throw Error(path, subject + " has a negative dimension in shape " + describeJson(*sh));
        if (!d.is_number_unsigned())
            throw Error(path, subject + " has a dimension that is not an integer in shape " + describeJson(*sh));
        const uint64_t dim = d.get<uint64_t>();
        if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            throw Error(path, subject + " has a dimension too large for a tensor in shape " + describeJson(*sh));
        entry.shape.push_back(static_cast<int64_t>(dim));
        uint64_t product = 0;
        if (__builtin_mul_overflow(bytes, dim, &product)) overflow = true;
        bytes = product;
    }
    if (overflow)
        throw Error(path, subject + " has shape " + describeJson(*sh) + ", whose byte size overflows 64 bits");

    const auto off = e.find("data_offsets");
    if (off == e.end()) throw Error(path, subject + " has no \"data_offsets\"");
    if (!off->is_array() || off->size() != 2)
        throw Error(path, subject + " has \"data_offsets\" that are not a [begin, end] pair: " + describeJson(*off));
    entry.begin = jsonOffset((*off)[0], path, name);
    entry.end = jsonOffset((*off)[1], path, name);
    if (entry.begin > entry.end)
        throw Error(path, subject + " has data_offsets [" + std::to_string(entry.begin) + ", " +
                              std::to_string(entry.end) + "] that end before they begin");
    if (entry.end - entry.begin != bytes)
        throw Error(path, subject + " has shape " + shapeString(entry.shape) + " of " + entry.dtype + " = " +
                              std::to_string(bytes) + " bytes, but its data_offsets span " +
                              std::to_string(entry.end - entry.begin) + " bytes");
    return entry;
}

// The data section must be tiled exactly: an overlap lets two tensors alias the same
// bytes, a hole or trailing bytes mean the header and the data disagree.
void requireExactTiling(const std::vector<TensorEntry>& entries, uint64_t dataBytes, const std::string& path) {
    std::vector<const TensorEntry*> byOffset;
    for (const auto& e : entries) byOffset.push_back(&e);
    std::stable_sort(byOffset.begin(), byOffset.end(), [](const TensorEntry* a, const TensorEntry* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    uint64_t cursor = 0;
    const TensorEntry* previous = nullptr;
    for (const TensorEntry* e : byOffset) {
        if (e->end > dataBytes)
            throw Error(path, tensorSubject(e->name) + " has data_offsets [" + std::to_string(e->begin) + ", " +
                                  std::to_string(e->end) + "] beyond the " + std::to_string(dataBytes) +
                                  "-byte data section (truncated file?)");
        if (e->begin < cursor)
            throw Error(path, tensorSubject(e->name) + " overlaps " + tensorSubject(previous->name) + " (bytes " +
                                  std::to_string(e->begin) + " to " + std::to_string(cursor) + ")");
        if (e->begin > cursor)
            throw Error(path, "hole of " + std::to_string(e->begin - cursor) + " unused bytes before " +
                                  tensorSubject(e->name) + " at data offset " + std::to_string(cursor));
        cursor = e->end;
        previous = e;
    }
    if (cursor != dataBytes)
        throw Error(path, "the tensors cover " + std::to_string(cursor) + " bytes of the " +
                              std::to_string(dataBytes) + "-byte data section; the rest is unaccounted for");
}

}  // namespace

std::string quotedName(const std::string& name) {
    // Names come from the file: dump() escapes control characters and bounds nothing
    // else, so keep very long names from flooding the message.
    std::string s = nlohmann::json(name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (s.size() > 200) s = s.substr(0, 197) + "...";
    return s;
}

size_t safetensorsDtypeSize(const std::string& dtype) {
    const DtypeInfo* info = findDtype(dtype);
    return info ? info->size : 0;
}

nlohmann::json parseJsonRejectingDuplicates(const std::string& text, const std::string& subject) {
    // nlohmann keeps the last of two equal keys; a checkpoint with two tensors of the same
    // name is ambiguous, so every object's keys are tracked while parsing.
    checkJsonDepth(text, subject);
    std::vector<std::set<std::string>> open;
    std::string duplicate;
    auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (event == E::object_start) {
            open.emplace_back();
        } else if (event == E::object_end) {
            if (!open.empty()) open.pop_back();
        } else if (event == E::key && !open.empty() && parsed.is_string()) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (!open.back().insert(key).second && duplicate.empty()) duplicate = key;
        }
        return true;
    };
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text, callback);
    } catch (const nlohmann::json::exception& e) {
        throw Error(subject, std::string("malformed JSON: ") + e.what());
    }
    if (!duplicate.empty()) throw Error(subject, "the JSON names " + quotedName(duplicate) + " twice");
    return j;
}

SafetensorsHeader parseSafetensorsHeader(const unsigned char* bytes, uint64_t size, const std::string& path) {
    if (size < 8)
        throw Error(path, "is " + std::to_string(size) +
                              " bytes long, shorter than the 8-byte header length of a safetensors file");
    const uint64_t headerBytes = readLittleEndian64(bytes);
    if (headerBytes > kMaxSafetensorsHeaderBytes)
        throw Error(path, "declares a " + std::to_string(headerBytes) +
                              "-byte header, more than the 100 MB a safetensors header may have");
    if (headerBytes > size - 8)
        throw Error(path, "declares a " + std::to_string(headerBytes) + "-byte header, but only " +
                              std::to_string(size - 8) + " bytes follow the length field (truncated?)");
    SafetensorsHeader out;
    out.dataStart = 8 + headerBytes;
    out.dataBytes = size - out.dataStart;

    const std::string text(reinterpret_cast<const char*>(bytes + 8), static_cast<size_t>(headerBytes));
    nlohmann::json header;
    try {
        header = parseJsonRejectingDuplicates(text, path);
    } catch (const Error& e) {
        throw Error(path, "bad header: " + e.reason());
    }
    if (!header.is_object()) throw Error(path, "bad header: the JSON is not an object but " + describeJson(header));

    for (const auto& [key, value] : header.items()) {
        if (key == "__metadata__") {
            if (!value.is_object()) throw Error(path, "\"__metadata__\" is not a JSON object");
            for (const auto& [mk, mv] : value.items()) {
                if (!mv.is_string())
                    throw Error(path, "\"__metadata__\" value of " + quotedName(mk) + " is not a string: " +
                                          describeJson(mv));
                out.metadata[mk] = mv.get<std::string>();
            }
            continue;
        }
        out.entries.push_back(parseEntry(key, value, path));
    }
    requireExactTiling(out.entries, out.dataBytes, path);
    std::sort(out.entries.begin(), out.entries.end(),
              [](const TensorEntry& a, const TensorEntry& b) { return a.name < b.name; });
    return out;
}

}  // namespace ld
