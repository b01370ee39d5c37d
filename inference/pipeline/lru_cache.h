#pragma once
// A small bounded least-recently-used map: the sampler keeps the encodings of the last
// few images and phrases so that re-running with other settings skips the encoders.
#include <cstddef>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

namespace ld {

template <class Key, class Value>
class LruCache {
public:
    explicit LruCache(size_t capacity) : capacity_(capacity ? capacity : 1) {}

    std::optional<Value> get(const Key& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return std::nullopt;
        order_.splice(order_.begin(), order_, it->second);
        return it->second->second;
    }

    void put(const Key& key, Value value) {
        if (auto it = index_.find(key); it != index_.end()) {
            it->second->second = std::move(value);
            order_.splice(order_.begin(), order_, it->second);
            return;
        }
        order_.emplace_front(key, std::move(value));
        index_[key] = order_.begin();
        if (order_.size() > capacity_) {
            index_.erase(order_.back().first);
            order_.pop_back();
        }
    }

    void clear() {
        order_.clear();
        index_.clear();
    }
    size_t size() const { return order_.size(); }
    size_t capacity() const { return capacity_; }

private:
    size_t capacity_;
    std::list<std::pair<Key, Value>> order_;
    std::unordered_map<Key, typename std::list<std::pair<Key, Value>>::iterator> index_;
};

}  // namespace ld
