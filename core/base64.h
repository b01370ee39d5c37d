#pragma once
// Standard base64 (RFC 4648, with padding), as labelme stores images and masks in JSON.
#include <string>

namespace ld {

std::string base64Encode(const std::string& bytes);
// Ignores whitespace; throws ld::Error with subject `where` on any other invalid input.
std::string base64Decode(const std::string& text, const std::string& where = "base64");

}  // namespace ld
