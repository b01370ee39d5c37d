#pragma once
// Finding the weights of a diffusers/transformers component folder (unet/, vae/,
// text_encoder/): the plain, sharded and fp16-variant safetensors names, in that order.
#include "core/error.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ld {

// `bases` are the stems the library writes ("diffusion_pytorch_model", "model").
inline std::string findWeightsFile(const std::string& folder, const std::vector<std::string>& bases) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw Error(folder, "not a directory");
    std::vector<std::string> tried;
    for (const auto& base : bases) {
        for (const char* suffix : {".safetensors", ".safetensors.index.json", ".fp16.safetensors",
                                   ".fp16.safetensors.index.json"}) {
            fs::path p = fs::path(folder) / (base + suffix);
            tried.push_back(p.filename().string());
            if (fs::is_regular_file(p, ec)) return p.string();
        }
    }
    std::string pickle;
    for (const auto& base : bases)
        for (const char* suffix : {".bin", ".ckpt", ".pt", ".pth"})
            if (fs::is_regular_file(fs::path(folder) / (base + suffix), ec)) pickle = base + suffix;
    std::string list;
    for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
    if (!pickle.empty())
        throw Error(folder, "only a pickle checkpoint (" + pickle +
                                ") is present; pickle files are never loaded. Convert it to safetensors, e.g. in "
                                "Python: safetensors.torch.save_file(torch.load(path), 'model.safetensors')");
    throw Error(folder, "no weights found (looked for " + list + ")");
}

}  // namespace ld
