// labeldiff-cli inspect: opens a model directory exactly as the app would (every tensor
// checked) and prints what is in it.
#include "command.h"

#include "inference/runtime/device.h"
#include "inference/io/model_directory.h"
#include "inference/text/phrase_similarity.h"

#include <cstdio>

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
            // How alike the text encoder makes the phrases the model was trained on.
            PhraseSimilarity similarity;
            const nlohmann::json& training = dir->card().training;
            if (dir->textEncoder && training.is_object() && training.contains("classes") && training["classes"].is_array()) {
                std::vector<std::string> classes;
                for (const auto& c : training["classes"])
                    if (c.is_string()) classes.push_back(c.get<std::string>());
                similarity = measurePhraseSimilarity(*dir, classes);
            }
            if (o->json) {
                auto j = dir->describeJson();
                if (!similarity.phrases.empty()) j["phrase_similarity"] = similarity.toJson();
                std::cout << j.dump(2) << "\n";
                return 0;
            }
            std::cout << dir->describe();
            if (!similarity.phrases.empty()) {
                std::cout << "phrase similarity (cosine of the text encodings):\n";
                for (size_t i = 0; i < similarity.phrases.size(); ++i) {
                    std::printf("  %-28s", similarity.phrases[i].c_str());
                    for (double c : similarity.cosine[i]) std::printf(" %5.2f", c);
                    std::printf("\n");
                }
                for (const auto& p : similarity.above())
                    std::printf("warning: phrases '%s' and '%s' are encoded %.3f alike\n", p.a.c_str(), p.b.c_str(), p.cosine);
            }
            return 0;
        };
    }}};

}  // namespace
}  // namespace ld::cli
