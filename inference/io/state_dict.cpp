#include "inference/io/state_dict.h"

#include "core/error.h"
#include "inference/runtime/cancel_token.h"

#include <sstream>

namespace ld {

namespace {
std::string shapeString(at::IntArrayRef s) {
    std::ostringstream os;
    os << "[";
    for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
    os << "]";
    return os.str();
}
}  // namespace

TensorMap stateDict(const torch::nn::Module& module) {
    TensorMap out;
    for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value().detach();
    for (const auto& b : module.named_buffers(true)) out[b.key()] = b.value().detach();
    return out;
}

void loadStateDict(torch::nn::Module& module, const TensorMap& tensors, const std::string& source,
                   bool strict) {
    TensorMap targets = stateDict(module);
    std::vector<std::string> problems;
    for (const auto& [name, target] : targets) {
        auto it = tensors.find(name);
        if (it == tensors.end()) {
            problems.push_back("missing " + name + " " + shapeString(target.sizes()));
        } else if (it->second.sizes() != target.sizes()) {
            problems.push_back("shape of " + name + " is " + shapeString(it->second.sizes()) +
                               ", the architecture needs " + shapeString(target.sizes()));
        }
    }
    if (strict) {
        for (const auto& [name, t] : tensors)
            if (!targets.count(name)) problems.push_back("unexpected " + name + " " + shapeString(t.sizes()));
    }
    if (!problems.empty()) {
        std::ostringstream os;
        os << problems.size() << " tensor mismatch" << (problems.size() > 1 ? "es" : "") << ":";
        for (const auto& p : problems) os << "\n  " << p;
        throw Error(source, os.str());
    }
    torch::NoGradGuard noGrad;
    const CancelToken* cancel = LoadCancelScope::current();
    for (auto& [name, target] : targets) {
        throwIfCancelled(cancel);  // a large model's load stops within one tensor's copy
        const torch::Tensor& source = tensors.at(name);
        target.copy_(source.to(target.device(), target.scalar_type()));
        releaseMappedPages(source);
    }
}

}  // namespace ld
