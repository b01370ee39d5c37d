#pragma once
// Splitting a narrative caption into noun phrases, so that each one can be grounded by
// its own segmentation (GS on Panoptic Narrative Grounding). A small rule-based chunker —
// no tagger, no model: a phrase is an optional determiner followed by content words and
// "of"-phrases, broken at verbs, prepositions, pronouns, conjunctions and punctuation.
// Phrases about the picture itself ("this image", "the background", "the left") are
// dropped: they name no region to label.
#include <cstddef>
#include <string>
#include <vector>

namespace ld {

struct NounPhrase {
    std::string text;   // as written, with single spaces ("a person's leg")
    size_t begin = 0;   // byte offsets into the caption
    size_t end = 0;
};

std::vector<NounPhrase> chunkNounPhrases(const std::string& caption);
// Just the texts.
std::vector<std::string> nounPhrases(const std::string& caption);

}  // namespace ld
