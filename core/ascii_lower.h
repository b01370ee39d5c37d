#pragma once
// ASCII lower case for names compared without regard to case (format names, file
// extensions, device and config values). Bytes past 127 (UTF-8) are left as they are,
// whatever the C locale says.
#include <string>

namespace ld {

inline std::string asciiLower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
}

}  // namespace ld
