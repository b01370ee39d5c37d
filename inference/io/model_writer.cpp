#include "inference/io/model_writer.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/schedulers/ddim_scheduler.h"
#include "inference/schedulers/flow_scheduler.h"
#include "inference/pipeline/mask_codec.h"
#include "inference/io/model_directory.h"
#include "inference/text/phrase_vocabulary.h"
#include "inference/models/transformers/pixart_transformer.h"
#include "inference/models/transformers/sd3_transformer.h"
#include "inference/io/safetensors.h"
#include "inference/models/text_encoders/small_text_encoder.h"
#include "inference/models/autoencoders/space_to_depth_stem.h"
#include "inference/io/state_dict.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"
#include "inference/models/unets/unet.h"
#include "inference/models/unets/unet_config.h"

#include <torch/torch.h>

#include <fcntl.h>  // AT_FDCWD
#include <stdio.h>  // renameat2, RENAME_EXCHANGE (glibc ≥ 2.28)
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>

namespace ld {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

void writeJson(const fs::path& p, const json& j) {
    fs::create_directories(p.parent_path());
    writeFileAtomic(p.string(), j.dump(2) + "\n");
}

TensorMap cpuFloat(const TensorMap& in) {
    TensorMap out;
    for (const auto& [k, v] : in) {
        auto t = v.detach().to(torch::kCPU);
        if (t.is_floating_point()) t = t.to(torch::kFloat);
        out[k] = t.contiguous();
    }
    return out;
}

std::string tempSibling(const fs::path& dir, const char* what) {
    static std::atomic<int> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    return (dir.parent_path() / ("." + dir.filename().string() + "." + what + "-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(counter++) + "-" + std::to_string(now % 100000)))
        .string();
}

void copyFolder(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

void writeStem(const FromScratchSpec& s, const fs::path& folder) {
    SpaceToDepthStemConfig c;
    c.factor = s.latentFactor;
    c.latentChannels = s.imageLatentChannels;
    c.hiddenChannels = s.stemHidden;
    c.hiddenLayers = s.stemLayers;
    c.downsampleChannels = s.stemDownsample;
    c.outputNorm = s.stemNorm;
    SpaceToDepthStem stem(c);
    writeJson(folder / "config.json", c.toJson());
    saveSafetensors((folder / "model.safetensors").string(), cpuFloat(stateDict(*stem)));
}

UNet2DConditionConfig unetConfigFor(const FromScratchSpec& s, int textWidth) {
    UNet2DConditionConfig c = UNet2DConditionConfig::tiny();
    const size_t n = s.blockOutChannels.size();
    if (n == 0 || s.attention.size() != n) throw Error("model spec", "attention needs one entry per block");
    c.inChannels = s.imageLatentChannels + s.maskLatentChannels;
    c.outChannels = s.maskLatentChannels;
    c.sampleSize = s.resolution / s.latentFactor;
    c.blockOutChannels = s.blockOutChannels;
    c.downBlockTypes.clear();
    c.upBlockTypes.clear();
    for (size_t i = 0; i < n; ++i) c.downBlockTypes.push_back(s.attention[i] ? "CrossAttnDownBlock2D" : "DownBlock2D");
    for (size_t i = 0; i < n; ++i) c.upBlockTypes.push_back(s.attention[n - 1 - i] ? "CrossAttnUpBlock2D" : "UpBlock2D");
    c.layersPerBlock.assign(n, s.layersPerBlock);
    c.crossAttentionDim.assign(n, textWidth);
    c.transformerLayersPerBlock.assign(n, 1);
    c.attentionHeads.clear();
    for (int ch : s.blockOutChannels) c.attentionHeads.push_back(std::max(1, ch / std::max(1, s.attentionHeadDim)));
    c.normNumGroups = s.normGroups;
    if (s.pooledPhrase) {
        // ld::runDenoiser passes the pooled phrase and six constant size ids.
        c.additionEmbedType = "text_time";
        c.additionTimeEmbedDim = 4;
        c.projectionClassEmbeddingsInputDim = textWidth + 6 * c.additionTimeEmbedDim;
    }
    c.resnetTimeScaleShift = s.film;
    c.validate("model spec");
    return c;
}

// What both DiT configs take from a spec alike: blocks, heads, patches, channels, latent side.
template <class Config>
Config ditGeometryFor(const FromScratchSpec& s) {
    Config c;
    c.numLayers = s.numLayers;
    c.numAttentionHeads = s.numAttentionHeads;
    c.attentionHeadDim = s.attentionHeadDim;
    c.patchSize = s.patchSize;
    c.inChannels = s.imageLatentChannels + s.maskLatentChannels;
    c.outChannels = s.maskLatentChannels;
    c.sampleSize = s.resolution / s.latentFactor;
    return c;
}

PixArtTransformerConfig pixartConfigFor(const FromScratchSpec& s, int textWidth) {
    auto c = ditGeometryFor<PixArtTransformerConfig>(s);
    c.crossAttentionDim = c.innerDim();
    c.captionChannels = textWidth;  // caption_projection maps the phrase encoding to the blocks' width
    c.imageShortcut = s.imageShortcut;
    if (c.sequenceShortcut()) {
        c.inChannels = s.maskLatentChannels;
        c.imageChannels = s.imageLatentChannels;
    }
    c.validate("model spec");
    return c;
}

SD3TransformerConfig sd3ConfigFor(const FromScratchSpec& s, int textWidth) {
    auto c = ditGeometryFor<SD3TransformerConfig>(s);
    c.posEmbedMaxSize = c.sampleSize / c.patchSize;
    c.jointAttentionDim = textWidth;
    c.captionProjectionDim = c.innerDim();
    c.pooledProjectionDim = textWidth;  // ld::runDenoiser pools the phrase encoding
    c.validate("model spec");
    return c;
}

}  // namespace

FromScratchSpec FromScratchSpec::fromJson(const json& j, const std::string& subject, const std::string& baseDir) {
    FromScratchSpec s;
    if (!j.is_object()) throw Error(subject, "the model spec must be a JSON object");
    try {
        s.phrases = j.value("phrases", s.phrases);
        s.vocabularyMaxLength = j.value("vocabulary_max_length", s.vocabularyMaxLength);
        s.resolution = j.value("resolution", s.resolution);
        s.latentFactor = j.value("latent_factor", s.latentFactor);
        s.imageLatentChannels = j.value("image_latent_channels", s.imageLatentChannels);
        s.stemHidden = j.value("stem_hidden", s.stemHidden);
        s.stemLayers = j.value("stem_layers", s.stemLayers);
        s.stemDownsample = j.value("stem_downsample", s.stemDownsample);
        s.stemNorm = j.value("stem_norm", s.stemNorm);
        s.pretrainedImageEncoder = j.value("pretrained_image_encoder", s.pretrainedImageEncoder);
        if (!s.pretrainedImageEncoder.empty() && !baseDir.empty() && fs::path(s.pretrainedImageEncoder).is_relative())
            s.pretrainedImageEncoder = (fs::path(baseDir) / s.pretrainedImageEncoder).lexically_normal().string();
        s.maskLatentChannels = j.value("mask_latent_channels", s.maskLatentChannels);
        if (j.contains("mask_codec")) s.maskCodec = parseMaskCodecKind(j.at("mask_codec").get<std::string>());
        s.blockOutChannels = j.value("block_out_channels", s.blockOutChannels);
        s.attention = j.value("attention", std::vector<bool>(s.blockOutChannels.size(), true));
        if (!j.contains("attention") && !s.attention.empty()) s.attention[0] = s.blockOutChannels.size() < 3;
        s.layersPerBlock = j.value("layers_per_block", s.layersPerBlock);
        s.attentionHeadDim = j.value("attention_head_dim", s.attentionHeadDim);
        s.normGroups = j.value("norm_groups", s.normGroups);
        s.textHidden = j.value("text_hidden", s.textHidden);
        s.textLayers = j.value("text_layers", s.textLayers);
        s.textHeads = j.value("text_heads", s.textHeads);
        s.pooledPhrase = j.value("pooled_phrase", s.pooledPhrase);
        s.film = j.value("film", s.film);
        s.denoiser = j.value("denoiser", s.denoiser);
        s.numLayers = j.value("num_layers", s.numLayers);
        s.numAttentionHeads = j.value("num_attention_heads", s.numAttentionHeads);
        s.patchSize = j.value("patch_size", s.patchSize);
        s.imageShortcut = j.value("image_shortcut", s.imageShortcut);
        if (j.contains("prediction_type")) s.prediction = parsePredictionType(j.at("prediction_type").get<std::string>());
        s.scheduler = j.value("scheduler", s.scheduler);
        if (j.contains("defaults")) {
            const json& d = j.at("defaults");
            s.defaults.steps = d.value("steps", s.defaults.steps);
            s.defaults.spacing = d.value("spacing", s.defaults.spacing);
            s.defaults.guidance = d.value("guidance", s.defaults.guidance);
            s.defaults.ensemble = d.value("ensemble", s.defaults.ensemble);
            s.defaults.threshold = d.value("threshold", s.defaults.threshold);
        }
        s.seed = j.value("seed", s.seed);
        s.name = j.value("name", s.name);
    } catch (const json::exception& e) {
        throw Error(subject, std::string("bad model spec: ") + e.what());
    }
    if (s.resolution <= 0 || s.latentFactor <= 0 || s.resolution % s.latentFactor)
        throw Error(subject, "resolution must be a positive multiple of latent_factor");
    if (s.denoiser != "unet" && s.denoiser != "dit" && s.denoiser != "sd3")
        throw Error(subject, "denoiser must be 'unet', 'dit' or 'sd3', got '" + s.denoiser + "'");
    if (s.imageShortcut != "channels" && s.imageShortcut != "sequence")
        throw Error(subject, "image_shortcut must be 'channels' or 'sequence', got '" + s.imageShortcut + "'");
    if (s.imageShortcut == "sequence" && s.denoiser != "dit")
        throw Error(subject, "image_shortcut 'sequence' needs denoiser 'dit' (the PixArt DiT)");
    if (s.maskCodec == MaskCodecKind::PixelUnshuffle) s.maskLatentChannels = s.latentFactor * s.latentFactor;
    return s;
}

json FromScratchSpec::toJson() const {
    return json{{"phrases", phrases},
                {"vocabulary_max_length", vocabularyMaxLength},
                {"resolution", resolution},
                {"latent_factor", latentFactor},
                {"image_latent_channels", imageLatentChannels},
                {"stem_hidden", stemHidden},
                {"stem_layers", stemLayers},
                {"stem_downsample", stemDownsample},
                {"stem_norm", stemNorm},
                {"pretrained_image_encoder", pretrainedImageEncoder},
                {"mask_latent_channels", maskLatentChannels},
                {"mask_codec", maskCodecKindName(maskCodec)},
                {"block_out_channels", blockOutChannels},
                {"attention", attention},
                {"layers_per_block", layersPerBlock},
                {"attention_head_dim", attentionHeadDim},
                {"norm_groups", normGroups},
                {"text_hidden", textHidden},
                {"text_layers", textLayers},
                {"text_heads", textHeads},
                {"pooled_phrase", pooledPhrase},
                {"film", film},
                {"denoiser", denoiser},
                {"num_layers", numLayers},
                {"num_attention_heads", numAttentionHeads},
                {"patch_size", patchSize},
                {"image_shortcut", imageShortcut},
                {"prediction_type", predictionTypeName(prediction)},
                {"scheduler", scheduler},
                {"defaults",
                 {{"steps", defaults.steps},
                  {"spacing", defaults.spacing},
                  {"guidance", defaults.guidance},
                  {"ensemble", defaults.ensemble},
                  {"threshold", defaults.threshold}}},
                {"seed", seed},
                {"name", name}};
}

void replaceDirectory(const std::string& temp, const std::string& dirPath) {
    const fs::path dir(dirPath);
    const std::string parent = fs::absolute(dir).parent_path().string();
    std::error_code ec;
    // One atomic exchange where the file system has it: a crash leaves either the old
    // model or the new one under `dir`, never neither.
    if (fs::exists(dir, ec) && ::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, dirPath.c_str(), RENAME_EXCHANGE) == 0) {
        syncDirectory(parent);
        fs::remove_all(temp, ec);  // now the old model
        return;
    }
    std::string old;
    if (fs::exists(dir, ec)) {
        old = tempSibling(dir, "old");
        fs::rename(dir, old);
    }
    try {
        fs::rename(temp, dir);
    } catch (...) {
        if (!old.empty()) fs::rename(old, dir, ec);
        throw;
    }
    syncDirectory(parent);
    if (!old.empty()) fs::remove_all(old, ec);
}

void writeFromScratchModel(const FromScratchSpec& spec, const std::string& dirPath) {
    FromScratchSpec s = spec;
    std::shared_ptr<TinyAutoencoder> pretrained;
    if (!s.pretrainedImageEncoder.empty()) {
        pretrained = loadTinyAutoencoder(s.pretrainedImageEncoder);
        s.imageLatentChannels = pretrained->config().latentChannels;
        s.latentFactor = pretrained->config().downscale();
        if (s.resolution % s.latentFactor)
            throw Error(s.pretrainedImageEncoder, "the resolution is not a multiple of the encoder's factor " +
                                                      std::to_string(s.latentFactor));
    }
    if (s.maskCodec == MaskCodecKind::PixelUnshuffle) s.maskLatentChannels = s.latentFactor * s.latentFactor;
    torch::manual_seed(s.seed);
    const fs::path dir(dirPath);
    if (!dir.parent_path().empty()) fs::create_directories(dir.parent_path());
    const fs::path root = tempSibling(dir, "tmp");
    try {
        fs::create_directories(root / "tokenizer");
        const auto vocab = PhraseVocabulary::build(s.phrases, s.vocabularyMaxLength);
        vocab.save((root / "tokenizer/phrase_vocab.json").string());

        const auto textConfig = smallTextEncoderConfig(vocab, {s.textHidden, s.textLayers, s.textHeads});
        CLIPTextModel text(textConfig);
        text.initNullEmbeddingFromIds(torch::tensor(vocab.encode(""), torch::kLong).unsqueeze(0));
        writeJson(root / "text_encoder/config.json", textConfig.toJson());
        saveSafetensors((root / "text_encoder/model.safetensors").string(), cpuFloat(stateDict(text)));
        text.saveNullEmbedding((root / "text_encoder/null_embedding.safetensors").string());

        // A pretrained autoencoder is copied as it is (files and licence; the trainer keeps it
        // frozen); otherwise a fresh stem.
        if (pretrained) copyFolder(fs::path(s.pretrainedImageEncoder), root / "image_encoder");
        else writeStem(s, root / "image_encoder");

        ModelCard card;
        card.name = s.name;
        const std::string denoiserFolder = s.denoiser == "unet" ? "unet" : "transformer";
        if (s.denoiser == "dit") {
            PixArtTransformer2DModel(pixartConfigFor(s, textConfig.hiddenSize)).save((root / denoiserFolder).string());
            card.denoiser = "pixart";
        } else if (s.denoiser == "sd3") {
            SD3Transformer2DModel(sd3ConfigFor(s, textConfig.hiddenSize)).save((root / denoiserFolder).string());
            card.denoiser = "sd3";
        } else {
            const auto unetConfig = unetConfigFor(s, textConfig.hiddenSize);
            UNet2DConditionModel unet(unetConfig);
            writeJson(root / "unet/config.json", unetConfig.toJson());
            saveSafetensors((root / "unet/diffusion_pytorch_model.safetensors").string(), cpuFloat(stateDict(unet)));
        }
        card.components = {{denoiserFolder, denoiserFolder},
                           {"image_encoder", "image_encoder"},
                           {"text_encoder", "text_encoder"},
                           {"tokenizer", "tokenizer"},
                           {"scheduler", "scheduler"}};
        if (s.maskCodec == MaskCodecKind::Linear) {
            LinearMaskProjection proj(s.maskLatentChannels, s.latentFactor);
            fs::create_directories(root / "mask_codec");
            saveSafetensors((root / "mask_codec/mask_projection.safetensors").string(), cpuFloat(stateDict(*proj)));
            writeJson(root / "mask_codec/config.json",
                      {{"_class_name", "LinearMaskProjection"},
                       {"latent_channels", s.maskLatentChannels},
                       {"downscale_factor", s.latentFactor}});
            card.components["mask_codec"] = "mask_codec";
        } else if (s.maskCodec == MaskCodecKind::Autoencoder) {
            throw Error("model spec", "a from-scratch model cannot use the autoencoder mask codec");
        }

        if (s.prediction == PredictionType::Flow) {
            FlowSchedulerConfig fc = FlowSchedulerConfig::fromJson(s.scheduler, "model spec scheduler");
            writeJson(root / "scheduler/scheduler_config.json", fc.toJson());
            card.scheduler = "flow";
        } else {
            DDIMSchedulerConfig sc = DDIMSchedulerConfig::fromJson(s.scheduler, "model spec scheduler");
            sc.predictionType = s.prediction;
            sc.setAlphaToOne = s.scheduler.value("set_alpha_to_one", false);
            sc.spacing = parseTimestepSpacing(s.defaults.spacing);
            writeJson(root / "scheduler/scheduler_config.json", sc.toJson());
            card.scheduler = "ddim";
        }
        card.maskCodec.kind = s.maskCodec;
        card.maskCodec.latentChannels = s.maskLatentChannels;
        card.maskCodec.factor = s.latentFactor;
        card.predictionType = s.prediction;
        card.resolution = s.resolution;
        card.defaults = s.defaults;
        card.training = json{{"from_scratch", s.toJson()}};
        writeModelCard((root / kModelCardFileName).string(), card);
        replaceDirectory(root.string(), dir.string());
    } catch (...) {
        std::error_code ec;
        fs::remove_all(root, ec);
        throw;
    }
}

void writeModelDirectory(const ModelDirectory& model, const ModelCard& card, const std::string& dirPath,
                         const std::function<void(const std::string&)>& extra) {
    const fs::path dir(dirPath);
    if (!dir.parent_path().empty()) fs::create_directories(dir.parent_path());
    const fs::path root = tempSibling(dir, "tmp");
    const fs::path source(model.root());
    try {
        fs::create_directories(root);
        for (const auto& [role, folder] : card.components) {
            const fs::path out = root / folder;
            if (role == "unet" && model.unet) {
                writeJson(out / "config.json", model.unet->config().toJson());
                saveSafetensors((out / "diffusion_pytorch_model.safetensors").string(), cpuFloat(stateDict(*model.unet)));
            } else if (role == "transformer" && model.pixart) {
                model.pixart->save(out.string());
            } else if (role == "transformer" && model.sd3) {
                model.sd3->save(out.string());
            } else if (role == "image_encoder" && model.stem) {
                writeJson(out / "config.json", model.stem->config().toJson());
                saveSafetensors((out / "model.safetensors").string(), cpuFloat(stateDict(*model.stem)));
            } else if (role == "text_encoder" && model.textEncoder) {
                writeJson(out / "config.json", model.textEncoder->config().toJson());
                saveSafetensors((out / "model.safetensors").string(), cpuFloat(stateDict(*model.textEncoder)));
                if (model.textEncoder->hasNullEmbedding()) {
                    TensorMap n{{"null_embedding", model.textEncoder->nullEmbedding()}};
                    saveSafetensors((out / "null_embedding.safetensors").string(), cpuFloat(n));
                }
            } else if (role == "tokenizer" && model.phraseVocabulary) {
                fs::create_directories(out);
                model.phraseVocabulary->save((out / "phrase_vocab.json").string());
            } else if (role == "scheduler") {
                writeJson(out / "scheduler_config.json", model.schedulerConfig);
            } else if (role == "mask_codec" && model.maskProjection) {
                fs::create_directories(out);
                saveSafetensors((out / "mask_projection.safetensors").string(), cpuFloat(stateDict(*model.maskProjection)));
                writeJson(out / "config.json", {{"_class_name", "LinearMaskProjection"},
                                                {"latent_channels", model.maskProjection->latentChannels()},
                                                {"downscale_factor", model.maskProjection->factor()}});
            } else {
                // Frozen pretrained parts (autoencoders, BPE files): copied as they are.
                const fs::path from = model.card().components.count(role)
                                          ? source / model.card().components.at(role)
                                          : source / folder;
                std::error_code ec;
                if (!fs::is_directory(from, ec))
                    throw Error(dirPath, "cannot write component '" + role + "': no module in memory and no folder " +
                                             from.string());
                copyFolder(from, out);
            }
        }
        writeModelCard((root / kModelCardFileName).string(), card);
        if (extra) extra(root.string());
        replaceDirectory(root.string(), dir.string());
    } catch (...) {
        std::error_code ec;
        fs::remove_all(root, ec);
        throw;
    }
}

}  // namespace ld
