#include "command.h"
#include "core/error.h"
#include "inference/runtime/error_text.h"

#include <algorithm>
#include <iostream>
#include <memory>

namespace ld::cli {
std::vector<Command>& commands() {
    static std::vector<Command> all;
    return all;
}
}  // namespace ld::cli

int main(int argc, char** argv) {
    CLI::App app{"labeldiff-cli: text-prompted segmentation by label diffusion, headless"};
    app.set_version_flag("--version", std::string(LABELDIFF_VERSION));
    app.require_subcommand(1);

    auto& cmds = ld::cli::commands();
    std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
    std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
    for (auto& c : cmds) {
        CLI::App* sub = app.add_subcommand(c.name, c.summary);
        actions.emplace_back(sub, c.setup(*sub));
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    for (auto& [sub, action] : actions) {
        if (!sub->parsed()) continue;
        try {
            return action();
        } catch (const ld::Error& e) {
            std::cerr << "labeldiff-cli " << sub->get_name() << ": error: " << e.what() << "\n";
            return 1;
        } catch (const std::exception& e) {
            std::cerr << "labeldiff-cli " << sub->get_name() << ": error: " << ld::errorText(e) << "\n";
            return 1;
        }
    }
    return 2;
}
