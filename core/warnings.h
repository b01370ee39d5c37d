#pragma once
// Tolerant readers turn every oddity of a real-world file into a counted warning
// ("polygon with fewer than 3 points dropped" ×12) instead of failing.
#include <map>
#include <string>

namespace ld {

class Warnings {
public:
    void add(const std::string& what, int count = 1) { counts_[what] += count; }
    void merge(const Warnings& other) {
        for (const auto& [what, n] : other.counts_) counts_[what] += n;
    }
    bool empty() const { return counts_.empty(); }
    int count(const std::string& what) const {
        auto it = counts_.find(what);
        return it == counts_.end() ? 0 : it->second;
    }
    int total() const {
        int n = 0;
        for (const auto& kv : counts_) n += kv.second;
        return n;
    }
    const std::map<std::string, int>& all() const { return counts_; }

private:
    std::map<std::string, int> counts_;
};

}  // namespace ld
