#pragma once
// Reading a process's environment as schedulers and launchers fill it (Slurm, Kubernetes,
// torchrun): through a lookup that tests replace, with whole numbers checked.
#include <functional>
#include <optional>
#include <string>

namespace ld {

// std::getenv outside tests.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvironmentLookup processEnvironment();

// A whole non-negative decimal number, or nothing (no sign, no spaces, no trailing text).
std::optional<long long> wholeNumber(const std::string& text);

// The variable's whole number; an ld::Error naming the variable when it is not set (`why`
// says what it is for) or not a whole number.
long long requireNumber(const EnvironmentLookup& getenv, const std::string& name, const std::string& why);

}  // namespace ld
