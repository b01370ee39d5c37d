// labeldiff-cli synth: renders synthetic street scenes with exact masks (the project's
// own sample images, and data of known truth for tests and smoke training).
#include "command.h"

#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/synthetic_scene.h"

#include <filesystem>
#include <iostream>

namespace {

ld::cli::CommandRegistrar reg{{"synth", "Render synthetic street scenes with exact instance masks (COCO)",
                               [](CLI::App& sub) {
    auto out = std::make_shared<std::string>();
    auto count = std::make_shared<int>(4);
    auto width = std::make_shared<int>(512);
    auto height = std::make_shared<int>(384);
    auto seed = std::make_shared<uint64_t>(1);
    sub.add_option("--out", *out, "Folder for scene_<k>.png and instances.json")->required();
    sub.add_option("--count", *count, "Number of scenes")->check(CLI::Range(1, 100000));
    sub.add_option("--width", *width, "Image width")->check(CLI::Range(64, 8192));
    sub.add_option("--height", *height, "Image height")->check(CLI::Range(64, 8192));
    sub.add_option("--seed", *seed, "Seed of the first scene (scene k uses seed+k)");
    return [=]() {
        ld::Dataset ds = ld::writeSyntheticDataset(*out, *count, *width, *height, *seed);
        const std::string json = (std::filesystem::path(*out) / "instances.json").string();
        ld::findDatasetFormat("coco")->write(ds, json, {});
        std::cout << "wrote " << ds.images.size() << " images and " << ds.annotations.size()
                  << " annotations to " << json << "\n";
        return 0;
    };
}}};

}  // namespace
