#include "core/default_model.h"

#include "core/error.h"

#include <cstdlib>
#include <system_error>

namespace ld {
namespace fs = std::filesystem;

namespace {

fs::path executableDir() {
    std::error_code ec;
    // Linux only, like the rest of the project; a failure just drops that candidate.
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

}  // namespace

std::vector<fs::path> defaultModelCandidates() {
    std::vector<fs::path> out;
    if (const char* env = std::getenv("LABELDIFF_MODEL"); env && *env) out.emplace_back(env);
    if (fs::path dir = executableDir(); !dir.empty())
        out.push_back((dir / ".." / "share" / "labeldiff" / "models" / LABELDIFF_DEFAULT_MODEL).lexically_normal());
    out.push_back(fs::path(LABELDIFF_SOURCE_MODELS_DIR) / LABELDIFF_DEFAULT_MODEL);
    return out;
}

fs::path defaultModelDirectory() {
    // An explicit $LABELDIFF_MODEL is obeyed or refused, never silently replaced.
    if (const char* env = std::getenv("LABELDIFF_MODEL"); env && *env) {
        std::error_code ec;
        if (fs::is_regular_file(fs::path(env) / "model_card.json", ec)) return env;
        throw Error(env, "$LABELDIFF_MODEL names no model directory (no model_card.json in it)");
    }
    const auto candidates = defaultModelCandidates();
    std::string searched;
    for (const auto& c : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(c / "model_card.json", ec)) return c;
        searched += (searched.empty() ? "" : ", ") + c.string();
    }
    throw Error("default model", "no model directory given and none found (searched " + searched +
                                     "); pass --model DIR or set LABELDIFF_MODEL");
}

}  // namespace ld
