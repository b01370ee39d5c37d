// Time and peak memory of loading a U-Net folder, against the size of its weights.
//
//   bench_load --write DIR [--config tiny|sd15|sd21|PATH]   config.json + random F32 weights
//   bench_load --load DIR [--copy]                          prints JSON
//
// Write and load run as separate processes because the peak RSS (VmHWM) covers a process's
// whole life. --copy loads through owned copies of every tensor (loadSafetensors), the path
// large models took before mapSafetensors: the same-run baseline.
#include "core/error.h"
#include "inference/io/safetensors.h"
#include "inference/io/state_dict.h"
#include "inference/models/unets/unet.h"

#include "bench_support.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace {

using namespace ld::bench;
namespace fs = std::filesystem;

int usage(const char* msg) {
    std::cerr << "bench_load: " << msg
              << "\nusage: bench_load --write DIR [--config tiny|sd15|sd21|PATH] | --load DIR [--copy]\n";
    return 2;
}

ld::UNet2DConditionConfig namedConfig(const std::string& name) {
    if (name == "tiny") return ld::UNet2DConditionConfig::tiny();
    if (name == "sd15") return ld::UNet2DConditionConfig::sd15();
    if (name == "sd21") return ld::UNet2DConditionConfig::sd21();
    return ld::UNet2DConditionConfig::fromJsonFile(name);
}

void writeFolder(const std::string& dir, const ld::UNet2DConditionConfig& config) {
    fs::create_directories(dir);
    std::ofstream(fs::path(dir) / "config.json") << config.toJson().dump(2) << "\n";
    ld::UNet2DConditionModel unet(config);
    ld::saveSafetensors((fs::path(dir) / "diffusion_pytorch_model.safetensors").string(), ld::stateDict(unet));
}

}  // namespace

int main(int argc, char** argv) {
    std::string writeDir, loadDir, configName = "sd21";
    bool copy = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--copy") {
            copy = true;
            continue;
        }
        if (i + 1 >= argc) return usage(("missing value for " + a).c_str());
        const std::string v = argv[++i];
        if (a == "--write") writeDir = v;
        else if (a == "--load") loadDir = v;
        else if (a == "--config") configName = v;
        else return usage(("unknown option " + a).c_str());
    }
    if (writeDir.empty() == loadDir.empty()) return usage("give exactly one of --write and --load");
    try {
        if (!writeDir.empty()) {
            writeFolder(writeDir, namedConfig(configName));
            return 0;
        }
        const fs::path weights = fs::path(loadDir) / "diffusion_pytorch_model.safetensors";
        const double weightBytes = static_cast<double>(fs::file_size(weights));
        const long rssBeforeKiB = procStatusKiB("VmRSS");
        const auto t0 = std::chrono::steady_clock::now();
        std::shared_ptr<ld::UNet2DConditionModel> unet;
        if (copy) {
            unet = std::make_shared<ld::UNet2DConditionModel>(
                ld::UNet2DConditionConfig::fromJsonFile((fs::path(loadDir) / "config.json").string()));
            unet->load(ld::loadSafetensors(weights.string()), weights.string());
        } else {
            unet = ld::UNet2DConditionModel::fromPretrained(loadDir);
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double peak = procStatusKiB("VmHWM") * 1024.0;
        nlohmann::json j;
        j["path"] = copy ? "owned copies (loadSafetensors)" : "mapped views (fromPretrained)";
        j["weights_gib"] = weightBytes / (1 << 30);
        j["parameters"] = unet->parameterCount();
        j["load_s"] = seconds;
        j["rss_before_gib"] = rssBeforeKiB * 1024.0 / (1 << 30);
        j["peak_rss_gib"] = peak / (1 << 30);
        j["peak_over_weights"] = peak / weightBytes;
        j["rss_after_gib"] = procStatusKiB("VmRSS") * 1024.0 / (1 << 30);
        std::cout << j.dump() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "bench_load: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
