#pragma once
// The text encoder of small from-scratch models: CLIP's pre-LN causal transformer at a
// small width over a PhraseVocabulary, so that one implementation (the one verified
// against transformers) serves both CLIP checkpoints and our own models, and the same
// pooling (at the end token) and null embedding for classifier-free guidance apply.
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/text/phrase_vocabulary.h"

namespace ld {

struct SmallTextEncoderSize {
    int hidden = 128;
    int layers = 2;
    int heads = 4;
};

// A CLIPTextConfig sized for `vocabulary`: its token count, its maximum length as the
// number of positions, and its pad/bos/eos ids.
CLIPTextConfig smallTextEncoderConfig(const PhraseVocabulary& vocabulary, const SmallTextEncoderSize& size = {});

// Token ids [1, L] for one phrase, ready for CLIPTextModel::forward.
torch::Tensor encodePhrase(const PhraseVocabulary& vocabulary, const std::string& phrase);

}  // namespace ld
