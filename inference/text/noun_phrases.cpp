#include "inference/text/noun_phrases.h"

#include "core/ascii_lower.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace ld {

namespace {

struct Word {
    std::string text, lower;
    size_t begin, end;
    bool punctBefore;  // a comma, full stop, ... separates it from the previous word
};

const std::unordered_set<std::string>& determiners() {
    static const std::unordered_set<std::string> s{
        "a", "an", "the", "this", "these", "those", "some", "his", "her", "their", "its", "my", "our", "your",
        "several", "many", "few", "each", "every", "another", "other", "one", "two", "three", "four", "five",
        "six", "seven", "eight", "nine", "ten", "both", "all", "no", "any", "lots", "lot"};
    return s;
}

// Words that end a noun phrase and never start one.
const std::unordered_set<std::string>& breakers() {
    static const std::unordered_set<std::string> s{
        // verbs and auxiliaries
        "is", "are", "was", "were", "be", "been", "am", "can", "could", "will", "would", "may", "might", "must",
        "should", "see", "seen", "saw", "look", "looks", "appear", "appears", "has", "have", "had", "do", "does",
        "did", "kept", "made", "stands", "sits", "holds", "wears", "wear", "hold", "stand", "sit", "lies", "lie",
        "placed", "put", "seems", "find", "there", "here",
        // pronouns and relatives
        "i", "we", "you", "he", "she", "it", "they", "me", "us", "him", "them", "which", "who", "whom", "whose",
        "where", "when", "that", "what", "itself", "themselves", "something",
        // prepositions and conjunctions
        "in", "of", "on", "at", "to", "from", "into", "onto", "inside", "outside", "near", "behind", "beside", "besides",
        "between", "under", "below", "above", "over", "across", "through", "around", "along", "against", "among",
        "towards", "toward", "with", "without", "by", "for", "about", "like", "beyond", "after", "before", "during",
        "upon", "within", "and", "or", "but", "so", "while", "as", "if", "then", "than", "also", "too", "very",
        "just", "only", "not", "top", "beneath", "underneath", "next", "front"};
    return s;
}

// Nouns ending in -ing / -ed that the verb heuristic must not break on.
const std::unordered_set<std::string>& nounExceptions() {
    static const std::unordered_set<std::string> s{
        "building", "ceiling", "painting", "clothing", "railing", "thing", "string", "wing", "swing", "ring",
        "king", "awning", "bedding", "icing", "pudding", "sibling", "sapling", "wedding", "evening", "morning",
        "crossing", "parking", "ping", "spring", "lightning", "red", "bed", "shed", "sled", "colored", "coloured",
        "striped", "dotted", "spotted", "checkered", "wooden", "seed", "weed", "steed", "sled", "reed"};
    return s;
}

// The picture itself and places in it: phrases headed by these are not regions.
const std::unordered_set<std::string>& metaNouns() {
    static const std::unordered_set<std::string> s{"image", "picture", "photo", "photograph", "pic", "left", "right",
                                                   "bottom", "middle", "center", "centre", "background",
                                                   "foreground", "side", "corner", "view", "scene"};
    return s;
}

// Determiners that take an "of"-phrase on their own: "lots of people", "two of them".
bool isQuantifier(const std::string& w) {
    return determiners().count(w) && w != "a" && w != "an" && w != "the" && w != "this" && w != "these" &&
           w != "those" && w != "his" && w != "her" && w != "their" && w != "its" && w != "my" && w != "our" &&
           w != "your" && w != "no";
}

std::string singularish(const std::string& w) {
    if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's') return w.substr(0, w.size() - 1);
    return w;
}

bool isVerbLike(const std::string& w) {
    const std::string s = singularish(w);
    if (nounExceptions().count(w) || nounExceptions().count(s)) return false;
    auto ends = [&](const char* suffix, size_t minLen) {
        const size_t n = std::char_traits<char>::length(suffix);
        return w.size() >= minLen && w.compare(w.size() - n, n, suffix) == 0;
    };
    return ends("ing", 5) || ends("ed", 5);
}

std::vector<Word> split(const std::string& text) {
    std::vector<Word> words;
    bool punct = false;
    size_t i = 0;
    while (i < text.size()) {
        const unsigned char c = text[i];
        const bool wordChar = std::isalnum(c) || c >= 0x80 || c == '-' || c == '\'';
        if (!wordChar) {
            if (!std::isspace(c)) punct = true;
            ++i;
            continue;
        }
        size_t j = i;
        while (j < text.size()) {
            const unsigned char d = text[j];
            if (!(std::isalnum(d) || d >= 0x80 || d == '-' || d == '\'')) break;
            ++j;
        }
        Word w{text.substr(i, j - i), {}, i, j, punct};
        // Trim quotes and dashes that are punctuation, not part of the word.
        while (!w.text.empty() && (w.text.front() == '\'' || w.text.front() == '-')) {
            w.text.erase(0, 1);
            ++w.begin;
        }
        while (!w.text.empty() && (w.text.back() == '\'' || w.text.back() == '-')) {
            w.text.pop_back();
            --w.end;
        }
        if (!w.text.empty()) {
            w.lower = asciiLower(w.text);
            words.push_back(w);
        }
        punct = false;
        i = j;
    }
    return words;
}

bool canContinue(const Word& w) {
    return !breakers().count(w.lower) && !isVerbLike(w.lower) && !determiners().count(w.lower);
}

std::string headOf(const std::string& word) {
    std::string h = word;
    if (h.size() > 2 && h.compare(h.size() - 2, 2, "'s") == 0) h.resize(h.size() - 2);
    return singularish(h);
}

}  // namespace

std::vector<NounPhrase> chunkNounPhrases(const std::string& caption) {
    const std::vector<Word> words = split(caption);
    std::vector<std::pair<size_t, size_t>> spans;  // word index ranges [first, last]
    size_t i = 0;
    while (i < words.size()) {
        const Word& w = words[i];
        const bool det = determiners().count(w.lower) > 0;
        if (!det && !canContinue(w)) {
            ++i;
            continue;
        }
        size_t first = i, last = i;
        size_t j = i + 1;
        bool content = !det;
        for (;;) {
            // Content words (adjectives, nouns), not across punctuation.
            while (j < words.size() && !words[j].punctBefore && canContinue(words[j])) {
                last = j++;
                content = true;
                if (metaNouns().count(headOf(words[last].lower))) break;
            }
            // A meta noun ends the phrase: "this picture deity players" is two phrases.
            if (content && metaNouns().count(headOf(words[last].lower))) break;
            // "of" + a noun phrase continues it ("a group of people", "a cup of tea").
            if ((content || isQuantifier(w.lower)) && j + 1 < words.size() && words[j].lower == "of" && !words[j].punctBefore &&
                !words[j + 1].punctBefore && (determiners().count(words[j + 1].lower) || canContinue(words[j + 1]))) {
                j += 1;
                if (determiners().count(words[j].lower)) ++j;
                if (j < words.size() && !words[j].punctBefore && canContinue(words[j])) continue;
                break;
            }
            break;
        }
        if (content) spans.emplace_back(first, last);
        i = std::max(j, last + 1);
    }

    std::vector<NounPhrase> out;
    for (auto [first, last] : spans) {
        // Drop phrases about the picture or a position in it.
        const std::string head = headOf(words[last].lower);
        if (metaNouns().count(head)) continue;
        const size_t start = first;
        NounPhrase p;
        p.begin = words[start].begin;
        p.end = words[last].end;
        for (size_t k = start; k <= last; ++k) p.text += (k > start ? " " : "") + words[k].text;
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<std::string> nounPhrases(const std::string& caption) {
    std::vector<std::string> out;
    for (auto& p : chunkNounPhrases(caption)) out.push_back(std::move(p.text));
    return out;
}

}  // namespace ld

