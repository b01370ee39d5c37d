#include "core/shard_merge.h"

#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/json_read.h"
#include "core/shard.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace ld {
namespace {

namespace fs = std::filesystem;

struct ShardFolder {
    fs::path dir;
    nlohmann::json state;
    ShardSpec spec;
    int64_t firstNewId = 0;
    bool complete = false;
    std::set<int64_t> finished;
    Dataset dataset;
};

ShardFolder readShardFolder(const fs::path& dir) {
    ShardFolder s;
    s.dir = dir;
    const fs::path statePath = dir / "label-state.json";
    std::error_code ec;
    if (!fs::is_regular_file(statePath, ec))
        throw Error(dir.string(), "no label-state.json: not a folder written by labeldiff-cli label --shard");
    s.state = readJsonFile(statePath.string());
    if (s.state.value("format", "") != "labeldiff-label-state")
        throw Error(statePath.string(), "not a labeldiff-cli label state file");
    const nlohmann::json shard = s.state.value("shard", nlohmann::json());
    if (!shard.is_object())
        throw Error(statePath.string(), "an unsharded run (no \"shard\"): it is already the whole result");
    try {
        s.spec = {shard.at("index").get<int>(), shard.at("count").get<int>()};
        s.firstNewId = shard.at("first_new_annotation_id").get<int64_t>();
        s.complete = shard.at("complete").get<bool>();
        for (const auto& id : s.state.at("finished")) s.finished.insert(id.get<int64_t>());
        s.state.at("run");
        s.state.at("images_dir").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        throw Error(statePath.string(), std::string("unexpected content: ") + e.what());
    }
    if (s.spec.count < 1 || s.spec.index < 0 || s.spec.index >= s.spec.count)
        throw Error(statePath.string(), "shard " + s.spec.text() + " is not K/N with 0 <= K < N");
    ReadOptions ro;
    ro.imagesDir = s.state["images_dir"].get<std::string>();
    // The merge job need not see the images (a login node, another mount): the list is in the file.
    ro.checkImagesOnDisk = false;
    s.dataset = findDatasetFormat("coco")->read((dir / "instances.json").string(), ro);
    return s;
}

bool sameImages(const Dataset& a, const Dataset& b) {
    if (a.images.size() != b.images.size()) return false;
    for (size_t i = 0; i < a.images.size(); ++i)
        if (a.images[i].id != b.images[i].id || a.images[i].fileName != b.images[i].fileName) return false;
    return true;
}

std::string joinLines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += "\n  " + l;
    return out;
}

// Every shard by its index, after checking that together they are one complete run;
// throws one ld::Error with every problem at once (a user fixing a set of shards should not
// discover them one by one).
std::map<int, const ShardFolder*> checkedShards(const std::vector<ShardFolder>& shards) {
    std::vector<std::string> problems;
    const ShardFolder& first = shards.front();
    const int count = first.spec.count;
    std::map<int, const ShardFolder*> byIndex;
    for (const ShardFolder& s : shards) {
        const std::string name = s.dir.string() + " (shard " + s.spec.text() + ")";
        if (s.spec.count != count)
            problems.push_back(name + ": one of " + std::to_string(s.spec.count) + " shards, but " +
                               first.dir.string() + " is one of " + std::to_string(count));
        else if (auto [it, fresh] = byIndex.emplace(s.spec.index, &s); !fresh)
            problems.push_back(name + ": the same shard as " + it->second->dir.string() + " (duplicate)");
        if (s.state["run"] != first.state["run"])
            problems.push_back(name + ": labelled with other options (input, model, phrases or sampler settings) than " +
                               first.dir.string());
        if (s.state["images_dir"] != first.state["images_dir"])
            problems.push_back(name + ": another images folder than " + first.dir.string());
        if (!sameImages(s.dataset, first.dataset))
            problems.push_back(name + ": lists other images than " + first.dir.string());
        if (s.firstNewId != first.firstNewId)
            problems.push_back(name + ": started from another input than " + first.dir.string() +
                               " (first annotation id " + std::to_string(s.firstNewId) + " vs " +
                               std::to_string(first.firstNewId) + ")");
        if (!s.complete)
            problems.push_back(name + ": stopped before its last image (" + std::to_string(s.finished.size()) +
                               " finished): continue it with the same label command and --resume");
        for (const ImageInfo& image : s.dataset.images)
            if (s.finished.count(image.id) && shardOfPath(image.fileName, count) != s.spec.index) {
                problems.push_back(name + ": labelled " + image.fileName + ", which belongs to shard " +
                                   std::to_string(shardOfPath(image.fileName, count)) + "/" + std::to_string(count));
                break;
            }
    }
    std::vector<std::string> missing;
    for (int k = 0; k < count; ++k)
        if (!byIndex.count(k)) missing.push_back(std::to_string(k) + "/" + std::to_string(count));
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
        problems.push_back("missing shard" + std::string(missing.size() > 1 ? "s " : " ") + list);
    }
    if (!problems.empty()) throw Error("merge", "the shards cannot be merged:" + joinLines(problems));
    return byIndex;
}

// Every shard's overlays into out/overlays (names are unique across shards: each image
// belongs to one shard).
void copyOverlays(const std::vector<ShardFolder>& shards, const fs::path& out) {
    std::set<std::string> overlayNames;
    for (const ShardFolder& s : shards) {
        std::error_code ec;
        if (!fs::is_directory(s.dir / "overlays", ec)) continue;
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(s.dir / "overlays")) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const fs::path& f : files) {
            if (!overlayNames.insert(f.filename().string()).second)
                throw Error(f.string(), "an overlay of this name came from another shard too");
            writeFileAtomic((out / "overlays" / f.filename()).string(), readFile(f.string()));
        }
    }
}

}  // namespace

ShardMergeResult mergeLabelShards(const std::vector<std::string>& shardDirs, const std::string& outDir) {
    if (shardDirs.empty()) throw Error(outDir, "no shard folders to merge");
    std::vector<ShardFolder> shards;
    for (const auto& d : shardDirs) {
        std::error_code ec;
        if (fs::exists(outDir, ec) && fs::exists(d, ec) && fs::equivalent(outDir, d, ec))
            throw Error(outDir, "is one of the shard folders: merge into another folder");
        shards.push_back(readShardFolder(d));
    }

    const std::map<int, const ShardFolder*> byIndex = checkedShards(shards);
    const ShardFolder& first = shards.front();
    const int count = first.spec.count;

    // The input's own annotations (the same in every shard), then each image's new ones from
    // the shard it belongs to, numbered in image order as one run numbers them.
    Dataset merged = first.dataset;
    merged.annotations.clear();
    for (const Annotation& a : first.dataset.annotations)
        if (a.id < first.firstNewId) merged.annotations.push_back(a);
    std::vector<std::map<int64_t, std::vector<const Annotation*>>> added(static_cast<size_t>(count));
    for (const ShardFolder& s : shards)
        for (const Annotation& a : s.dataset.annotations)
            if (a.id >= s.firstNewId) added[size_t(s.spec.index)][a.imageId].push_back(&a);
    ShardMergeResult result;
    result.shards = count;
    result.images = merged.images.size();
    std::set<int64_t> finished;
    int64_t nextId = first.firstNewId;
    for (const ImageInfo& image : merged.images) {
        const int owner = shardOfPath(image.fileName, count);
        if (byIndex.at(owner)->finished.count(image.id)) {
            finished.insert(image.id);
            ++result.labelled;
        } else {
            result.notLabelled.push_back(image.fileName);
        }
        auto it = added[size_t(owner)].find(image.id);
        if (it == added[size_t(owner)].end()) continue;
        std::vector<const Annotation*> own = it->second;
        std::stable_sort(own.begin(), own.end(), [](auto* a, auto* b) { return a->id < b->id; });
        for (const Annotation* a : own) {
            merged.annotations.push_back(*a);
            merged.annotations.back().id = nextId++;
        }
    }
    result.annotations = merged.annotations.size();

    const fs::path out(outDir);
    fs::create_directories(out / "overlays");
    // Overlays first, then instances.json, then the state: the order label saves in.
    copyOverlays(shards, out);
    Warnings warnings;
    WriteOptions w;
    w.imagesDir = merged.imagesDir;
    w.warnings = &warnings;
    findDatasetFormat("coco")->write(merged, (out / "instances.json").string(), w);
    const nlohmann::json state{{"format", "labeldiff-label-state"}, {"version", 1},
                               {"run", first.state["run"]},        {"images_dir", first.state["images_dir"]},
                               {"finished", finished}};
    writeFileAtomic((out / "label-state.json").string(), state.dump(1) + "\n");
    warnings.merge(merged.warnings);
    for (const auto& [what, n] : warnings.all()) result.warnings.push_back(what + " (" + std::to_string(n) + ")");
    return result;
}

}  // namespace ld
