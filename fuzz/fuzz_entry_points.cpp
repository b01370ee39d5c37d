#include "fuzz/fuzz_entry_points.h"

#include "core/atomic_file.h"
#include "core/base64.h"
#include "core/formats/dataset_format.h"
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/exif_orientation.h"
#include "core/file_batch.h"
#include "core/formats/format_util.h"
#include "core/image_header_parser.h"
#include "core/json_read.h"
#include "core/mask.h"
#include "core/formats/panoptic.h"
#include "core/png_codec.h"
#include "core/polygon.h"
#include "core/project.h"
#include "core/rle.h"
#include "core/safetensors_header.h"
#include "core/segmentation.h"
#include "core/segmentation_json.h"
#include "inference/text/bpe_tokenizer.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include <unistd.h>

namespace ld::fuzz {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// Sizes a file may state and the readers accept (kMaxPixels = 2^28) can still be far more
// than libFuzzer's -malloc_limit_mb=512 once a writer rasterises every annotation at that
// size; the write/round-trip stages run only below this, the read stages always.
constexpr int64_t kWriteStagePixels = int64_t(1) << 22;

[[noreturn]] void fail(const std::string& what) { throw Finding{what}; }

#define FUZZ_CHECK(cond, msg) \
    do {                      \
        if (!(cond)) fail(std::string(msg) + " (" #cond ")"); \
    } while (0)

std::string bytes(const uint8_t* data, size_t size) {
    return size ? std::string(reinterpret_cast<const char*>(data), size) : std::string();
}

struct ScratchDir {
    std::string path;
    ScratchDir() {
        std::error_code ec;
        std::string base = "/dev/shm";
        if (access(base.c_str(), W_OK) != 0) {
            const char* tmp = std::getenv("TMPDIR");
            base = tmp && *tmp ? tmp : "/tmp";
        }
        path = base + "/labeldiff-fuzz-" + std::to_string(getpid());
        fs::remove_all(path, ec);
        fs::create_directories(path + "/in", ec);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// A fresh, empty folder `<scratch>/<name>`.
std::string freshDir(const std::string& name) {
    const std::string dir = scratchDir() + "/" + name;
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    return dir;
}

// Writes the input as `<scratch>/in/<fileName>` (the folder holds nothing else).
std::string inputFile(const uint8_t* data, size_t size, const std::string& fileName) {
    const std::string dir = freshDir("in");
    const std::string path = dir + "/" + fileName;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) fail("cannot create the scratch file " + path);
    if (size && std::fwrite(data, 1, size, f) != size) {
        std::fclose(f);
        fail("cannot write the scratch file " + path);
    }
    std::fclose(f);
    return path;
}

bool smallEnoughToWrite(const Dataset& d) {
    for (const auto& im : d.images)
        if (int64_t(im.width) * int64_t(im.height) > kWriteStagePixels) return false;
    return true;
}

// The message of the last std::exception (not ld::Error) an entry point caught.
std::string& lastStdException() {
    static std::string message;
    return message;
}

template <typename Body>
Outcome guarded(Body&& body) {
    try {
        body();
        return Outcome::Result;
    } catch (const Error&) {
        return Outcome::Error;
    } catch (const std::exception& e) {
        lastStdException() = e.what();
        return Outcome::StdException;
    }
}

// Fuzzed datasets name images that do not exist: the readers must not look for them.
ReadOptions withoutImageFiles() {
    ReadOptions options;
    options.checkImagesOnDisk = false;
    return options;
}

// Write options whose warnings about lossy writes are collected (and not looked at).
struct CollectedWrite {
    Warnings warnings;
    WriteOptions options;
    CollectedWrite() { options.warnings = &warnings; }
    CollectedWrite(const CollectedWrite&) = delete;
    CollectedWrite& operator=(const CollectedWrite&) = delete;
};

// Reading back what a writer just wrote must work: anything else means the writer
// produces files that LabelDiff itself refuses.
Dataset readBack(const DatasetFormat& format, const std::string& path, const char* stage) {
    try {
        return format.read(path, withoutImageFiles());
    } catch (const Error& e) {
        fail(std::string(stage) + ": the written file cannot be read back: " + e.what());
    }
}

// ---- targets --------------------------------------------------------------------------

Outcome fuzzCoco(const uint8_t* data, size_t size) {
    return guarded([&] {
        const std::string in = inputFile(data, size, "instances.json");
        const Dataset d = cocoFormat().read(in, withoutImageFiles());
        if (!smallEnoughToWrite(d)) return;
        const std::string outDir = freshDir("out");
        for (auto seg : {WriteOptions::Segmentation::Rle, WriteOptions::Segmentation::Polygons}) {
            CollectedWrite w;
            w.options.segmentation = seg;
            const std::string out = outDir + (seg == WriteOptions::Segmentation::Rle ? "/rle.json" : "/polygon.json");
            cocoFormat().write(d, out, w.options);
            const Dataset back = readBack(cocoFormat(), out, "coco write");
            // The writer may drop images it cannot express (with a warning), never add any.
            FUZZ_CHECK(back.images.size() <= d.images.size(), "coco write: images added");
        }
    });
}

Outcome fuzzLabelme(const uint8_t* data, size_t size) {
    return guarded([&] {
        const std::string in = inputFile(data, size, "image.json");
        const Dataset d = labelmeFormat().read(in, withoutImageFiles());
        if (!smallEnoughToWrite(d)) return;
        const std::string outDir = freshDir("out") + "/labelme";
        CollectedWrite w;
        labelmeFormat().write(d, outDir, w.options);
        const Dataset back = readBack(labelmeFormat(), outDir, "labelme write");
        FUZZ_CHECK(back.images.size() <= d.images.size(), "labelme write: images added");
    });
}

Outcome fuzzProject(const uint8_t* data, size_t size) {
    return guarded([&] {
        const std::string in = inputFile(data, size, "project.ldproj.json");
        const Project first = loadProject(in);
        const std::string out = freshDir("out") + "/saved.json";
        saveProject(first, out);
        Project second;
        try {
            second = loadProject(out);
        } catch (const Error& e) {
            fail(std::string("a loaded project, saved, cannot be loaded again: ") + e.what());
        }
        const std::string a = projectToJson(first).dump(-1, ' ', false, json::error_handler_t::replace);
        const std::string b = projectToJson(second).dump(-1, ' ', false, json::error_handler_t::replace);
        if (a != b) fail("project load -> save -> load changed the project:\n  first:  " + a + "\n  second: " + b);
        // Saving the reloaded project gives the same file.
        const std::string out2 = scratchDir() + "/out/saved2.json";
        saveProject(second, out2);
        FUZZ_CHECK(readFile(out) == readFile(out2), "project save is not idempotent");
    });
}

Outcome fuzzPanoptic(const uint8_t* data, size_t size) {
    return guarded([&] {
        const std::string in = inputFile(data, size, "panoptic.json");
        const PanopticData p = readPanoptic(in, withoutImageFiles());
        if (!smallEnoughToWrite(p.dataset)) return;
        FileBatch batch;  // encoded, never committed
        CollectedWrite w;
        addPanopticFiles(p.dataset, scratchDir() + "/out/panoptic.json", w.options, batch);
    });
}

Outcome fuzzNarrative(const uint8_t* data, size_t size) {
    return guarded([&] {
        const std::string in = inputFile(data, size, "narratives.json");
        const Dataset d = narrativeFormat().read(in, withoutImageFiles());
        if (!smallEnoughToWrite(d)) return;
        const std::string out = freshDir("out") + "/narratives.json";
        CollectedWrite w;
        narrativeFormat().write(d, out, w.options);
        const Dataset back = readBack(narrativeFormat(), out, "narrative write");
        FUZZ_CHECK(back.narratives.size() == d.narratives.size(), "narrative write: narratives lost");
    });
}

// Layout: u16 height, u16 width (little endian), one mode byte, then either a compressed
// counts string (mode even) or int32 counts (mode odd).
Outcome fuzzRle(const uint8_t* data, size_t size) {
    return guarded([&] {
        if (size < 5) throw Error("rle", "short input");
        const int h = data[0] | (data[1] << 8);
        const int w = data[2] | (data[3] << 8);
        const bool list = data[4] & 1;
        Rle r;
        if (!list) {
            r = rleFromString(bytes(data + 5, size - 5), h, w, "rle");
        } else {
            std::vector<int64_t> counts;
            for (size_t i = 5; i + 4 <= size; i += 4) {
                int32_t v;
                std::memcpy(&v, data + i, 4);
                counts.push_back(v);
            }
            r = rleFromCounts(counts, h, w, "rle");
        }
        (void)rleArea(r);
        (void)rleBbox(r);
        if (int64_t(h) * w > (int64_t(1) << 20)) return;
        const BinaryMask m = decodeRle(r);
        FUZZ_CHECK(m.height() == h && m.width() == w, "decodeRle: wrong size");
        FUZZ_CHECK(int64_t(rleArea(r)) == area(m), "rleArea differs from the decoded mask's area");
        // rleBbox ports pycocotools' quirks (a zero-length run still widens the box), so
        // only the canonical RLE's box must be the mask's.
        const Rle canonical = encodeRle(m);
        FUZZ_CHECK(rleBbox(canonical) == bbox(m), "rleBbox differs from the decoded mask's bbox");
        FUZZ_CHECK(decodeRle(canonical) == m, "encodeRle/decodeRle do not round-trip");
        FUZZ_CHECK(rleFromString(rleToString(canonical), h, w, "rle") == canonical,
                   "rleToString/rleFromString do not round-trip");
        FUZZ_CHECK(decodeRle(rleMerge({r, canonical})) == m, "rleMerge of a mask with itself changed it");
        FUZZ_CHECK(decodeRle(rleMerge({r, canonical}, true)) == m, "rleMerge (intersect) of a mask with itself changed it");
    });
}

// Layout: height-1, width-1 (one byte each), then a JSON segmentation when the next byte
// is '[' or '{', else raw little-endian doubles split into 1..4 polygons.
Outcome fuzzPolygon(const uint8_t* data, size_t size) {
    return guarded([&] {
        if (size < 3) throw Error("polygon", "short input");
        const int h = 1 + data[0];
        const int w = 1 + data[1];
        Rle rle;
        if (data[2] == '[' || data[2] == '{') {
            const json j = parseJson(bytes(data + 2, size - 2), "polygon");
            Warnings warnings;
            const Segmentation s = segmentationFromJson(j, h, w, "polygon", warnings);
            rle = toRle(s, h, w);
            const BinaryMask m = toMask(s, h, w);
            FUZZ_CHECK(decodeRle(rle) == m, "toRle and toMask disagree");
            (void)segmentationToJson(s);
        } else {
            const int parts = 1 + data[2] % 4;
            std::vector<double> values;
            for (size_t i = 3; i + 8 <= size; i += 8) {
                double v;
                std::memcpy(&v, data + i, 8);
                values.push_back(v);
            }
            std::vector<Polygon> polygons(parts);
            for (size_t i = 0; i < values.size(); ++i) polygons[(i * parts) / values.size()].push_back(values[i]);
            for (const auto& p : polygons) (void)polygonArea(p);
            rle = rasterizePolygonsRle(polygons, h, w);
            FUZZ_CHECK(decodeRle(rle) == rasterizePolygons(polygons, h, w),
                       "rasterizePolygonsRle and rasterizePolygons disagree");
        }
        const BinaryMask m = decodeRle(rle);
        const PolygonExtraction traced = maskToPolygons(m);
        (void)rasterizePolygonsRle(traced.polygons, h, w);
        (void)maskToPolygons(m, 1.5);
    });
}

Outcome fuzzImage(const uint8_t* data, size_t size) {
    // EXIF parsing never throws: a bad block means orientation 1.
    const int o1 = exifOrientationFromTiff(data, size);
    const int o2 = exifOrientationFromExifBlock(data, size);
    FUZZ_CHECK(o1 >= 1 && o1 <= 8 && o2 >= 1 && o2 <= 8, "EXIF orientation out of 1..8");
    return guarded([&] {
        MemoryByteSource src(data, size);
        const ParsedImageHeader parsed = parseImageHeader(src, "image");
        const ImageHeader& h = parsed.header;
        FUZZ_CHECK(h.width > 0 && h.height > 0, "parseImageHeader accepted a non-positive size");
        FUZZ_CHECK(h.orientation >= 1 && h.orientation <= 8, "parseImageHeader: orientation out of 1..8");
        const cv::Mat stored(2, 3, CV_8UC3, cv::Scalar(1, 2, 3));
        const cv::Mat shown = applyExifOrientation(stored, h.orientation);
        FUZZ_CHECK(shown.cols == (h.orientation >= 5 ? 2 : 3), "applyExifOrientation: wrong size");
        FUZZ_CHECK(cv::norm(undoExifOrientation(shown, h.orientation), stored, cv::NORM_INF) == 0,
                   "undoExifOrientation is not the inverse of applyExifOrientation");
        checkImageComplete(data, size, parsed.format, "image");
    });
}

bool sameMat(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && (a.empty() || cv::norm(a, b, cv::NORM_INF) == 0);
}

Outcome fuzzPng(const uint8_t* data, size_t size) {
    return guarded([&] {
        const cv::Mat png = decodePng(bytes(data, size), "label.png");
        const int type = png.type();
        if (type == CV_8UC1 || type == CV_8UC3 || type == CV_16UC1) {
            const cv::Mat again = decodePng(encodePng(png, "label.png"), "label.png");
            FUZZ_CHECK(sameMat(png, again), "encodePng/decodePng do not round-trip");
        }
        if (png.depth() == CV_8U && (png.channels() == 1 || png.channels() == 3 || png.channels() == 4)) {
            try {
                (void)panopticIds(png, "label.png");
            } catch (const Error&) {
            }
        }
        for (const bool binary : {true, false}) {
            try {
                const cv::Mat labels = pngToLabels(png, binary, "label.png");
                FUZZ_CHECK(labels.type() == CV_8UC1 && labels.size() == png.size(), "pngToLabels: wrong type or size");
                FUZZ_CHECK(sameMat(decodePng(encodePng(labels, "labels"), "labels"), labels),
                           "labels do not round-trip through PNG");
            } catch (const Error&) {
            }
        }
    });
}

Outcome fuzzBase64(const uint8_t* data, size_t size) {
    const std::string in = bytes(data, size);
    FUZZ_CHECK(base64Decode(base64Encode(in)) == in, "base64Decode(base64Encode(x)) != x");
    return guarded([&] {
        const std::string decoded = base64Decode(in, "base64");
        FUZZ_CHECK(base64Decode(base64Encode(decoded)) == decoded, "base64 does not round-trip decoded data");
    });
}

Outcome fuzzJson(const uint8_t* data, size_t size) {
    return guarded([&] {
        const std::string text = bytes(data, size);
        checkJsonDepth(text, "json");
        std::optional<json> parsed;
        std::string firstError;
        try {
            parsed = parseJson(text, "json");
        } catch (const Error& e) {
            firstError = e.what();
        }
        // Both parsers accept the same texts.
        try {
            const nlohmann::ordered_json o = parseOrderedJson(text, "json");
            FUZZ_CHECK(parsed.has_value(), "parseOrderedJson accepted what parseJson refused: " + firstError);
            const std::string od = o.dump();
            FUZZ_CHECK(parseOrderedJson(od, "json").dump() == od, "ordered JSON dump does not round-trip");
        } catch (const Error&) {
            FUZZ_CHECK(!parsed.has_value(), "parseJson accepted what parseOrderedJson refused");
        }
        if (!parsed) throw Error("json", firstError);
        const std::string d1 = parsed->dump();
        const std::string d2 = parseJson(d1, "json").dump();
        FUZZ_CHECK(d1 == d2, "JSON dump -> parse -> dump changed the text");
        (void)jsonText(*parsed);
    });
}

// The whole input is a .safetensors file (length, header, data) held in memory.
Outcome fuzzSafetensors(const uint8_t* data, size_t size) {
    return guarded([&] {
        const SafetensorsHeader h = parseSafetensorsHeader(size ? data : nullptr, size, "fuzz.safetensors");
        FUZZ_CHECK(h.dataStart >= 8 && h.dataStart + h.dataBytes == size, "the data section is not the file's rest");
        uint64_t covered = 0;
        for (size_t i = 0; i < h.entries.size(); ++i) {
            const TensorEntry& e = h.entries[i];
            FUZZ_CHECK(i == 0 || h.entries[i - 1].name < e.name, "entries not sorted by name, or a name twice");
            FUZZ_CHECK(e.begin <= e.end && e.end <= h.dataBytes, "an entry reaches outside the data section");
            uint64_t bytes = safetensorsDtypeSize(e.dtype);
            FUZZ_CHECK(bytes > 0, "an accepted entry has an unknown dtype");
            for (const int64_t d : e.shape) {
                FUZZ_CHECK(d >= 0, "an accepted shape has a negative dimension");
                FUZZ_CHECK(!__builtin_mul_overflow(bytes, uint64_t(d), &bytes), "an accepted shape overflows");
            }
            FUZZ_CHECK(bytes == e.end - e.begin, "an entry's shape and byte range disagree");
            covered += e.end - e.begin;
        }
        FUZZ_CHECK(covered == h.dataBytes, "the entries do not tile the data section");
    });
}

// A tokenizer to feed prompts to: CLIP's real vocabulary when it is at hand (env
// LABELDIFF_FUZZ_CLIP_BPE or ../shared/models/clip-bpe), else a tiny one built here.
const BpeTokenizer& promptTokenizer() {
    static const std::unique_ptr<BpeTokenizer> tokenizer = [] {
        std::vector<std::string> candidates;
        if (const char* env = std::getenv("LABELDIFF_FUZZ_CLIP_BPE")) candidates.push_back(env);
#ifdef LABELDIFF_SOURCE_DIR
        candidates.push_back(std::string(LABELDIFF_SOURCE_DIR) + "/../shared/models/clip-bpe/bpe_simple_vocab_16e6.txt.gz");
#endif
        for (const auto& c : candidates) {
            std::error_code ec;
            if (!fs::is_regular_file(c, ec)) continue;
            try {
                return std::make_unique<BpeTokenizer>(BpeTokenizer::fromBpeFile(c));
            } catch (const Error&) {
            }
        }
        const std::string dir = scratchDir() + "/tiny-tokenizer";
        fs::create_directories(dir);
        json vocab = json::object();
        int64_t id = 0;
        for (int c = 'a'; c <= 'z'; ++c) {
            vocab[std::string(1, char(c))] = id++;
            vocab[std::string(1, char(c)) + "</w>"] = id++;
        }
        for (const char* t : {"ca", "cat</w>", "do", "dog</w>", "<|startoftext|>", "<|endoftext|>"}) vocab[t] = id++;
        writeFileAtomic(dir + "/vocab.json", vocab.dump());
        writeFileAtomic(dir + "/merges.txt", "#version: 0.2\nc a\nca t</w>\nd o\ndo g</w>\n");
        return std::make_unique<BpeTokenizer>(BpeTokenizer::fromVocabAndMerges(dir + "/vocab.json", dir + "/merges.txt"));
    }();
    return *tokenizer;
}

// Without a NUL byte the input is a prompt; with one it is vocab.json NUL merges.txt.
Outcome fuzzTokenizer(const uint8_t* data, size_t size) {
    return guarded([&] {
        const std::string in = bytes(data, size);
        const size_t nul = in.find('\0');
        if (nul == std::string::npos) {
            const std::string cleaned = BpeTokenizer::cleanText(in);
            (void)BpeTokenizer::splitWords(cleaned);
            const BpeTokenizer& t = promptTokenizer();
            const std::vector<int64_t> ids = t.encode(in);
            FUZZ_CHECK(int(ids.size()) == t.maxLength(), "encode(pad) did not pad to maxLength");
            (void)t.decode(ids);
            (void)t.decode(t.tokenize(in));
            return;
        }
        const std::string dir = freshDir("in");
        writeFileAtomic(dir + "/vocab.json", in.substr(0, nul));
        writeFileAtomic(dir + "/merges.txt", in.substr(nul + 1));
        const BpeTokenizer t = BpeTokenizer::fromVocabAndMerges(dir + "/vocab.json", dir + "/merges.txt");
        const std::string prompt = in.substr(nul + 1, 64);
        (void)t.decode(t.encode(prompt));
    });
}

}  // namespace

const char* toString(Outcome o) {
    switch (o) {
    case Outcome::Result: return "result";
    case Outcome::Error: return "ld::Error";
    case Outcome::StdException: return "std::exception";
    }
    return "?";
}

const std::string& lastStdExceptionMessage() { return lastStdException(); }

const std::string& scratchDir() {
    static const ScratchDir dir;
    return dir.path;
}

const std::vector<Target>& targets() {
    static const std::vector<Target> all = {
        {"coco", fuzzCoco, "COCO instances JSON read, written as RLE and as polygons, read back"},
        {"labelme", fuzzLabelme, "labelme JSON read, written, read back"},
        {"project", fuzzProject, "project load -> save -> load must give the same project"},
        {"panoptic", fuzzPanoptic, "COCO panoptic JSON read (no PNGs), PNGs encoded again"},
        {"narrative", fuzzNarrative, "Panoptic Narrative Grounding JSON read, written, read back"},
        {"rle", fuzzRle, "RLE string/counts decode, encode, area, bbox, merge"},
        {"polygon", fuzzPolygon, "polygon rasterisation (JSON segmentation or raw doubles), contour tracing"},
        {"image", fuzzImage, "image header + EXIF orientation + completeness check (JPEG/PNG/TIFF/BMP/WebP)"},
        {"png", fuzzPng, "label PNG decode, pngToLabels, panopticIds, encode round trip"},
        {"base64", fuzzBase64, "base64 decode/encode"},
        {"json", fuzzJson, "parseJson/parseOrderedJson/checkJsonDepth, dump round trip"},
        {"safetensors", fuzzSafetensors, "safetensors header: length, JSON, dtypes, shapes, offsets, tiling"},
        {"tokenizer", fuzzTokenizer, "CLIP BPE tokenizer: prompts, and vocab.json + merges.txt loading"},
    };
    return all;
}

const Target* findTarget(const std::string& name) {
    for (const auto& t : targets())
        if (name == t.name) return &t;
    return nullptr;
}

int runForFuzzer(const Target& target, const uint8_t* data, size_t size) {
    static const bool strict = [] {
        const char* s = std::getenv("LABELDIFF_FUZZ_STRICT");
        return s && *s && std::strcmp(s, "0") != 0;
    }();
    try {
        const Outcome o = target.run(data, size);
        if (strict && o == Outcome::StdException) {
            std::fprintf(stderr, "fuzz_%s: a std::exception other than ld::Error escaped: %s\n", target.name,
                         lastStdException().c_str());
            std::abort();
        }
    } catch (const Finding& f) {
        std::fprintf(stderr, "fuzz_%s: FINDING: %s\n", target.name, f.what.c_str());
        std::abort();
    }
    return 0;
}

}  // namespace ld::fuzz
