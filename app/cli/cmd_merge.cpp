// labeldiff-cli merge: joins the folders of `label --shard K/N` runs into one folder, the
// one a single unsharded run would have written (core/shard_merge.h). A missing,
// duplicated, unfinished or mismatched shard stops it before it writes anything.
#include "command.h"

#include "core/shard_merge.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace ld::cli {
namespace {

struct MergeOptions {
    std::string out;
    std::vector<std::string> shards;
};

int run(const MergeOptions& o) {
    const ShardMergeResult r = mergeLabelShards(o.shards, o.out);
    for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
    // Images a shard failed on (reported by that shard as "skipped") are listed, not fatal:
    // an unsharded run leaves them unlabelled the same way.
    for (const auto& f : r.notLabelled) std::cerr << "not labelled (failed in its shard): " << f << "\n";
    std::cout << nlohmann::json{{"shards", r.shards},
                                {"images", r.images},
                                {"labelled", r.labelled},
                                {"not_labelled", r.notLabelled.size()},
                                {"annotations", r.annotations},
                                {"coco", o.out + "/instances.json"}}
                     .dump()
              << std::endl;
    return 0;
}

const CommandRegistrar registrar{Command{
    "merge", "Join the output folders of `label --shard K/N` runs into one (as one unsharded run writes it)",
    [](CLI::App& sub) -> std::function<int()> {
        auto o = std::make_shared<MergeOptions>();
        sub.add_option("OUT", o->out, "Folder to write (instances.json, label-state.json, overlays/)")->required();
        sub.add_option("SHARD_DIR", o->shards, "The --out folders of every shard")->required();
        return [o] { return run(*o); };
    }}};

}  // namespace
}  // namespace ld::cli
