// Panoptic Narrative Grounding (González et al., ICCV 2021): a JSON list of
//   {"image_id", "caption", "segments": [{"utterance", "segment_ids", "noun", "plural"}]}
// whose segment ids point at segments of a COCO panoptic file of the same images.
// The released files write image_id and segment_ids as strings and "noun" as a bool
// (whether the utterance is a noun phrase); numbers are accepted too.
//
// Companion panoptic file (the convention of this reader/writer):
//  - reading `X.json` looks beside it for, in order: `panoptic_<split>.json` when X is
//    `png_coco_<split>` (the released layout), `X_panoptic.json`, `panoptic.json`; its PNGs
//    are found as panoptic.h describes. Only the images that narratives mention are read.
//    Without a companion the narratives are read alone, segment ids unresolved (warning).
//  - writing `X.json` also writes the dataset's annotations as `panoptic_<split>.json` +
//    `panoptic_<split>/` when X is `png_coco_<split>`, else `X_panoptic.json` + `X_panoptic/`.
//
// In memory NarrativeSegment::segmentIds are annotation ids and `noun` is the noun phrase:
// "noun": true reads as the utterance, false as "". Writing gives back a bool when noun is
// empty or equals the utterance, and the string otherwise.
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/file_batch.h"
#include "core/formats/format_util.h"
#include "core/json_read.h"
#include "core/formats/panoptic.h"

#include <filesystem>

namespace ld {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kReleasedPrefix = "png_coco_";

bool hasReleasedName(const fs::path& p) {
    return p.stem().string().compare(0, kReleasedPrefix.size(), kReleasedPrefix) == 0;
}

fs::path companionForWriting(const fs::path& p) {
    const std::string stem = p.stem().string();
    if (hasReleasedName(p)) return p.parent_path() / ("panoptic_" + stem.substr(kReleasedPrefix.size()) + ".json");
    return p.parent_path() / (stem + "_panoptic.json");
}

fs::path companionForReading(const fs::path& p) {
    std::error_code ec;
    std::vector<fs::path> candidates;
    if (hasReleasedName(p)) candidates.push_back(companionForWriting(p));
    candidates.push_back(p.parent_path() / (p.stem().string() + "_panoptic.json"));
    candidates.push_back(p.parent_path() / "panoptic.json");
    for (const auto& c : candidates)
        if (fs::is_regular_file(c, ec)) return c;
    return {};
}

const json* narrativeList(const json& j) {
    if (j.is_array()) return &j;
    if (j.is_object()) {
        for (const char* key : {"narratives", "annotations"})
            if (j.contains(key) && j[key].is_array()) return &j[key];
    }
    return nullptr;
}

class NarrativeFormat : public DatasetFormat {
public:
    std::string name() const override { return "png-narrative"; }
    std::string description() const override { return "Panoptic Narrative Grounding JSON (+ COCO panoptic)"; }
    int capabilities() const override { return ReadWrite; }

    bool supportsPath(const std::string& path) const override {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec) || fs::path(path).extension() != ".json") return false;
        const std::string head = fileHead(path);
        const size_t first = head.find_first_not_of(" \t\r\n");
        return first != std::string::npos && head[first] == '[' && head.find("\"caption\"") != std::string::npos &&
               head.find("\"segments\"") != std::string::npos;
    }

    Dataset read(const std::string& path, const ReadOptions& options) const override {
        const json j = readJsonFile(path);
        const json* list = narrativeList(j);
        if (!list) throw Error(path, "not a narrative grounding file (expected a list of {image_id, caption, segments})");

        std::set<int64_t> imageIds;
        for (const auto& n : *list)
            if (n.is_object() && n.contains("image_id"))
                if (auto id = jsonToInt(n["image_id"])) imageIds.insert(*id);

        PanopticData panoptic;
        const fs::path companion = companionForReading(fs::path(path));
        const bool resolved = !companion.empty();
        if (resolved) panoptic = readPanoptic(companion.string(), options, &imageIds);
        Dataset d = std::move(panoptic.dataset);
        if (!resolved) d.warnings.add("no companion panoptic file (segment ids left unresolved)");

        for (const auto& n : *list) {
            if (!n.is_object()) {
                d.warnings.add("narratives that are not objects skipped");
                continue;
            }
            auto imageId = n.contains("image_id") ? jsonToInt(n["image_id"]) : std::nullopt;
            if (!imageId) {
                d.warnings.add("narratives without a valid image_id skipped");
                continue;
            }
            Narrative narrative;
            narrative.imageId = *imageId;
            narrative.caption = jsonString(n, "caption");
            if (resolved && !d.findImage(*imageId)) d.warnings.add("narratives of images missing from the panoptic file");
            const json& segments = n.contains("segments") && n["segments"].is_array() ? n["segments"] : json::array();
            for (const auto& s : segments) {
                if (!s.is_object()) {
                    d.warnings.add("narrative segments that are not objects skipped");
                    continue;
                }
                NarrativeSegment seg;
                seg.utterance = jsonString(s, "utterance");
                if (s.contains("noun")) {
                    if (s["noun"].is_string()) seg.noun = s["noun"].get<std::string>();
                    else if (jsonToBool(s["noun"]).value_or(false)) seg.noun = seg.utterance;
                }
                seg.plural = s.contains("plural") && jsonToBool(s["plural"]).value_or(false);
                if (s.contains("segment_ids") && s["segment_ids"].is_array()) {
                    for (const auto& idj : s["segment_ids"]) {
                        auto id = jsonToInt(idj);
                        if (!id) {
                            d.warnings.add("invalid narrative segment ids dropped");
                            continue;
                        }
                        if (!resolved) {
                            seg.segmentIds.push_back(*id);
                            continue;
                        }
                        auto it = panoptic.annotationIdOf.find({*imageId, *id});
                        if (it == panoptic.annotationIdOf.end()) d.warnings.add("narrative segment ids not in the panoptic file dropped");
                        else seg.segmentIds.push_back(it->second);
                    }
                }
                narrative.segments.push_back(std::move(seg));
            }
            d.narratives.push_back(std::move(narrative));
        }
        return d;
    }

    void write(const Dataset& dataset, const std::string& path, const WriteOptions& options) const override {
        std::error_code ec;
        if (fs::is_directory(path, ec)) throw Error(path, "narrative output must be a .json file, not a folder");
        Warnings localWarnings;
        Warnings& warnings = options.warnings ? *options.warnings : localWarnings;
        FileBatch batch;
        const bool withPanoptic = !dataset.images.empty();
        std::map<int64_t, int64_t> segmentIdOf;
        if (withPanoptic) segmentIdOf = addPanopticFiles(dataset, companionForWriting(fs::path(path)).string(), options, batch);

        json list = json::array();
        for (const Narrative& n : dataset.narratives) {
            json segments = json::array();
            for (const NarrativeSegment& s : n.segments) {
                json ids = json::array();
                for (int64_t id : s.segmentIds) {
                    if (!withPanoptic) {
                        ids.push_back(std::to_string(id));
                        continue;
                    }
                    auto it = segmentIdOf.find(id);
                    if (it == segmentIdOf.end()) warnings.add("narrative segment ids of unwritten annotations dropped");
                    else ids.push_back(std::to_string(it->second));
                }
                json noun = s.noun.empty() ? json(false) : s.noun == s.utterance ? json(true) : json(s.noun);
                segments.push_back({{"utterance", s.utterance},
                                    {"segment_ids", std::move(ids)},
                                    {"plural", s.plural},
                                    {"noun", std::move(noun)}});
            }
            list.push_back({{"image_id", std::to_string(n.imageId)}, {"caption", n.caption}, {"segments", std::move(segments)}});
        }
        batch.add(path, jsonText(list));
        batch.commit();
    }
};

}  // namespace

const DatasetFormat& narrativeFormat() {
    static const NarrativeFormat format;
    return format;
}

}  // namespace ld
