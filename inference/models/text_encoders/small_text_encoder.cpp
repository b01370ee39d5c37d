#include "inference/models/text_encoders/small_text_encoder.h"

#include "core/error.h"

namespace ld {

CLIPTextConfig smallTextEncoderConfig(const PhraseVocabulary& vocabulary, const SmallTextEncoderSize& size) {
    if (size.hidden <= 0 || size.layers <= 0 || size.heads <= 0 || size.hidden % size.heads != 0)
        throw Error("small text encoder", "hidden size must be a positive multiple of the head count");
    CLIPTextConfig c;
    c.vocabSize = int(vocabulary.size());
    c.hiddenSize = size.hidden;
    c.intermediateSize = 4 * size.hidden;
    c.projectionDim = size.hidden;
    c.numHiddenLayers = size.layers;
    c.numAttentionHeads = size.heads;
    c.maxPositionEmbeddings = vocabulary.maxLength();
    c.hiddenAct = "gelu";
    c.padTokenId = int(PhraseVocabulary::kPad);
    c.bosTokenId = int(PhraseVocabulary::kBos);
    c.eosTokenId = int(PhraseVocabulary::kEos);
    c.validate("small text encoder");
    return c;
}

torch::Tensor encodePhrase(const PhraseVocabulary& vocabulary, const std::string& phrase) {
    const std::vector<int64_t> ids = vocabulary.encode(phrase);
    return torch::tensor(ids, torch::kLong).unsqueeze(0);
}

}  // namespace ld
