#pragma once
// Sub-commands of labeldiff-cli register themselves here, one file per command, so
// that main.cpp never grows a chain of "if (name == ...)".
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ld::cli {

struct Command {
    std::string name;
    std::string summary;
    // Adds options to `sub` and returns the action to run when the sub-command is chosen.
    // The action returns the process exit status; errors are thrown as ld::Error.
    std::function<std::function<int()>(CLI::App& sub)> setup;
};

std::vector<Command>& commands();

struct CommandRegistrar {
    explicit CommandRegistrar(Command c) { commands().push_back(std::move(c)); }
};

}  // namespace ld::cli
