#include "inference/io/model_directory.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "inference/models/autoencoders/autoencoder_kl.h"
#include "inference/text/bpe_tokenizer.h"
#include "inference/runtime/cancel_token.h"
#include "inference/runtime/error_text.h"
#include "inference/runtime/out_of_memory.h"
#include "inference/text/phrase_vocabulary.h"
#include "inference/models/text_encoders/clip_text_model.h"
#include "inference/pipeline/mask_codec.h"
#include "inference/io/pretrained_files.h"
#include "inference/io/safetensors.h"
#include "inference/models/autoencoders/space_to_depth_stem.h"
#include "inference/io/state_dict.h"
#include "inference/models/autoencoders/tiny_autoencoder.h"
#include "inference/models/transformers/pixart_transformer.h"
#include "inference/models/transformers/sd3_transformer.h"
#include "inference/models/unets/unet.h"

#include <filesystem>
#include <iomanip>
#include <set>
#include <sstream>

namespace ld {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json readJson(const fs::path& p) { return readJsonFile(p.string()); }

std::string classNameOf(const json& config) {
    if (config.is_object()) {
        if (auto it = config.find("_class_name"); it != config.end() && it->is_string()) return it->get<std::string>();
        if (auto it = config.find("architectures"); it != config.end() && it->is_array() && !it->empty() &&
                                                     (*it)[0].is_string())
            return (*it)[0].get<std::string>();
    }
    return {};
}

std::string relativeTo(const fs::path& p, const fs::path& root) {
    std::error_code ec;
    auto r = fs::relative(p, root, ec);
    return ec ? p.string() : r.string();
}

std::vector<std::string> storedDtypes(const std::vector<std::string>& files) {
    std::set<std::string> out;
    for (const auto& f : files) {
        if (f.size() >= 11 && f.compare(f.size() - 11, 11, ".index.json") == 0) continue;
        SafetensorsFile file(f);
        for (const auto& e : file.entries()) out.insert(e.dtype);
    }
    return {out.begin(), out.end()};
}

std::string withThousands(int64_t n) {
    std::string s = std::to_string(n), out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return out;
}

std::string shapeString(const std::vector<int64_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

int64_t countParameters(const torch::nn::Module& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

// The image latent's channels and downscale factor, which the image encoder decides.
struct LatentGeometry {
    int latentChannels = 0;
    int factor = 8;
};

// The model card at the root, or for a bare diffusers folder the card's defaults with the
// sub-folders that are there.
ModelCard cardOf(const fs::path& root, const std::string& rootPath, bool& hasCardFile) {
    std::error_code ec;
    const fs::path cardPath = root / kModelCardFileName;
    if (fs::exists(cardPath, ec)) {
        hasCardFile = true;
        return readModelCard(cardPath.string());  // a malformed card is an error on its own
    }
    ModelCard card;
    card.components.clear();
    for (const char* role : {"unet", "transformer", "text_encoder", "tokenizer", "scheduler"})
        if (fs::is_directory(root / role, ec)) card.components[role] = role;
    if (fs::is_directory(root / "vae", ec)) card.components["image_encoder"] = "vae";
    else if (fs::is_directory(root / "image_encoder", ec)) card.components["image_encoder"] = "image_encoder";
    if (card.components.empty())
        throw Error(rootPath, std::string("not a model directory: no ") + kModelCardFileName +
                                  " and none of unet/, transformer/, vae/, image_encoder/, text_encoder/, tokenizer/, scheduler/");
    return card;
}

// diffusers names every DiT's folder transformer/: the class tells them apart.
void loadTransformer(ModelDirectory& dir, const fs::path& folder, const fs::path& configPath,
                     const ModelDirectoryOptions& options, ComponentInfo& info) {
    const std::string w = findWeightsFile(folder.string(), {"diffusion_pytorch_model"});
    if (info.className == "PixArtTransformer2DModel") {
        dir.pixart = PixArtTransformer2DModel::fromPretrained(folder.string());
        dir.pixart->to(options.device, options.dtype);
        info.parameters = dir.pixart->parameterCount();
        const auto& c = dir.pixart->config();
        info.summary = "PixArt DiT, in " + std::to_string(c.inputChannels()) + " -> out " +
                       std::to_string(c.outChannels) + " channels, " + std::to_string(c.numLayers) +
                       " blocks of " + std::to_string(c.innerDim()) + ", patch " + std::to_string(c.patchSize) +
                       (c.sequenceShortcut() ? ", image as a token sequence at t = 0" : "");
    } else if (info.className == "SD3Transformer2DModel") {
        dir.sd3 = SD3Transformer2DModel::fromPretrained(folder.string());
        dir.sd3->to(options.device, options.dtype);
        info.parameters = dir.sd3->parameterCount();
        const auto& c = dir.sd3->config();
        info.summary = "SD3 MMDiT, in " + std::to_string(c.inChannels) + " -> out " +
                       std::to_string(c.outChannels) + " channels, " + std::to_string(c.numLayers) +
                       " blocks of " + std::to_string(c.innerDim()) + ", patch " + std::to_string(c.patchSize);
    } else {
        throw Error(configPath.string(), "unknown transformer class '" + info.className +
                                             "' (expected PixArtTransformer2DModel or SD3Transformer2DModel)");
    }
    info.weightFiles = {w};
}

// AutoencoderKL, the TAESD family or a space-to-depth stem, by the config's class.
void loadImageEncoder(ModelDirectory& dir, const std::string& role, const fs::path& folder, const json& config,
                      const fs::path& configPath, const ModelDirectoryOptions& options, ComponentInfo& info,
                      LatentGeometry& geometry) {
    if (info.className == "AutoencoderKL") {
        dir.vae = AutoencoderKL::fromPretrained(folder.string());
        dir.vae->to(options.device, options.dtype);
        info.parameters = dir.vae->parameterCount();
        info.weightFiles = {findWeightsFile(folder.string(), {"diffusion_pytorch_model"})};
        geometry.latentChannels = dir.vae->config().latentChannels;
        geometry.factor = dir.vae->config().downscale();
        info.summary = "AutoencoderKL, scaling factor " + std::to_string(dir.vae->config().scalingFactor);
    } else if (info.className == "SpaceToDepthStem") {
        const auto cfg = SpaceToDepthStemConfig::fromJson(config, configPath.string());
        SpaceToDepthStem stem(cfg);
        const std::string w = findWeightsFile(folder.string(), {"diffusion_pytorch_model", "model"});
        loadStateDict(*stem, loadSafetensors(w), w);
        stem->to(options.device, options.dtype);
        dir.stem = stem.ptr();
        info.parameters = countParameters(*stem);
        info.weightFiles = {w};
        geometry.latentChannels = cfg.latentChannels;
        geometry.factor = cfg.factor;
        info.summary = "learned space-to-depth stem";
    } else if (info.className.empty() || info.className == "TinyAutoencoder") {
        const std::string enc = findTinyAutoencoderCheckpoint(folder.string(), "encoder");
        const std::string dec = findTinyAutoencoderCheckpoint(folder.string(), "decoder");
        if (config.is_object()) {
            auto ae = std::make_shared<TinyAutoencoder>(
                TinyAutoencoderConfig::fromJson(config, configPath.string()));
            std::vector<std::string> halves;
            try {
                ae->loadEncoderFile(enc);
            } catch (const Error& e) {
                halves.push_back(e.what());
            }
            try {
                ae->loadDecoderFile(dec);
            } catch (const Error& e) {
                halves.push_back(e.what());
            }
            if (!halves.empty()) {
                std::string msg = halves[0];
                for (size_t i = 1; i < halves.size(); ++i) msg += "\n" + role + ": " + halves[i];
                throw Error("", msg);
            }
            dir.tinyAutoencoder = ae;
        } else {
            dir.tinyAutoencoder = loadTinyAutoencoder(enc, dec);
        }
        info.className = "TinyAutoencoder";
        dir.tinyAutoencoder->to(options.device, options.dtype);
        info.parameters =
            dir.tinyAutoencoder->encoderParameterCount() + dir.tinyAutoencoder->decoderParameterCount();
        info.weightFiles = {enc, dec};
        const auto& c = dir.tinyAutoencoder->config();
        geometry.latentChannels = c.latentChannels;
        geometry.factor = c.downscale();
        info.summary = std::string("TAESD family") + (c.midblockGroupNorm ? ", midblock GroupNorm" : "");
    } else {
        throw Error(configPath.string(), "unknown image encoder class '" + info.className +
                                             "' (expected AutoencoderKL, TinyAutoencoder or SpaceToDepthStem)");
    }
}

// Builds the component `role` from `folder` onto the device and describes it in `info`; an
// image encoder also sets the latent geometry.
void loadComponent(ModelDirectory& dir, const std::string& role, const fs::path& folder, const ModelCard& card,
                   const ModelDirectoryOptions& options, ComponentInfo& info, LatentGeometry& geometry) {
    std::error_code ec;
    json config;
    const fs::path configPath = folder / "config.json";
    if (role == "scheduler") {
        const fs::path sc = folder / "scheduler_config.json";
        dir.schedulerConfig = fs::exists(sc, ec) ? readJson(sc) : readJson(configPath);
        info.className = classNameOf(dir.schedulerConfig);
        info.summary = info.className.empty() ? "scheduler config" : info.className;
        if (dir.schedulerConfig.contains("prediction_type"))
            info.summary += ", prediction_type " + dir.schedulerConfig["prediction_type"].dump();
        return;
    }
    if (role == "tokenizer" && fs::exists(folder / "phrase_vocab.json", ec)) {
        dir.phraseVocabulary = std::make_shared<PhraseVocabulary>(
            PhraseVocabulary::load((folder / "phrase_vocab.json").string()));
        info.className = "PhraseVocabulary";
        info.summary = std::to_string(dir.phraseVocabulary->size()) + " words, context " +
                       std::to_string(dir.phraseVocabulary->maxLength());
        return;
    }
    if (role == "tokenizer") {
        dir.tokenizer = std::make_shared<BpeTokenizer>(BpeTokenizer::fromDirectory(folder.string()));
        info.className = "BpeTokenizer";
        info.summary = "byte-level BPE, context " + std::to_string(dir.tokenizer->maxLength());
        return;
    }
    if (fs::exists(configPath, ec)) {
        config = readJson(configPath);
        info.className = classNameOf(config);
    } else if (role != "image_encoder") {
        throw Error(configPath.string(), "missing config.json");
    }

    if (role == "unet") {
        dir.unet = UNet2DConditionModel::fromPretrained(folder.string());
        dir.unet->to(options.device, options.dtype);
        info.parameters = dir.unet->parameterCount();
        info.weightFiles = {findWeightsFile(folder.string(), {"diffusion_pytorch_model"})};
        const auto& c = dir.unet->config();
        info.summary = "in " + std::to_string(c.inChannels) + " -> out " + std::to_string(c.outChannels) +
                       " channels, cross-attention " + std::to_string(c.crossAttentionDim.at(0)) +
                       ", factor " + std::to_string(c.downsampleFactor());
    } else if (role == "transformer") {
        loadTransformer(dir, folder, configPath, options, info);
    } else if (role == "image_encoder") {
        loadImageEncoder(dir, role, folder, config, configPath, options, info, geometry);
    } else if (role == "text_encoder") {
        dir.textEncoder = CLIPTextModel::fromPretrained(folder.string());
        dir.textEncoder->to(options.device, options.dtype);
        info.parameters = dir.textEncoder->parameterCount();
        info.weightFiles = {findWeightsFile(folder.string(), {"model"})};
        info.summary = "CLIP text, width " + std::to_string(dir.textEncoder->config().hiddenSize) +
                       (dir.textEncoder->hasNullEmbedding() ? ", learned null embedding" : "");
    } else if (role == "mask_codec") {
        LinearMaskProjection proj(card.maskCodec.latentChannels, card.maskCodec.factor);
        const std::string w =
            findWeightsFile(folder.string(), {"mask_projection", "diffusion_pytorch_model", "model"});
        loadStateDict(*proj, loadSafetensors(w), w);
        proj->to(options.device, options.dtype);
        dir.maskProjection = proj.ptr();
        info.className = "LinearMaskProjection";
        info.parameters = countParameters(*proj);
        info.weightFiles = {w};
        info.summary = "learned linear latent<->mask projection";
    } else {
        info.summary = "not used by this version";
    }
}

// Whichever denoiser it is must take both latents, give the mask latent and read the text
// encoder's width. A card written before the denoiser was recorded says "unet" by default:
// the folder decides then; a card that names a DiT must have it.
void checkDenoiser(const ModelDirectory& dir, ModelCard& card, int imageLatentChannels, bool haveImageEncoder,
                   std::vector<std::string>& problems) {
    // `textKey`: the config key of the width it reads the text encoder at.
    struct Denoiser {
        std::string name, role;
        int in, out, textWidth;
        std::string textKey;
    };
    std::vector<Denoiser> loaded;
    if (dir.unet) {
        const auto& u = dir.unet->config();
        loaded.push_back({"unet", "unet", u.inChannels, u.outChannels,
                          u.crossAttentionDim.empty() ? 0 : u.crossAttentionDim.front(), "cross_attention_dim"});
    }
    if (dir.pixart) {
        const auto& c = dir.pixart->config();
        loaded.push_back({"pixart", "transformer", c.inputChannels(), c.outChannels,
                          c.captionChannels ? c.captionChannels : c.crossAttentionDim,
                          c.captionChannels ? "caption_channels" : "cross_attention_dim"});
    }
    if (dir.sd3) {
        const auto& c = dir.sd3->config();
        loaded.push_back({"sd3", "transformer", c.inChannels, c.outChannels, c.jointAttentionDim, "joint_attention_dim"});
        if (dir.textEncoder && c.pooledProjectionDim != dir.textEncoder->config().hiddenSize)
            problems.push_back("transformer: pooled_projection_dim " + std::to_string(c.pooledProjectionDim) +
                               " differs from the text encoder's width " +
                               std::to_string(dir.textEncoder->config().hiddenSize) + " (it takes the pooled phrase)");
    }
    if (loaded.size() > 1) problems.push_back("components: two denoisers (unet/ and transformer/); keep one");
    const int mask = dir.maskLatentChannels();
    for (const auto& d : loaded) {
        if (haveImageEncoder && d.in != imageLatentChannels + mask)
            problems.push_back(d.role + ": in_channels is " + std::to_string(d.in) + ", but the image latent (" +
                               std::to_string(imageLatentChannels) + ") plus the mask latent (" +
                               std::to_string(mask) + ") make " + std::to_string(imageLatentChannels + mask));
        if (d.out != mask)
            problems.push_back(d.role + ": out_channels is " + std::to_string(d.out) + ", the mask latent has " +
                               std::to_string(mask) + " channels");
        if (dir.textEncoder && d.textWidth && d.textWidth != dir.textEncoder->config().hiddenSize)
            problems.push_back(d.role + ": " + d.textKey + " " + std::to_string(d.textWidth) +
                               " differs from the text encoder's width " +
                               std::to_string(dir.textEncoder->config().hiddenSize));
    }
    // A card written before the denoiser was recorded says "unet" by default: the folder
    // decides then; a card that names a DiT must have it.
    if (loaded.size() == 1) {
        if (card.denoiser != "unet" && card.denoiser != loaded.front().name)
            problems.push_back("card: denoiser is '" + card.denoiser + "' but the model has a " + loaded.front().name);
        card.denoiser = loaded.front().name;
    }
}

}  // namespace

int ModelDirectory::maskLatentChannels() const {
    return card_.maskCodec.kind == MaskCodecKind::Autoencoder ? imageLatentChannels_ : card_.maskCodec.latentChannels;
}

std::vector<int64_t> ModelDirectory::imageLatentShape() const {
    const int64_t side = card_.resolution / std::max(1, latentFactor_);
    return {imageLatentChannels_, side, side};
}

std::vector<int64_t> ModelDirectory::maskLatentShape() const {
    const int64_t side = card_.resolution / std::max(1, card_.maskCodec.factor);
    return {maskLatentChannels(), side, side};
}

int64_t ModelDirectory::totalParameters() const {
    int64_t n = 0;
    for (const auto& c : components_) n += c.parameters;
    return n;
}

std::shared_ptr<ModelDirectory> ModelDirectory::open(const std::string& rootPath, const ModelDirectoryOptions& options) {
    throwIfCancelled(options.cancel);
    const LoadCancelScope cancelBetweenTensors(options.cancel);
    auto dir = std::shared_ptr<ModelDirectory>(new ModelDirectory());
    dir->root_ = rootPath;
    const fs::path root(rootPath);
    std::error_code ec;
    if (!fs::is_directory(root, ec)) throw Error(rootPath, "not a model directory (no such folder)");

    dir->card_ = cardOf(root, rootPath, dir->hasCardFile_);
    ModelCard& card = dir->card_;

    std::vector<std::string> problems;
    // `config`: the file whose sizes the network was built from, named when it does not fit.
    auto attempt = [&](const std::string& role, const std::function<void()>& fn, const fs::path& config = {}) {
        try {
            fn();
        } catch (const Cancelled&) {
            throw;  // not a problem of the model: nothing more to report
        } catch (const Error& e) {
            problems.push_back(role + ": " + e.what());
        } catch (const std::exception& e) {
            // The allocator's own words stay in the message: isOutOfMemory reads them.
            if (!config.empty() && isOutOfMemory(e))
                problems.push_back(role + ": " + config.string() + ": the network it describes does not fit in memory (" +
                                   errorText(e) + ")");
            else
                problems.push_back(role + ": " + errorText(e));
        }
    };

    LatentGeometry geometry;
    for (const auto& [role, folderName] : card.components) {
        throwIfCancelled(options.cancel);
        const fs::path folder = root / folderName;
        ComponentInfo info;
        info.role = role;
        info.folder = folderName;
        if (!fs::is_directory(folder, ec)) {
            problems.push_back(role + ": missing sub-folder " + folderName + "/");
            continue;
        }
        attempt(role, [&] { loadComponent(*dir, role, folder, card, options, info, geometry); },
                fs::exists(folder / "config.json", ec) ? folder / "config.json" : fs::path());
        attempt(role, [&] {
            info.dtypes = storedDtypes(info.weightFiles);
            for (auto& f : info.weightFiles) f = relativeTo(f, root);
        });
        dir->components_.push_back(std::move(info));
    }

    dir->imageLatentChannels_ = geometry.latentChannels;
    dir->latentFactor_ = geometry.factor;

    // How the components fit together.
    if (card.maskCodec.kind == MaskCodecKind::Linear && !card.components.count("mask_codec"))
        problems.push_back("mask_codec: the card's mask codec is 'linear' but components names no mask_codec sub-folder");
    if (card.maskCodec.kind == MaskCodecKind::Autoencoder && !card.components.count("image_encoder"))
        problems.push_back("mask_codec: the 'autoencoder' mask codec needs an image_encoder component");
    const bool haveImageEncoder = dir->vae || dir->tinyAutoencoder || dir->stem;
    if (haveImageEncoder && card.maskCodec.factor != dir->latentFactor_)
        problems.push_back("mask_codec: downscale_factor " + std::to_string(card.maskCodec.factor) +
                           " differs from the image encoder's " + std::to_string(dir->latentFactor_));
    checkDenoiser(*dir, card, dir->imageLatentChannels_, haveImageEncoder, problems);
    if (card.resolution % std::max(1, dir->latentFactor_) != 0)
        problems.push_back("card: resolution " + std::to_string(card.resolution) + " is not a multiple of the latent factor " +
                           std::to_string(dir->latentFactor_));

    if (!problems.empty()) {
        std::ostringstream os;
        os << problems.size() << " problem" << (problems.size() > 1 ? "s" : "") << ":";
        for (const auto& p : problems) os << "\n  " << p;
        throw Error(rootPath, os.str());
    }
    return dir;
}

json ModelDirectory::describeJson() const {
    json comps = json::array();
    for (const auto& c : components_)
        comps.push_back({{"role", c.role},
                         {"folder", c.folder},
                         {"class", c.className},
                         {"parameters", c.parameters},
                         {"dtypes", c.dtypes},
                         {"weights", c.weightFiles},
                         {"summary", c.summary}});
    json j = {{"root", root_},
              {"card", modelCardToJson(card_)},
              {"has_card_file", hasCardFile_},
              {"components", comps},
              {"total_parameters", totalParameters()},
              {"resolution", card_.resolution}};
    if (imageLatentChannels_ > 0) j["image_latent_shape"] = imageLatentShape();
    j["mask_latent_shape"] = maskLatentShape();
    return j;
}

std::string ModelDirectory::describe() const {
    std::ostringstream os;
    os << "model directory: " << root_ << (hasCardFile_ ? "" : "  (no model card: diffusers defaults)") << "\n";
    if (!card_.name.empty()) os << "name: " << card_.name << "\n";
    if (!card_.description.empty()) os << "description: " << card_.description << "\n";
    os << "prediction type: " << predictionTypeName(card_.predictionType) << ", scheduler " << card_.scheduler << "\n";
    os << "denoiser: " << card_.denoiser << "\n";
    os << "mask codec: " << maskCodecKindName(card_.maskCodec.kind) << " (" << maskLatentChannels()
       << " latent channels, factor " << card_.maskCodec.factor << ")\n";
    os << "latents at " << card_.resolution << "x" << card_.resolution << ": ";
    if (imageLatentChannels_ > 0) os << "image " << shapeString(imageLatentShape()) << ", ";
    os << "mask " << shapeString(maskLatentShape()) << "\n";
    os << "components:\n";
    for (const auto& c : components_) {
        std::string dtypes;
        for (const auto& d : c.dtypes) dtypes += (dtypes.empty() ? "" : "+") + d;
        os << "  " << std::left << std::setw(14) << c.role << std::setw(16) << (c.folder + "/") << std::setw(22)
           << (c.className.empty() ? "-" : c.className) << std::right << std::setw(14)
           << (c.parameters ? withThousands(c.parameters) + " params" : std::string("")) << "  "
           << std::left << std::setw(8) << (dtypes.empty() ? "-" : dtypes) << c.summary << "\n";
    }
    os << "total parameters: " << withThousands(totalParameters()) << "\n";
    const auto& d = card_.defaults;
    os << "defaults: steps " << d.steps << ", spacing " << d.spacing << ", guidance " << d.guidance << ", ensemble "
       << d.ensemble << ", threshold " << d.threshold << "\n";
    if (!card_.classThresholds.empty()) {
        os << "class thresholds:";
        for (const auto& [name, t] : card_.classThresholds) os << " " << name << "=" << t;
        os << "\n";
    }
    if (card_.training.is_object() && !card_.training.empty()) os << "training: " << card_.training.dump() << "\n";
    return os.str();
}

}  // namespace ld
