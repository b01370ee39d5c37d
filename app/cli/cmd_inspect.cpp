// labeldiff-cli inspect: opens a model directory exactly as the app would (every tensor
// checked) and prints what is in it.
#include "command.h"

#include "inference/device.h"
#include "inference/model_directory.h"

#include <iostream>

namespace ld::cli {
namespace {

struct InspectOptions {
    std::string directory;
    bool json = false;
};

const CommandRegistrar registrar{Command{
    "inspect", "Check a model directory and print its components, parameters, dtypes, latent shapes and defaults",
    [](CLI::App& sub) -> std::function<int()> {
        auto o = std::make_shared<InspectOptions>();
        sub.add_option("MODEL_DIR", o->directory, "Model directory (model card + diffusers sub-folders)")->required();
        sub.add_flag("--json", o->json, "Print JSON instead of text");
        return [o] {
            configureThreads();
            const auto dir = ModelDirectory::open(o->directory);
            if (o->json) std::cout << dir->describeJson().dump(2) << "\n";
            else std::cout << dir->describe();
            return 0;
        };
    }}};

}  // namespace
}  // namespace ld::cli
