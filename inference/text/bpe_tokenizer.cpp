// Over 600 lines: CLIP's byte-level BPE, its pre-tokenizer and text cleaning, which must
// match transformers' tokenizer exactly; one algorithm, kept in one file.
#include "inference/text/bpe_tokenizer.h"

#include "core/error.h"
#include "core/json_read.h"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <sys/stat.h>

namespace ld {

namespace {

// CLIP keeps exactly this many merges (49152 - 256 byte tokens - 2 specials), both in
// openai/CLIP and in transformers; a longer merges file must not change the ids.
constexpr size_t kClipMerges = 49152 - 256 - 2;
constexpr size_t kCacheLimit = 200000;
const char* const kStart = "<|startoftext|>";
const char* const kEnd = "<|endoftext|>";

// ---- UTF-8 -------------------------------------------------------------------------

char32_t decodeUtf8(const std::string& s, size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    auto cont = [&](size_t k) { return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80; };
    auto bits = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
        char32_t c = (char32_t(b0 & 0x1F) << 6) | bits(1);
        i += 2;
        return c;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2)) {
        char32_t c = (char32_t(b0 & 0x0F) << 12) | (bits(1) << 6) | bits(2);
        if (c >= 0x800 && (c < 0xD800 || c > 0xDFFF)) {
            i += 3;
            return c;
        }
    }
    if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
        char32_t c = (char32_t(b0 & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
        if (c >= 0x10000 && c <= 0x10FFFF) {
            i += 4;
            return c;
        }
    }
    ++i;  // an invalid byte stands for itself as one replacement character
    return 0xFFFD;
}

void appendUtf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

std::u32string decodeAll(const std::string& s) {
    std::u32string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) out += decodeUtf8(s, i);
    return out;
}

// ---- Unicode classes, as the `regex` module CLIP uses sees them ----------------------
// Tables cover the scripts a segmentation prompt plausibly uses; ASCII is exact.

struct Range {
    char32_t lo, hi;
};

bool inRanges(char32_t c, const Range* r, size_t n) {
    for (size_t k = 0; k < n; ++k)
        if (c >= r[k].lo && c <= r[k].hi) return true;
    return false;
}

// Unicode White_Space (the `regex` module's \s).
bool isSpace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

const Range kLetters[] = {
    {0x41, 0x5A},       {0x61, 0x7A},       {0xAA, 0xAA},       {0xB5, 0xB5},       {0xBA, 0xBA},
    {0xC0, 0xD6},       {0xD8, 0xF6},       {0xF8, 0x2C1},      {0x2C6, 0x2D1},     {0x2E0, 0x2E4},
    {0x2EC, 0x2EC},     {0x2EE, 0x2EE},     {0x370, 0x374},     {0x376, 0x377},     {0x37A, 0x37D},
    {0x37F, 0x37F},     {0x386, 0x386},     {0x388, 0x3F5},     {0x3F7, 0x481},     {0x48A, 0x52F},
    {0x531, 0x556},     {0x559, 0x559},     {0x560, 0x588},     {0x5D0, 0x5EA},     {0x5EF, 0x5F2},
    {0x620, 0x64A},     {0x66E, 0x66F},     {0x671, 0x6D3},     {0x6D5, 0x6D5},     {0x6E5, 0x6E6},
    {0x6EE, 0x6EF},     {0x6FA, 0x6FC},     {0x6FF, 0x6FF},     {0x904, 0x939},     {0x93D, 0x93D},
    {0x950, 0x950},     {0x958, 0x961},     {0x971, 0x980},     {0xE01, 0xE30},     {0xE32, 0xE33},
    {0xE40, 0xE46},     {0x10A0, 0x10FA},   {0x10FC, 0x10FF},   {0x1100, 0x11FF},   {0x1E00, 0x1FBC},
    {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FCC},   {0x1FD0, 0x1FDB},   {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FFC},
    {0x2071, 0x2071},   {0x207F, 0x207F},   {0x2090, 0x209C},   {0x2C00, 0x2CE4},   {0x3005, 0x3006},
    {0x3031, 0x3035},   {0x3041, 0x3096},   {0x309D, 0x309F},   {0x30A1, 0x30FA},   {0x30FC, 0x30FF},
    {0x3105, 0x312F},   {0x3131, 0x318E},   {0x31A0, 0x31BF},   {0x31F0, 0x31FF},   {0x3400, 0x4DBF},
    {0x4E00, 0x9FFF},   {0xA000, 0xA48C},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFB00, 0xFB06},
    {0xFF21, 0xFF3A},   {0xFF41, 0xFF5A},   {0xFF66, 0xFFBE},   {0xFFC2, 0xFFDC},   {0x20000, 0x2FA1F},
};

const Range kNumbers[] = {
    {0x30, 0x39},     {0xB2, 0xB3},     {0xB9, 0xB9},     {0xBC, 0xBE},     {0x660, 0x669},
    {0x6F0, 0x6F9},   {0x966, 0x96F},   {0xE50, 0xE59},   {0x2070, 0x2070}, {0x2074, 0x2079},
    {0x2080, 0x2089}, {0x2150, 0x2182}, {0x2185, 0x2189}, {0x2460, 0x249B}, {0x24EA, 0x24FF},
    {0x2776, 0x2793}, {0x3007, 0x3007}, {0x3021, 0x3029}, {0x3038, 0x303A}, {0x3192, 0x3195},
    {0x3220, 0x3229}, {0x3248, 0x324F}, {0x3251, 0x325F}, {0x3280, 0x3289}, {0x32B1, 0x32BF},
    {0xFF10, 0xFF19},
};

bool isLetter(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return inRanges(c, kLetters, sizeof(kLetters) / sizeof(kLetters[0]));
}

bool isNumber(char32_t c) {
    if (c < 0x80) return c >= '0' && c <= '9';
    return inRanges(c, kNumbers, sizeof(kNumbers) / sizeof(kNumbers[0]));
}

// Python's str.lower() for the cased scripts in the letter table.
char32_t toLower(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130) return 'i';  // Python gives "i̇"; the dot is dropped here
        if (c == 0x178) return 0xFF;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
        return (c % 2 == 0) ? c + 1 : c;
    }
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
        return (c % 2 == 0) ? c + 1 : c;
    if (c == 0x4C0) return 0x4CF;
    if (c >= 0x4C1 && c <= 0x4CE) return (c % 2 == 1) ? c + 1 : c;
    if (c >= 0x531 && c <= 0x556) return c + 48;
    if (c >= 0x1E00 && c <= 0x1EFF && c != 0x1E9E && !(c >= 0x1E96 && c <= 0x1E9F)) return (c % 2 == 0) ? c + 1 : c;
    if (c == 0x1E9E) return 0xDF;
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
    return c;
}

// ---- files -------------------------------------------------------------------------

bool fileExists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string readPlain(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "cannot open the tokenizer file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// gzread also reads an uncompressed file transparently.
std::string readGzip(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw Error(path, "cannot open the BPE vocabulary");
    std::string out;
    char buf[1 << 16];
    for (;;) {
        const int n = gzread(f, buf, sizeof buf);
        if (n < 0) {
            int code = 0;
            const std::string msg = gzerror(f, &code);
            gzclose(f);
            throw Error(path, "cannot decompress: " + msg);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > (size_t(256) << 20)) {
            gzclose(f);
            throw Error(path, "decompresses to more than 256 MB; not a BPE vocabulary");
        }
    }
    gzclose(f);
    return out;
}

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= text.size()) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(start, nl - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
        start = nl + 1;
    }
    return lines;
}

std::pair<std::string, std::string> parseMerge(const std::string& line, size_t lineNo, const std::string& path) {
    std::istringstream is(line);
    std::string a, b, extra;
    if (!(is >> a >> b) || (is >> extra))
        throw Error(path, "line " + std::to_string(lineNo) + " is not a merge of two symbols: \"" +
                              line.substr(0, 60) + "\"");
    return {a, b};
}

// pad_token is either a string or an AddedToken object {"content": ...}.
bool tokenText(const nlohmann::json& j, const char* key, std::string& out) {
    const auto it = j.find(key);
    if (it == j.end()) return false;
    if (it->is_string()) {
        out = it->get<std::string>();
        return true;
    }
    if (it->is_object()) {
        const auto c = it->find("content");
        if (c != it->end() && c->is_string()) {
            out = c->get<std::string>();
            return true;
        }
    }
    return false;
}

nlohmann::json readJsonObject(const std::string& path) {
    const nlohmann::json j = parseJson(readPlain(path), path);
    if (!j.is_object()) throw Error(path, "is not a JSON object");
    return j;
}

}  // namespace

// ---- public text helpers -----------------------------------------------------------

std::string lowercaseUtf8(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) appendUtf8(out, toLower(decodeUtf8(text, i)));
    return out;
}

std::vector<std::string> alphanumericRuns(const std::string& text) {
    std::vector<std::string> runs;
    std::string current;
    for (size_t i = 0; i < text.size();) {
        const char32_t c = decodeUtf8(text, i);
        if (isLetter(c) || isNumber(c)) {
            appendUtf8(current, toLower(c));
        } else if (!current.empty()) {
            runs.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) runs.push_back(std::move(current));
    return runs;
}

std::string BpeTokenizer::cleanText(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    bool pendingSpace = false;
    for (size_t i = 0; i < text.size();) {
        const char32_t c = decodeUtf8(text, i);
        if (isSpace(c)) {
            pendingSpace = !out.empty();
            continue;
        }
        if (pendingSpace) out += ' ';
        pendingSpace = false;
        appendUtf8(out, toLower(c));
    }
    return out;
}

std::vector<std::string> BpeTokenizer::splitWords(const std::string& cleaned) {
    const std::u32string s = decodeAll(cleaned);
    std::vector<std::string> words;
    auto startsWith = [&](size_t i, const char* lit) {
        for (size_t k = 0; lit[k]; ++k)
            if (i + k >= s.size() || s[i + k] != static_cast<char32_t>(static_cast<unsigned char>(lit[k])))
                return false;
        return true;
    };
    auto emit = [&](size_t b, size_t e) {
        std::string w;
        for (size_t k = b; k < e; ++k) appendUtf8(w, s[k]);
        words.push_back(std::move(w));
    };
    // The alternatives of CLIP's pattern, tried in order at each position; the first one
    // that matches wins (regex alternation, not longest match).
    static const char* const kContractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    size_t i = 0;
    while (i < s.size()) {
        const char32_t c = s[i];
        size_t len = 0;
        if (startsWith(i, kStart)) {
            len = std::char_traits<char>::length(kStart);
        } else if (startsWith(i, kEnd)) {
            len = std::char_traits<char>::length(kEnd);
        } else if (c == '\'') {
            for (const char* k : kContractions)
                if (startsWith(i, k)) {
                    len = std::char_traits<char>::length(k);
                    break;
                }
        }
        if (len == 0) {
            if (isLetter(c)) {
                size_t j = i;
                while (j < s.size() && isLetter(s[j])) ++j;
                len = j - i;
            } else if (isNumber(c)) {
                len = 1;
            } else if (!isSpace(c)) {
                size_t j = i;
                while (j < s.size() && !isSpace(s[j]) && !isLetter(s[j]) && !isNumber(s[j])) ++j;
                len = j - i;
            }
        }
        if (len == 0) {
            ++i;  // whitespace between pieces
            continue;
        }
        emit(i, i + len);
        i += len;
    }
    return words;
}

// ---- construction ------------------------------------------------------------------

BpeTokenizer::BpeTokenizer(BpeTokenizer&&) noexcept = default;
BpeTokenizer& BpeTokenizer::operator=(BpeTokenizer&&) noexcept = default;
BpeTokenizer::~BpeTokenizer() = default;

void BpeTokenizer::build(const std::vector<std::pair<std::string, std::string>>& merges,
                         std::unordered_map<std::string, int64_t> vocab, const std::string& source) {
    // GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others are
    // shifted to U+0100.. so that no token contains whitespace or control characters.
    std::vector<int> order;
    for (int b = '!'; b <= '~'; ++b) order.push_back(b);
    for (int b = 0xA1; b <= 0xAC; ++b) order.push_back(b);
    for (int b = 0xAE; b <= 0xFF; ++b) order.push_back(b);
    std::vector<bool> printable(256, false);
    for (int b : order) printable[b] = true;
    std::vector<char32_t> code(256);
    for (int b : order) code[b] = static_cast<char32_t>(b);
    int n = 0;
    for (int b = 0; b < 256; ++b)
        if (!printable[b]) {
            order.push_back(b);
            code[b] = static_cast<char32_t>(256 + n++);
        }
    for (int b = 0; b < 256; ++b) {
        byteEncoder_[b].clear();
        appendUtf8(byteEncoder_[b], code[b]);
        byteDecoder_[byteEncoder_[b]] = static_cast<unsigned char>(b);
    }

    if (vocab.empty()) {
        // openai/CLIP: bytes, bytes + "</w>", one token per merge, then the two specials.
        std::vector<std::string> list;
        for (int b : order) list.push_back(byteEncoder_[b]);
        for (int b : order) list.push_back(byteEncoder_[b] + "</w>");
        for (const auto& [a, b] : merges) list.push_back(a + b);
        list.push_back(kStart);
        list.push_back(kEnd);
        // Python's dict(zip(vocab, range)) keeps the last id of a repeated token.
        for (size_t k = 0; k < list.size(); ++k) vocab[list[k]] = static_cast<int64_t>(k);
    }

    int64_t maxId = -1;
    for (const auto& [tok, id] : vocab) {
        if (id < 0 || id >= 10'000'000) throw Error(source, "token \"" + tok + "\" has id " + std::to_string(id) + " out of range");
        maxId = std::max(maxId, id);
    }
    decoder_.assign(static_cast<size_t>(maxId + 1), std::string());
    std::vector<bool> seen(decoder_.size(), false);
    for (const auto& [tok, id] : vocab) {
        if (seen[id]) throw Error(source, "two tokens share id " + std::to_string(id));
        seen[id] = true;
        decoder_[id] = tok;
    }
    // Every symbol BPE can produce must have an id, so that encode() can never fail.
    for (int b = 0; b < 256; ++b)
        for (const std::string& sym : {byteEncoder_[b], byteEncoder_[b] + "</w>"})
            if (!vocab.count(sym)) throw Error(source, "the vocabulary lacks the byte token \"" + sym + "\"");
    ranks_.clear();
    for (size_t r = 0; r < merges.size(); ++r) {
        const auto& [a, b] = merges[r];
        if (!vocab.count(a + b))
            throw Error(source, "merge " + std::to_string(r + 1) + " (\"" + a + " " + b +
                                    "\") yields a token missing from the vocabulary");
        ranks_.emplace(a + " " + b, static_cast<int>(r));
    }
    for (const char* special : {kStart, kEnd})
        if (!vocab.count(special)) throw Error(source, std::string("the vocabulary lacks ") + special);
    encoder_ = std::move(vocab);
    startId_ = encoder_.at(kStart);
    endId_ = encoder_.at(kEnd);
    padId_ = endId_;
    maxLength_ = 77;
    cacheMutex_ = std::make_unique<std::mutex>();
    cache_.clear();
}

BpeTokenizer BpeTokenizer::fromBpeFile(const std::string& path) {
    const std::vector<std::string> lines = splitLines(readGzip(path));
    // Line 0 is a version comment; CLIP then takes exactly kClipMerges lines.
    if (lines.size() < kClipMerges + 1)
        throw Error(path, "has " + std::to_string(lines.size()) + " lines; a CLIP BPE vocabulary has at least " +
                              std::to_string(kClipMerges + 1));
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(kClipMerges);
    for (size_t k = 1; k <= kClipMerges; ++k) merges.push_back(parseMerge(lines[k], k + 1, path));
    BpeTokenizer t;
    t.build(merges, {}, path);
    return t;
}

BpeTokenizer BpeTokenizer::fromVocabAndMerges(const std::string& vocabJson, const std::string& mergesTxt) {
    const nlohmann::json v = readJsonObject(vocabJson);
    std::unordered_map<std::string, int64_t> vocab;
    vocab.reserve(v.size());
    for (const auto& [tok, id] : v.items()) {
        if (!id.is_number_integer())
            throw Error(vocabJson, "the id of token \"" + tok + "\" is not an integer");
        vocab.emplace(tok, id.get<int64_t>());
    }
    std::vector<std::string> lines = splitLines(readPlain(mergesTxt));
    size_t first = (!lines.empty() && lines[0].rfind("#version", 0) == 0) ? 1 : 0;
    std::vector<std::pair<std::string, std::string>> merges;
    for (size_t k = first; k < lines.size() && merges.size() < kClipMerges; ++k) {
        if (lines[k].empty()) continue;
        merges.push_back(parseMerge(lines[k], k + 1, mergesTxt));
    }
    BpeTokenizer t;
    t.build(merges, std::move(vocab), vocabJson);
    return t;
}

BpeTokenizer BpeTokenizer::fromDirectory(const std::string& dir) {
    const std::string vocab = dir + "/vocab.json", merges = dir + "/merges.txt",
                      gz = dir + "/bpe_simple_vocab_16e6.txt.gz";
    BpeTokenizer t = [&] {
        if (fileExists(vocab) && fileExists(merges)) return fromVocabAndMerges(vocab, merges);
        if (fileExists(gz)) return fromBpeFile(gz);
        throw Error(dir, "holds neither vocab.json + merges.txt nor bpe_simple_vocab_16e6.txt.gz");
    }();
    // transformers lets special_tokens_map.json override tokenizer_config.json.
    std::string pad;
    bool havePad = false;
    for (const std::string name : {"tokenizer_config.json", "special_tokens_map.json"}) {
        const std::string path = dir + "/" + name;
        if (!fileExists(path)) continue;
        const nlohmann::json j = readJsonObject(path);
        std::string p;
        if (tokenText(j, "pad_token", p)) {
            pad = p;
            havePad = true;
            if (t.tokenId(pad) < 0) throw Error(path, "pad_token \"" + pad + "\" is not in the vocabulary");
        }
        const auto len = j.find("model_max_length");
        // Unset lengths are written as a huge float (1e30); only real limits count.
        if (len != j.end() && len->is_number_integer()) {
            const int64_t l = len->get<int64_t>();
            if (l >= 2 && l <= 100000) t.setMaxLength(static_cast<int>(l));
        }
    }
    if (havePad) t.setPadId(t.tokenId(pad));
    return t;
}

void BpeTokenizer::setPadId(int64_t id) {
    if (id < 0 || id >= static_cast<int64_t>(decoder_.size()))
        throw Error("BPE tokenizer", "pad id " + std::to_string(id) + " is outside the vocabulary");
    padId_ = id;
}

void BpeTokenizer::setMaxLength(int length) {
    if (length < 2) throw Error("BPE tokenizer", "a context of " + std::to_string(length) + " tokens cannot hold start and end");
    maxLength_ = length;
}

int64_t BpeTokenizer::tokenId(const std::string& token) const {
    const auto it = encoder_.find(token);
    return it == encoder_.end() ? -1 : it->second;
}

// ---- BPE ---------------------------------------------------------------------------

std::vector<std::string> BpeTokenizer::bpe(const std::string& word) const {
    if (word == kStart || word == kEnd) return {word};
    {
        std::lock_guard<std::mutex> lock(*cacheMutex_);
        const auto it = cache_.find(word);
        if (it != cache_.end()) return it->second;
    }
    std::vector<std::string> symbols;
    for (size_t i = 0; i < word.size();) {
        const size_t b = i;
        decodeUtf8(word, i);
        symbols.push_back(word.substr(b, i - b));
    }
    if (symbols.empty()) return {};
    symbols.back() += "</w>";

    while (symbols.size() > 1) {
        int best = INT_MAX;
        size_t at = 0;
        for (size_t k = 0; k + 1 < symbols.size(); ++k) {
            const auto r = ranks_.find(symbols[k] + " " + symbols[k + 1]);
            if (r != ranks_.end() && r->second < best) {
                best = r->second;
                at = k;
            }
        }
        if (best == INT_MAX) break;
        const std::string first = symbols[at], second = symbols[at + 1];
        // Merge every non-overlapping occurrence left to right, as CLIP does.
        std::vector<std::string> merged;
        merged.reserve(symbols.size());
        for (size_t k = 0; k < symbols.size();) {
            if (k + 1 < symbols.size() && symbols[k] == first && symbols[k + 1] == second) {
                merged.push_back(first + second);
                k += 2;
            } else {
                merged.push_back(symbols[k]);
                ++k;
            }
        }
        symbols.swap(merged);
    }
    std::lock_guard<std::mutex> lock(*cacheMutex_);
    if (cache_.size() >= kCacheLimit) cache_.clear();
    cache_.emplace(word, symbols);
    return symbols;
}

std::vector<int64_t> BpeTokenizer::tokenize(const std::string& text) const {
    std::vector<int64_t> ids;
    for (const std::string& piece : splitWords(cleanText(text))) {
        std::string encoded;
        for (unsigned char b : piece) encoded += byteEncoder_[b];
        for (const std::string& sym : bpe(encoded)) ids.push_back(encoder_.at(sym));
    }
    return ids;
}

std::vector<int64_t> BpeTokenizer::encode(const std::string& text, bool pad) const {
    std::vector<int64_t> tokens = tokenize(text);
    const size_t room = static_cast<size_t>(maxLength_) - 2;
    if (tokens.size() > room) tokens.resize(room);
    std::vector<int64_t> ids;
    ids.reserve(maxLength_);
    ids.push_back(startId_);
    ids.insert(ids.end(), tokens.begin(), tokens.end());
    ids.push_back(endId_);
    if (pad) ids.resize(static_cast<size_t>(maxLength_), padId_);
    return ids;
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids) const {
    std::string bytes;
    for (int64_t id : ids) {
        if (id < 0 || id >= static_cast<int64_t>(decoder_.size()) || decoder_[id].empty())
            throw Error("BPE tokenizer", "id " + std::to_string(id) + " is not in the vocabulary");
        if (id == startId_) continue;
        if (id == endId_) break;  // what follows is padding
        std::string tok = decoder_[id];
        bool endOfWord = false;
        if (tok.size() >= 4 && tok.compare(tok.size() - 4, 4, "</w>") == 0) {
            tok.resize(tok.size() - 4);
            endOfWord = true;
        }
        for (size_t i = 0; i < tok.size();) {
            const size_t b = i;
            decodeUtf8(tok, i);
            const auto it = byteDecoder_.find(tok.substr(b, i - b));
            if (it != byteDecoder_.end()) bytes += static_cast<char>(it->second);
        }
        if (endOfWord) bytes += ' ';
    }
    while (!bytes.empty() && bytes.back() == ' ') bytes.pop_back();
    return bytes;
}

}  // namespace ld
