#pragma once
// What the denoiser is conditioned on, computed the same way by the sampler and the
// trainer: the image latent (whichever image encoder the model directory has, each with
// its own input range folded in here), the text encoding of a phrase (CLIP BPE or the
// phrase vocabulary) and the learned null embedding, and the model's mask codec.
#include "inference/pipeline/mask_codec.h"

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace ld {

class ModelDirectory;

// images: [B, 3, H, W] float in [0, 1] on any device, H and W the model's resolution
// (multiples of the latent factor) -> image latent [B, C, H/f, W/f] on the model's device.
// AutoencoderKL: mean of the latent distribution times its scaling factor (after its
// shift); TAESD family: as is; space-to-depth stem: on [-1, 1].
torch::Tensor encodeImages(const ModelDirectory& model, const torch::Tensor& images);

// Token ids [B, L] for the model's tokenizer (BPE padded to its context, or the phrase
// vocabulary). ld::Error when the model has no tokenizer.
torch::Tensor tokenizePhrases(const ModelDirectory& model, const std::vector<std::string>& phrases);

// [B, L, D] encoder hidden states for the denoiser's cross-attention.
torch::Tensor encodePhrases(const ModelDirectory& model, const std::vector<std::string>& phrases);

// [B, L] long on the model's device, 1 for the tokens tokenizePhrases gives a phrase
// (start and end included), 0 for its padding: what a DiT's cross-attention may read.
torch::Tensor phraseKeepMask(const ModelDirectory& model, const std::vector<std::string>& phrases);

// [B, L, D] copies of the learned null embedding; the encoding of the empty phrase when
// the model has none (a model trained without condition dropout).
torch::Tensor nullConditioning(const ModelDirectory& model, int64_t batch);

// The keep-mask [B, L] that goes with nullConditioning: all ones for a learned null
// embedding (a sequence of its own, read whole), the empty phrase's mask otherwise.
torch::Tensor nullKeepMask(const ModelDirectory& model, int64_t batch);

// The codec the card names, bound to the directory's modules (the autoencoder codec uses
// the image encoder's autoencoder; the linear codec its learned projection).
std::unique_ptr<MaskCodec> maskCodecFor(const ModelDirectory& model);

// The denoiser input: the noisy mask latent first, then the image latent, so that a widened
// Stable Diffusion conv_in keeps its pretrained kernels on what it was trained to denoise.
torch::Tensor denoiserInput(const torch::Tensor& noisyMaskLatent, const torch::Tensor& imageLatent);

// The denoiser network, U-Net or DiT, and the card role it is stored under ("unet" or
// "transformer"): everything that only needs its parameters takes it from here. ld::Error
// naming the directory when it has neither.
torch::nn::Module& denoiserModule(const ModelDirectory& model);
std::string denoiserRole(const ModelDirectory& model);

// One denoiser evaluation: input from denoiserInput, timesteps [B], context [B, L, D],
// contextMask [B, L] (1 = attend; undefined: every token). A PixArt DiT masks its
// cross-attention with it, as PixArt masks T5's padding; the U-Net and SD3 (whose
// reference implementations take no caption mask) read every token.
// A DiT takes the image latent on channels too (its patch embedding sees mask and image
// channels of the same patch, or, with PixArt's image_shortcut "sequence", a token sequence
// of its own); SD3's pooled projection is the phrase pooled over tokens.
// A U-Net configured with SDXL's "text_time" added conditioning also receives the phrase
// pooled over its tokens (and the working size as time ids) in its timestep embedding:
// every ResNet block then hears the phrase, not only the cross-attention layers, which a
// small model trained briefly otherwise learns to ignore.
torch::Tensor runDenoiser(const ModelDirectory& model, const torch::Tensor& input, const torch::Tensor& timesteps,
                          const torch::Tensor& context, const torch::Tensor& contextMask = {});

// The model's parameters' device.
torch::Device modelDevice(const ModelDirectory& model);

}  // namespace ld
