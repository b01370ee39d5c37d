#include "core/shard.h"

#include "core/error.h"

#include <limits>

namespace ld {
std::string ShardSpec::text() const { return std::to_string(index) + "/" + std::to_string(count); }

ShardSpec parseShardSpec(const std::string& text, const std::string& subject) {
    const auto slash = text.find('/');
    const auto k = slash == std::string::npos ? std::nullopt : wholeNumber(text.substr(0, slash));
    const auto n = slash == std::string::npos ? std::nullopt : wholeNumber(text.substr(slash + 1));
    if (!k || !n) throw Error(subject, "'" + text + "' is not K/N (e.g. 0/4: the first of four shards)");
    if (*n < 1 || *n > std::numeric_limits<int>::max())
        throw Error(subject, "'" + text + "': the shard count must be at least 1");
    if (*k >= *n)
        throw Error(subject, "'" + text + "': shards count from 0, so K must be below N (0/" + std::to_string(*n) +
                                 " … " + std::to_string(*n - 1) + "/" + std::to_string(*n) + ")");
    return {int(*k), int(*n)};
}

ShardSpec shardSpecFromEnvironment(int completionCount, const EnvironmentLookup& getenv) {
    if (const auto id = getenv("SLURM_ARRAY_TASK_ID")) {
        const std::string why = "Slurm sets it for array jobs with SLURM_ARRAY_TASK_ID";
        const long long task = requireNumber(getenv, "SLURM_ARRAY_TASK_ID", why);
        const long long count = requireNumber(getenv, "SLURM_ARRAY_TASK_COUNT", why);
        const long long min = getenv("SLURM_ARRAY_TASK_MIN") ? requireNumber(getenv, "SLURM_ARRAY_TASK_MIN", why) : 0;
        const long long step = getenv("SLURM_ARRAY_TASK_STEP") ? requireNumber(getenv, "SLURM_ARRAY_TASK_STEP", why) : 1;
        if (step < 1 || task < min || (task - min) % step != 0)
            throw Error("SLURM_ARRAY_TASK_ID", "task " + std::to_string(task) + " is not on the array's grid (min " +
                                                   std::to_string(min) + ", step " + std::to_string(step) + ")");
        // An array like --array=0-9%2 or 1,3,7 has gaps in its ids but not in its count.
        const long long index = (task - min) / step;
        if (count < 1 || index >= count)
            throw Error("SLURM_ARRAY_TASK_ID", "task " + std::to_string(task) + " is not one of the array's " +
                                                   std::to_string(count) +
                                                   " tasks numbered from its minimum with its step; give --shard K/N");
        return {int(index), int(count)};
    }
    if (const auto text = getenv("JOB_COMPLETION_INDEX")) {
        const auto index = wholeNumber(*text);
        if (!index) throw Error("JOB_COMPLETION_INDEX", "'" + *text + "' is not a whole number");
        if (completionCount < 1)
            throw Error("JOB_COMPLETION_INDEX",
                        "set, but the number of completions is not known: give --shard-count (the job's completions)");
        if (*index >= completionCount)
            throw Error("JOB_COMPLETION_INDEX", *text + " is not below --shard-count " + std::to_string(completionCount));
        return {int(*index), completionCount};
    }
    return {};
}

uint64_t stablePathHash(const std::string& relativePath) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : relativePath) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

int jumpConsistentHash(uint64_t key, int buckets) {
    if (buckets < 1) throw Error("shard", "the shard count must be at least 1");
    int64_t b = -1, j = 0;
    while (j < buckets) {
        b = j;
        key = key * 2862933555777941757ull + 1;
        j = int64_t(double(b + 1) * (double(1ll << 31) / double((key >> 33) + 1)));
    }
    return int(b);
}

int shardOfPath(const std::string& relativePath, int count) {
    return jumpConsistentHash(stablePathHash(relativePath), count);
}

}  // namespace ld
