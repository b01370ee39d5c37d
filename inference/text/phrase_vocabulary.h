#pragma once
// The tokenizer of the small from-scratch text encoder: a word vocabulary built from the
// training phrases (class names such as "balcony-fence"), so that "Windows", "window" and
// "WINDOW" give the same id and a word never seen in training gives <unk>, not garbage.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ld {

class PhraseVocabulary {
public:
    // Fixed ids: every vocabulary starts with these four tokens in this order.
    static constexpr int64_t kPad = 0;
    static constexpr int64_t kUnk = 1;
    static constexpr int64_t kBos = 2;
    static constexpr int64_t kEos = 3;
    static constexpr int kDefaultMaxLength = 16;

    // Words of every phrase (normalized by words()), specials first, then sorted, so that
    // the same phrases always give the same ids. maxLength counts <bos> and <eos> (>= 3).
    static PhraseVocabulary build(const std::vector<std::string>& phrases, int maxLength = kDefaultMaxLength);

    // Lower case, split on anything not a letter or digit (UTF-8 letters stay in words),
    // each word singularised.
    static std::vector<std::string> words(const std::string& phrase);
    // A simple English singulariser: windows->window, boxes->box, buses->bus,
    // people->person, children->child, leaves->leaf; words it does not know keep their
    // form when that form is not plural-looking (glass, bus, species).
    static std::string singular(const std::string& word);

    // [<bos>, word ids..., <eos>, <pad>...] of exactly maxLength() ids; a long phrase is
    // truncated keeping <eos>.
    std::vector<int64_t> encode(const std::string& phrase) const;
    // Number of non-pad ids encode() gives for `phrase` (for attention masks and pooling).
    int length(const std::string& phrase) const;
    // The known words of `phrase` joined by spaces, unknown ones as "<unk>".
    std::string normalized(const std::string& phrase) const;

    int64_t id(const std::string& word) const;  // kUnk when absent (word taken as given)
    const std::string& token(int64_t id) const; // ld::Error when out of range
    const std::vector<std::string>& tokens() const { return tokens_; }
    size_t size() const { return tokens_.size(); }
    int maxLength() const { return maxLength_; }

    // {"format": "labeldiff-phrase-vocabulary", "version": 1, "max_length": N, "tokens": [...]}
    nlohmann::json toJson() const;
    static PhraseVocabulary fromJson(const nlohmann::json& j, const std::string& source);
    void save(const std::string& path) const;  // atomic (ld::writeFileAtomic)
    static PhraseVocabulary load(const std::string& path);

private:
    PhraseVocabulary(std::vector<std::string> tokens, int maxLength, const std::string& source);
    std::vector<std::string> tokens_;
    std::unordered_map<std::string, int64_t> ids_;
    int maxLength_ = kDefaultMaxLength;
};

}  // namespace ld
