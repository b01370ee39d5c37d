#pragma once
// How alike the text encoder makes a model's phrases: the cosine similarity of the full
// encodings (every token position, flattened) for each pair. A collapsed encoder — one
// that gives "window", "car" and "street" nearly the same encoding — leaves the denoiser
// nothing to tell them apart by, whatever it learns; the trainer logs this matrix and
// warns past kCollapsedPhraseCosine. Torch-free, so that ui/ can draw it.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ld {

class ModelDirectory;

constexpr double kCollapsedPhraseCosine = 0.95;

struct PhraseSimilarity {
    struct Pair {
        std::string a, b;
        double cosine = 0;
    };
    std::vector<std::string> phrases;
    std::vector<std::vector<double>> cosine;  // [i][j], 1 on the diagonal

    double maxOffDiagonal() const;
    // Pairs (i < j) whose cosine exceeds `limit`, most alike first.
    std::vector<Pair> above(double limit = kCollapsedPhraseCosine) const;
    // {"phrases", "cosine", "max", "collapsed": [{"a", "b", "cosine"}]}
    nlohmann::json toJson(double limit = kCollapsedPhraseCosine) const;
    static PhraseSimilarity fromJson(const nlohmann::json& j);
};

PhraseSimilarity measurePhraseSimilarity(const ModelDirectory& model, const std::vector<std::string>& phrases);

}  // namespace ld
