#include "inference/text/phrase_vocabulary.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "inference/text/bpe_tokenizer.h"
#include "inference/io/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <unordered_set>

namespace ld {

namespace {

const char* const kFormat = "labeldiff-phrase-vocabulary";
const char* const kSpecials[] = {"<pad>", "<unk>", "<bos>", "<eos>"};
constexpr int kMaxMaxLength = 4096;

bool endsWith(const std::string& s, const char* suffix) {
    const std::string x(suffix);
    return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

std::string dropSuffix(const std::string& s, size_t n) { return s.substr(0, s.size() - n); }

const std::unordered_map<std::string, std::string>& irregular() {
    static const std::unordered_map<std::string, std::string> m = {
        {"people", "person"},     {"children", "child"},      {"men", "man"},           {"women", "woman"},
        {"feet", "foot"},         {"teeth", "tooth"},         {"geese", "goose"},       {"mice", "mouse"},
        {"lice", "louse"},        {"oxen", "ox"},             {"leaves", "leaf"},       {"knives", "knife"},
        {"wives", "wife"},        {"lives", "life"},          {"shelves", "shelf"},     {"halves", "half"},
        {"wolves", "wolf"},       {"calves", "calf"},         {"loaves", "loaf"},       {"thieves", "thief"},
        {"scarves", "scarf"},     {"elves", "elf"},           {"selves", "self"},       {"dwarves", "dwarf"},
        {"hooves", "hoof"},       {"indices", "index"},       {"vertices", "vertex"},   {"matrices", "matrix"},
        {"appendices", "appendix"}, {"axes", "axis"},         {"analyses", "analysis"}, {"criteria", "criterion"},
        {"phenomena", "phenomenon"}, {"cacti", "cactus"},     {"fungi", "fungus"},      {"nuclei", "nucleus"},
        {"radii", "radius"},      {"buses", "bus"},           {"busses", "bus"},        {"gases", "gas"},
        {"lenses", "lens"},       {"canvases", "canvas"},     {"statuses", "status"},   {"viruses", "virus"},
        {"bonuses", "bonus"},     {"campuses", "campus"},     {"octopuses", "octopus"}, {"cactuses", "cactus"},
        {"atlases", "atlas"},     {"irises", "iris"},         {"quizzes", "quiz"},      {"movies", "movie"},
        {"cookies", "cookie"},    {"zombies", "zombie"},      {"calories", "calorie"},  {"brownies", "brownie"},
        {"pies", "pie"},          {"ties", "tie"},            {"lies", "lie"},          {"toes", "toe"},
        {"tiptoes", "tiptoe"},    {"canoes", "canoe"},        {"hoes", "hoe"},          {"oboes", "oboe"},
        {"niches", "niche"},      {"caches", "cache"},        {"aches", "ache"},        {"headaches", "headache"},
        {"mustaches", "mustache"}, {"moustaches", "moustache"}, {"avalanches", "avalanche"},
        {"menus", "menu"},        {"taxis", "taxi"},          {"kiwis", "kiwi"},        {"skis", "ski"},
        {"bikinis", "bikini"},    {"gurus", "guru"},          {"emus", "emu"},          {"tutus", "tutu"},
    };
    return m;
}

// Words whose plural looks the same, or that only look plural.
const std::unordered_set<std::string>& invariant() {
    static const std::unordered_set<std::string> s = {
        "species", "series", "news", "sheep", "deer", "fish", "aircraft", "means", "physics",
        "mathematics", "lens", "chassis", "corps", "scissors", "trousers", "pants", "jeans",
        "clothes", "shorts", "data", "gas", "bus", "this", "its", "his", "was", "has", "does",
    };
    return s;
}

bool isAsciiLowerWord(const std::string& w) {
    return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

}  // namespace

std::string PhraseVocabulary::singular(const std::string& word) {
    // Rules are for English words only: digits ("3d"), other scripts and short words
    // stay as they are.
    if (!isAsciiLowerWord(word) || word.size() <= 3) {
        const auto it = irregular().find(word);
        return it != irregular().end() ? it->second : word;
    }
    if (invariant().count(word)) return word;
    if (const auto it = irregular().find(word); it != irregular().end()) return it->second;
    // Compounds of the irregular plurals: firemen, salespeople, grandchildren, horseshoes.
    if (endsWith(word, "women")) return dropSuffix(word, 5) + "woman";
    if (endsWith(word, "men") && word.size() > 5) {
        static const std::unordered_set<std::string> notPlural = {"abdomen", "specimen", "stamen", "regimen", "hymen",
                                                                   "semen"};
        if (!notPlural.count(word)) return dropSuffix(word, 3) + "man";
        return word;
    }
    if (endsWith(word, "people")) return dropSuffix(word, 6) + "person";
    if (endsWith(word, "children")) return dropSuffix(word, 8) + "child";
    if (endsWith(word, "shoes")) return dropSuffix(word, 1);
    if (endsWith(word, "ss") || endsWith(word, "us") || endsWith(word, "is")) return word;
    if (endsWith(word, "ies")) return word.size() > 4 ? dropSuffix(word, 3) + "y" : dropSuffix(word, 1);
    if (endsWith(word, "sses") || endsWith(word, "shes") || endsWith(word, "ches") || endsWith(word, "xes") ||
        endsWith(word, "zzes") || endsWith(word, "oes"))
        return dropSuffix(word, 2);
    if (endsWith(word, "s")) return dropSuffix(word, 1);
    return word;
}

std::vector<std::string> PhraseVocabulary::words(const std::string& phrase) {
    std::vector<std::string> out = alphanumericRuns(phrase);
    for (auto& w : out) w = singular(w);
    return out;
}

PhraseVocabulary::PhraseVocabulary(std::vector<std::string> tokens, int maxLength, const std::string& source)
    : tokens_(std::move(tokens)), maxLength_(maxLength) {
    if (maxLength_ < 3 || maxLength_ > kMaxMaxLength)
        throw Error(source, "max_length " + std::to_string(maxLength_) + " is outside 3.." +
                                std::to_string(kMaxMaxLength) + " (it counts <bos> and <eos>)");
    if (tokens_.size() < 4) throw Error(source, "the vocabulary lacks the four special tokens");
    for (int k = 0; k < 4; ++k)
        if (tokens_[k] != kSpecials[k])
            throw Error(source, "token " + std::to_string(k) + " must be " + kSpecials[k] + ", not \"" + tokens_[k] + "\"");
    for (size_t k = 0; k < tokens_.size(); ++k) {
        if (tokens_[k].empty()) throw Error(source, "token " + std::to_string(k) + " is empty");
        if (!ids_.emplace(tokens_[k], static_cast<int64_t>(k)).second)
            throw Error(source, "token \"" + tokens_[k] + "\" appears twice");
    }
}

PhraseVocabulary PhraseVocabulary::build(const std::vector<std::string>& phrases, int maxLength) {
    std::set<std::string> unique;
    for (const auto& p : phrases)
        for (auto& w : words(p)) unique.insert(std::move(w));
    std::vector<std::string> tokens(std::begin(kSpecials), std::end(kSpecials));
    for (const auto& w : unique)
        if (std::find(tokens.begin(), tokens.end(), w) == tokens.end()) tokens.push_back(w);
    return PhraseVocabulary(std::move(tokens), maxLength, "phrase vocabulary");
}

int64_t PhraseVocabulary::id(const std::string& word) const {
    const auto it = ids_.find(word);
    return it == ids_.end() ? kUnk : it->second;
}

const std::string& PhraseVocabulary::token(int64_t id) const {
    if (id < 0 || id >= static_cast<int64_t>(tokens_.size()))
        throw Error("phrase vocabulary", "id " + std::to_string(id) + " is outside the " +
                                             std::to_string(tokens_.size()) + "-token vocabulary");
    return tokens_[static_cast<size_t>(id)];
}

std::vector<int64_t> PhraseVocabulary::encode(const std::string& phrase) const {
    std::vector<int64_t> ids;
    ids.reserve(static_cast<size_t>(maxLength_));
    ids.push_back(kBos);
    for (const auto& w : words(phrase)) {
        if (static_cast<int>(ids.size()) >= maxLength_ - 1) break;
        // A word that happens to spell a special token ("<unk>" cannot: brackets split)
        // is looked up like any other.
        ids.push_back(id(w));
    }
    ids.push_back(kEos);
    ids.resize(static_cast<size_t>(maxLength_), kPad);
    return ids;
}

int PhraseVocabulary::length(const std::string& phrase) const {
    const size_t n = words(phrase).size();
    return static_cast<int>(std::min<size_t>(n, static_cast<size_t>(maxLength_ - 2))) + 2;
}

std::string PhraseVocabulary::normalized(const std::string& phrase) const {
    std::string out;
    for (const auto& w : words(phrase)) {
        if (!out.empty()) out += ' ';
        out += ids_.count(w) ? w : std::string(kSpecials[kUnk]);
    }
    return out;
}

nlohmann::json PhraseVocabulary::toJson() const {
    return nlohmann::json{{"format", kFormat}, {"version", 1}, {"max_length", maxLength_}, {"tokens", tokens_}};
}

PhraseVocabulary PhraseVocabulary::fromJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object()) throw Error(source, "a phrase vocabulary must be a JSON object");
    const auto format = j.find("format");
    if (format == j.end() || !format->is_string() || format->get<std::string>() != kFormat)
        throw Error(source, std::string("\"format\" must be \"") + kFormat + "\"");
    const auto version = j.find("version");
    if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() != 1)
        throw Error(source, "unsupported \"version\" (this build reads version 1)");
    const auto len = j.find("max_length");
    if (len == j.end() || !len->is_number_integer()) throw Error(source, "\"max_length\" must be an integer");
    const int64_t maxLength = len->get<int64_t>();
    if (maxLength < 3 || maxLength > kMaxMaxLength)
        throw Error(source, "max_length " + std::to_string(maxLength) + " is outside 3.." + std::to_string(kMaxMaxLength));
    const auto toks = j.find("tokens");
    if (toks == j.end() || !toks->is_array()) throw Error(source, "\"tokens\" must be an array of strings");
    std::vector<std::string> tokens;
    tokens.reserve(toks->size());
    for (const auto& t : *toks) {
        if (!t.is_string()) throw Error(source, "token " + std::to_string(tokens.size()) + " is not a string");
        tokens.push_back(t.get<std::string>());
    }
    return PhraseVocabulary(std::move(tokens), static_cast<int>(maxLength), source);
}

void PhraseVocabulary::save(const std::string& path) const { writeFileAtomic(path, toJson().dump(1, '\t') + "\n"); }

PhraseVocabulary PhraseVocabulary::load(const std::string& path) {
    return fromJson(parseJsonRejectingDuplicates(readFile(path), path), path);
}

}  // namespace ld
