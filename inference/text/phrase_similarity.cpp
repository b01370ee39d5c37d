#include "inference/text/phrase_similarity.h"

#include "core/error.h"
#include "inference/pipeline/conditioning.h"
#include "inference/text/pairwise_cosine.h"

#include <torch/torch.h>

#include <algorithm>

namespace ld {

double PhraseSimilarity::maxOffDiagonal() const {
    double m = -1;
    for (size_t i = 0; i < cosine.size(); ++i)
        for (size_t j = 0; j < cosine[i].size(); ++j)
            if (i != j) m = std::max(m, cosine[i][j]);
    return m;
}

std::vector<PhraseSimilarity::Pair> PhraseSimilarity::above(double limit) const {
    std::vector<Pair> out;
    for (size_t i = 0; i < cosine.size(); ++i)
        for (size_t j = i + 1; j < cosine[i].size(); ++j)
            if (cosine[i][j] > limit) out.push_back({phrases[i], phrases[j], cosine[i][j]});
    std::sort(out.begin(), out.end(), [](const Pair& x, const Pair& y) { return x.cosine > y.cosine; });
    return out;
}

nlohmann::json PhraseSimilarity::toJson(double limit) const {
    nlohmann::json collapsed = nlohmann::json::array();
    for (const auto& p : above(limit)) collapsed.push_back({{"a", p.a}, {"b", p.b}, {"cosine", p.cosine}});
    return {{"phrases", phrases}, {"cosine", cosine}, {"max", maxOffDiagonal()}, {"collapsed", collapsed}};
}

PhraseSimilarity PhraseSimilarity::fromJson(const nlohmann::json& j) {
    PhraseSimilarity s;
    try {
        s.phrases = j.at("phrases").get<std::vector<std::string>>();
        s.cosine = j.at("cosine").get<std::vector<std::vector<double>>>();
    } catch (const nlohmann::json::exception& e) {
        throw Error("phrase similarity", std::string("malformed: ") + e.what());
    }
    for (const auto& row : s.cosine)
        if (row.size() != s.phrases.size()) throw Error("phrase similarity", "the matrix is not square in the phrases");
    if (s.cosine.size() != s.phrases.size()) throw Error("phrase similarity", "the matrix is not square in the phrases");
    return s;
}

PhraseSimilarity measurePhraseSimilarity(const ModelDirectory& model, const std::vector<std::string>& phrases) {
    PhraseSimilarity s;
    s.phrases = phrases;
    if (phrases.empty()) return s;
    torch::NoGradGuard ng;
    auto cos = pairwiseCosine(encodePhrases(model, phrases)).to(torch::kCPU, torch::kDouble).contiguous();
    const auto n = size_t(cos.size(0));
    const double* p = cos.data_ptr<double>();
    s.cosine.assign(n, std::vector<double>(n));
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) s.cosine[i][j] = p[i * n + j];
    return s;
}

}  // namespace ld
