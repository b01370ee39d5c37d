#pragma once
// CLIP's byte-level BPE tokenizer, token for token as openai/CLIP's SimpleTokenizer and
// transformers' CLIPTokenizer: the text encoder was trained on exactly these ids, so any
// drift (another regex, another cleanup) silently degrades every prompt.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace ld {

class BpeTokenizer {
public:
    // openai/CLIP's `bpe_simple_vocab_16e6.txt.gz` (gzip; plain text is accepted too).
    // Pad is the end token and the context length 77, as for CLIP-L / SD 1.x.
    static BpeTokenizer fromBpeFile(const std::string& path);
    // transformers' layout: vocab.json ({token: id}) and merges.txt ("#version" line first).
    static BpeTokenizer fromVocabAndMerges(const std::string& vocabJson, const std::string& mergesTxt);
    // A diffusers `tokenizer/` folder: vocab.json + merges.txt (or bpe_simple_vocab_16e6.txt.gz),
    // with pad token and model_max_length from tokenizer_config.json / special_tokens_map.json
    // when present (SD 2.x pads with "!" = id 0, SD 1.x with <|endoftext|>).
    static BpeTokenizer fromDirectory(const std::string& dir);

    BpeTokenizer(BpeTokenizer&&) noexcept;
    BpeTokenizer& operator=(BpeTokenizer&&) noexcept;
    ~BpeTokenizer();

    // The BPE ids of `text`, without start/end tokens and without truncation.
    std::vector<int64_t> tokenize(const std::string& text) const;
    // [start, tokens..., end], truncated to maxLength() keeping the end token, and padded
    // with padId() to maxLength() when `pad` is true.
    std::vector<int64_t> encode(const std::string& text, bool pad = true) const;
    // Ids back to text: "</w>" becomes a space; start, end and pad tokens are dropped.
    std::string decode(const std::vector<int64_t>& ids) const;

    int64_t startId() const { return startId_; }
    int64_t endId() const { return endId_; }
    int64_t padId() const { return padId_; }
    int maxLength() const { return maxLength_; }
    void setPadId(int64_t id);
    void setMaxLength(int length);  // >= 2
    size_t vocabSize() const { return decoder_.size(); }
    // Id of a vocabulary entry (e.g. "cat</w>", "<|endoftext|>"), -1 when absent.
    int64_t tokenId(const std::string& token) const;

    // The text cleanup CLIP applies before splitting (ftfy is not reproduced): runs of
    // Unicode whitespace become one space, ends trimmed, lower case.
    static std::string cleanText(const std::string& text);
    // CLIP's pre-tokenizer regex, implemented by hand (std::regex has no \p{L}); returns
    // the pieces of already cleaned text.
    static std::vector<std::string> splitWords(const std::string& cleaned);

private:
    BpeTokenizer() = default;
    void build(const std::vector<std::pair<std::string, std::string>>& merges,
               std::unordered_map<std::string, int64_t> vocab, const std::string& source);
    std::vector<std::string> bpe(const std::string& word) const;

    std::unordered_map<std::string, int64_t> encoder_;
    std::vector<std::string> decoder_;
    std::unordered_map<std::string, int> ranks_;  // "first second" -> merge rank
    std::string byteEncoder_[256];
    std::unordered_map<std::string, unsigned char> byteDecoder_;
    int64_t startId_ = 49406, endId_ = 49407, padId_ = 49407;
    int maxLength_ = 77;
    mutable std::unique_ptr<std::mutex> cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<std::string>> cache_;
};

// Lower case of UTF-8 text: ASCII exactly, plus the Latin, Greek and Cyrillic letters;
// invalid bytes become U+FFFD. Shared with PhraseVocabulary.
std::string lowercaseUtf8(const std::string& text);
// Maximal runs of letters and digits (the classes CLIP's pre-tokenizer uses), lower-cased;
// everything else separates runs. Shared with PhraseVocabulary.
std::vector<std::string> alphanumericRuns(const std::string& text);

}  // namespace ld
