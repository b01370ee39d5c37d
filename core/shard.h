#pragma once
// Which share of a batch one process labels when many label it together (a Slurm array,
// a Kubernetes indexed job): shard K of N, K counting from 0.
//
// An image belongs to a shard by a hash of its path relative to the images folder, not by
// its index in the listing: adding or removing images moves no other image to another
// shard (by index, one new file early in the listing would move every image after it, and
// a re-run over a grown folder would redo finished work elsewhere). The hash is FNV-1a
// (64 bit) of the path's bytes — the same on every machine, compiler and run, which
// std::hash does not promise — mapped to a shard by jump consistent hashing (Lamping and
// Veach, 2014): shares are balanced in expectation, and going from N to N + 1 shards
// moves only 1/(N + 1) of the images.
#include "core/environment.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace ld {

struct ShardSpec {
    int index = 0;  // 0 … count - 1
    int count = 1;  // 1: not sharded

    bool sharded() const { return count > 1; }
    // "K/N"
    std::string text() const;
    bool operator==(const ShardSpec& o) const { return index == o.index && count == o.count; }
};

// "K/N" with 0 <= K < N; anything else is an ld::Error naming `subject` (the option).
ShardSpec parseShardSpec(const std::string& text, const std::string& subject = "--shard");

// The shard a scheduler gave this process, when none was given explicitly:
// SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT (MIN and STEP honoured, so that
// --array=1-8 or 0-14:2 number their tasks 0 … N-1), else Kubernetes'
// JOB_COMPLETION_INDEX with `completionCount` (Kubernetes does not export the count; 0:
// not given, an error when the index is set). Neither set: not sharded. `getenv` is
// std::getenv outside tests.
ShardSpec shardSpecFromEnvironment(int completionCount, const EnvironmentLookup& getenv);

// FNV-1a, 64 bit, of the bytes of `relativePath` (as written in the dataset: '/' separators).
uint64_t stablePathHash(const std::string& relativePath);
// Jump consistent hash of `key` into [0, buckets).
int jumpConsistentHash(uint64_t key, int buckets);
// The shard of `count` that labels the image at `relativePath`.
int shardOfPath(const std::string& relativePath, int count);
inline bool shardOwns(const ShardSpec& s, const std::string& relativePath) {
    return !s.sharded() || shardOfPath(relativePath, s.count) == s.index;
}

}  // namespace ld
