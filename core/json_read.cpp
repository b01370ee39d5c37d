#include "core/json_read.h"

#include "core/atomic_file.h"
#include "core/error.h"

namespace ld {

void checkJsonDepth(const std::string& text, const std::string& subject) {
    int depth = 0;
    bool inString = false, escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                throw Error(subject, "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        } else if (c == ']' || c == '}') {
            --depth;  // unbalanced text is the parser's to report
        }
    }
}

namespace {

// "[json.exception.parse_error.101] parse error at line 3, column 7: ..." without the prefix.
std::string parseMessage(const std::string& text, const nlohmann::json::exception& e) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return "the file is empty";
    std::string what = e.what();
    const size_t bracket = what.find("] ");
    if (what.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) what = what.substr(bracket + 2);
    return what;
}

template <typename Json>
Json parseChecked(const std::string& text, const std::string& subject) {
    checkJsonDepth(text, subject);
    try {
        return Json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error(subject, "malformed JSON: " + parseMessage(text, e));
    }
}

}  // namespace

nlohmann::json parseJson(const std::string& text, const std::string& subject) {
    return parseChecked<nlohmann::json>(text, subject);
}

nlohmann::ordered_json parseOrderedJson(const std::string& text, const std::string& subject) {
    return parseChecked<nlohmann::ordered_json>(text, subject);
}

nlohmann::json readJsonFile(const std::string& path) { return parseJson(readFile(path), path); }

}  // namespace ld
