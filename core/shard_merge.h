#pragma once
// Joins the folders that `labeldiff-cli label --shard K/N` wrote into the folder one
// unsharded run would have written: instances.json and label-state.json byte for byte, and
// every overlay. What it relies on in a shard's folder (written by app/cli/cmd_label.cpp):
//   instances.json    every image of the input, the input's own annotations, and the
//                     shard's annotations of its own images, numbered from
//   label-state.json  {"run": the options every shard shares, "images_dir", "finished":
//                     image ids, "shard": {"index", "count", "first_new_annotation_id",
//                     "complete"}}
//   overlays/         one PNG per image the shard labelled
// Annotation ids are renumbered from first_new_annotation_id in image order, the order an
// unsharded run gives them; image and category ids are the input's.
#include <cstdint>
#include <string>
#include <vector>

namespace ld {

struct ShardMergeResult {
    int shards = 0;
    size_t images = 0;
    size_t labelled = 0;                    // images some shard finished
    size_t annotations = 0;                 // written, the input's own included
    std::vector<std::string> notLabelled;   // file names: the image failed in its shard
    std::vector<std::string> warnings;      // what the COCO reader and writer tolerated
};

// Every problem with the set of shards (a missing or duplicated shard, a shard stopped
// before its end, shards made with other options or over other images, an image labelled
// by a shard it does not belong to) is collected and thrown as one ld::Error, before
// anything is written to `outDir`.
ShardMergeResult mergeLabelShards(const std::vector<std::string>& shardDirs, const std::string& outDir);

}  // namespace ld
