#include "inference/pipeline/conditioning.h"

#include "core/error.h"
#include "inference/models/autoencoders/autoencoder_kl.h"
#include "inference/text/bpe_tokenizer.h"
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/io/model_directory.h"
#include "inference/text/phrase_vocabulary.h"
#include "inference/models/transformers/pixart_transformer.h"
#include "inference/models/transformers/sd3_transformer.h"
#include "inference/models/autoencoders/space_to_depth_stem.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"
#include "inference/models/unets/unet.h"

#include <torch/torch.h>

namespace ld {

namespace {

torch::nn::Module* findDenoiser(const ModelDirectory& model) {
    if (model.unet) return model.unet.get();
    if (model.pixart) return model.pixart.get();
    if (model.sd3) return model.sd3.get();
    return nullptr;
}

// The denoiser's first parameter, undefined when there is none (a model without a
// denoiser still encodes images and phrases, e.g. for the phrase-similarity diagnostic).
torch::Tensor firstParameter(const ModelDirectory& model) {
    const auto* net = findDenoiser(model);
    if (!net) return {};
    auto params = net->parameters();
    return params.empty() ? torch::Tensor() : params.front();
}

c10::ScalarType modelDtype(const ModelDirectory& model) {
    const auto p = firstParameter(model);
    return p.defined() ? p.scalar_type() : torch::kFloat;
}

}  // namespace

torch::Device modelDevice(const ModelDirectory& model) {
    const auto p = firstParameter(model);
    return p.defined() ? p.device() : torch::Device(torch::kCPU);
}

torch::nn::Module& denoiserModule(const ModelDirectory& model) {
    auto* net = findDenoiser(model);
    if (!net) throw Error(model.root(), "the model has no denoiser (neither unet/ nor transformer/)");
    return *net;
}

std::string denoiserRole(const ModelDirectory& model) {
    denoiserModule(model);
    return model.unet ? "unet" : "transformer";
}

torch::Tensor encodeImages(const ModelDirectory& model, const torch::Tensor& images) {
    if (images.dim() != 4 || images.size(1) != 3)
        throw Error(model.root(), "images to encode must be [B, 3, H, W]");
    const int f = model.latentFactor();
    if (images.size(2) % f || images.size(3) % f)
        throw Error(model.root(), "image size must be a multiple of the latent factor " + std::to_string(f));
    auto x = images.to(modelDevice(model), modelDtype(model));
    if (model.stem) return model.stem->forward(x * 2 - 1);
    if (model.tinyAutoencoder) return model.tinyAutoencoder->encode(x);
    if (model.vae) {
        const auto& c = model.vae->config();
        return (model.vae->encode(x * 2 - 1).mean - c.shiftFactor) * c.scalingFactor;
    }
    throw Error(model.root(), "the model has no image encoder");
}

torch::Tensor tokenizePhrases(const ModelDirectory& model, const std::vector<std::string>& phrases) {
    std::vector<int64_t> ids;
    int64_t length = 0;
    for (const auto& p : phrases) {
        std::vector<int64_t> row;
        if (model.phraseVocabulary) row = model.phraseVocabulary->encode(p);
        else if (model.tokenizer) row = model.tokenizer->encode(p, true);
        else throw Error(model.root(), "the model has no tokenizer");
        length = int64_t(row.size());
        ids.insert(ids.end(), row.begin(), row.end());
    }
    return torch::tensor(ids, torch::kLong).reshape({int64_t(phrases.size()), length});
}

torch::Tensor encodePhrases(const ModelDirectory& model, const std::vector<std::string>& phrases) {
    if (!model.textEncoder) throw Error(model.root(), "the model has no text encoder");
    auto ids = tokenizePhrases(model, phrases).to(modelDevice(model));
    return model.textEncoder->encode(ids);
}

torch::Tensor phraseKeepMask(const ModelDirectory& model, const std::vector<std::string>& phrases) {
    const int64_t length = tokenizePhrases(model, {std::string()}).size(1);
    auto mask = torch::zeros({int64_t(phrases.size()), length}, torch::kLong);
    for (size_t i = 0; i < phrases.size(); ++i) {
        const int64_t n = model.phraseVocabulary ? model.phraseVocabulary->length(phrases[i])
                                                 : int64_t(model.tokenizer->encode(phrases[i], false).size());
        mask[int64_t(i)].slice(0, 0, std::min(n, length)).fill_(1);
    }
    return mask.to(modelDevice(model));
}

torch::Tensor nullConditioning(const ModelDirectory& model, int64_t batch) {
    if (!model.textEncoder) throw Error(model.root(), "the model has no text encoder");
    if (model.textEncoder->hasNullEmbedding()) return model.textEncoder->nullEmbeddingBatch(batch);
    return encodePhrases(model, std::vector<std::string>(size_t(batch), std::string()));
}

torch::Tensor nullKeepMask(const ModelDirectory& model, int64_t batch) {
    if (!model.textEncoder) throw Error(model.root(), "the model has no text encoder");
    if (!model.textEncoder->hasNullEmbedding()) return phraseKeepMask(model, std::vector<std::string>(size_t(batch)));
    const int64_t length = model.textEncoder->nullEmbeddingBatch(1).size(1);
    return torch::ones({batch, length}, torch::TensorOptions().dtype(torch::kLong).device(modelDevice(model)));
}

torch::Tensor denoiserInput(const torch::Tensor& noisyMaskLatent, const torch::Tensor& imageLatent) {
    auto image = imageLatent.size(0) == noisyMaskLatent.size(0)
                     ? imageLatent
                     : imageLatent.expand({noisyMaskLatent.size(0), -1, -1, -1});
    return torch::cat({noisyMaskLatent, image.to(noisyMaskLatent.scalar_type())}, 1);
}

torch::Tensor runDenoiser(const ModelDirectory& model, const torch::Tensor& input, const torch::Tensor& timesteps,
                          const torch::Tensor& context, const torch::Tensor& contextMask) {
    if (model.pixart) return model.pixart->forward(input, timesteps, context, contextMask);
    if (model.sd3) return model.sd3->forward(input, timesteps, context, context.mean(1));
    denoiserModule(model);  // the error when there is no denoiser at all
    if (model.unet->config().additionEmbedType != "text_time") return model.unet->forward(input, timesteps, context);
    const double r = model.card().resolution;
    UNetAddedConditions added;
    added.textEmbeds = context.mean(1);
    added.timeIds = torch::tensor({r, r, 0.0, 0.0, r, r}, torch::kFloat)
                        .to(context.device())
                        .unsqueeze(0)
                        .expand({context.size(0), 6});
    return model.unet->forward(input, timesteps, context, &added);
}

std::unique_ptr<MaskCodec> maskCodecFor(const ModelDirectory& model) {
    const MaskCodecSpec& spec = model.card().maskCodec;
    switch (spec.kind) {
        case MaskCodecKind::Downsample:
        case MaskCodecKind::PixelUnshuffle: return makeMaskCodec(spec);  // need nothing from the model
        case MaskCodecKind::Linear:
            if (!model.maskProjection) throw Error(model.root(), "the linear mask codec has no mask_codec/ weights");
            return std::make_unique<LinearMaskCodec>(LinearMaskProjection(model.maskProjection));
        case MaskCodecKind::Autoencoder:
            if (model.tinyAutoencoder) return AutoencoderMaskCodec::fromTinyAutoencoder(model.tinyAutoencoder);
            if (model.vae) {
                auto vae = model.vae;
                const double s = vae->config().scalingFactor, shift = vae->config().shiftFactor;
                return std::make_unique<AutoencoderMaskCodec>(
                    [vae, s, shift](const torch::Tensor& x) { return (vae->encode(x).mean - shift) * s; },
                    [vae, s, shift](const torch::Tensor& z) { return vae->decode(z / s + shift); },
                    vae->config().latentChannels, vae->config().downscale());
            }
            throw Error(model.root(), "the autoencoder mask codec needs an autoencoder image encoder");
    }
    throw Error(model.root(), "unknown mask codec");
}

}  // namespace ld
