#include "core/environment.h"

#include "core/error.h"

#include <cstdlib>

namespace ld {

EnvironmentLookup processEnvironment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    };
}

std::optional<long long> wholeNumber(const std::string& s) {
    if (s.empty() || s.size() > 12) return std::nullopt;
    long long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

long long requireNumber(const EnvironmentLookup& getenv, const std::string& name, const std::string& why) {
    const auto text = getenv(name);
    if (!text) throw Error(name, "not set (" + why + ")");
    const auto v = wholeNumber(*text);
    if (!v) throw Error(name, "'" + *text + "' is not a whole number");
    return *v;
}

}  // namespace ld
