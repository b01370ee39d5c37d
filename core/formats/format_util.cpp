#include "core/formats/format_util.h"

#include "core/ascii_lower.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rle.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace ld {

namespace fs = std::filesystem;

std::string jsonText(const nlohmann::json& j, int indent) {
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<int64_t> jsonToInt(const nlohmann::json& j) {
    if (j.is_number_integer()) return j.get<int64_t>();
    if (j.is_number_float()) {
        const double d = j.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return int64_t(d);
        return std::nullopt;
    }
    if (j.is_string()) {
        const std::string& s = j.get_ref<const std::string&>();
        if (s.empty() || s.size() > 19) return std::nullopt;
        size_t i = (s[0] == '-') ? 1 : 0;
        if (i == s.size()) return std::nullopt;
        for (size_t k = i; k < s.size(); ++k)
            if (!std::isdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
        try {
            return std::stoll(s);
        } catch (...) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

std::optional<bool> jsonToBool(const nlohmann::json& j) {
    if (j.is_boolean()) return j.get<bool>();
    if (j.is_number()) return j.get<double>() != 0;
    if (j.is_string()) {
        const std::string s = asciiLower(j.get<std::string>());
        if (s == "true" || s == "1" || s == "yes") return true;
        if (s == "false" || s == "0" || s == "no" || s.empty()) return false;
    }
    return std::nullopt;
}

std::string jsonString(const nlohmann::json& obj, const char* key, const std::string& fallback) {
    if (!obj.is_object()) return fallback;
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return fallback;
    return it->get<std::string>();
}

void setAreaAndBbox(Annotation& a, int height, int width) {
    const Rle r = toRle(a.segmentation, height, width);
    a.area = double(rleArea(r));
    a.bbox = rleBbox(r);
}

std::optional<std::string> insideRelativePath(const std::string& fileName) {
    if (fileName.empty() || fileName.find('\0') != std::string::npos) return std::nullopt;
    const fs::path p = fs::path(fileName).lexically_normal();
    if (p.empty() || p.is_absolute() || p.has_root_name() || p.has_root_directory()) return std::nullopt;
    const std::string first = p.begin()->string();
    if (first == ".." || first == ".") return std::nullopt;
    return p.generic_string();
}

fs::path outputNameOf(const std::string& fileName) {
    if (auto inside = insideRelativePath(fileName)) return fs::path(*inside);
    return fs::path(safeFileName(fs::path(fileName).lexically_normal().filename().string()));
}

std::string safeFileName(const std::string& name) {
    std::string out;
    for (char c : name) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u < 32 || c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' ||
            c == '<' || c == '>' || c == '|')
            out += '_';
        else
            out += c;
    }
    if (out.empty() || out == "." || out == "..") out = "_";
    return out;
}

std::string fileHead(const std::string& path, size_t bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::string s(bytes, '\0');
    in.read(&s[0], std::streamsize(bytes));
    s.resize(size_t(in.gcount()));
    return s;
}

std::string fileTail(const std::string& path, size_t bytes) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return {};
    const std::streamoff size = in.tellg();
    const std::streamoff start = size > std::streamoff(bytes) ? size - std::streamoff(bytes) : 0;
    in.seekg(start);
    std::string s(size_t(size - start), '\0');
    in.read(&s[0], std::streamsize(s.size()));
    s.resize(size_t(in.gcount()));
    return s;
}

bool hasImageExtension(const std::string& path) {
    const std::string ext = asciiLower(std::filesystem::path(path).extension().string());
    return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".tif" ||
           ext == ".tiff" || ext == ".webp";
}

}  // namespace ld
