// Files a stranger hands over, fed to the real labeldiff-cli (issue 14, "Done when"): every
// command on every hostile file ends in a clean error (exit code 1, a message naming the
// file) or a correct result, within 20 s and 3 GB of address space (RLIMIT_AS in the
// child), and writes nothing outside its output folder; no message carries a C++
// backtrace. One row per command × file; the files are made here, small, each in a folder
// of its own beside a "victim" folder that the hostile names point at. In a sanitizer build
// (docs/sanitizers.md) the CLI runs without RLIMIT_AS (ASan's shadow memory reserves
// terabytes of address space) and with three times the time.
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/image.h"

#include "support/tiny_model.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include <sys/resource.h>

#include <filesystem>
#include <functional>
#include <map>

namespace fs = std::filesystem;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
constexpr int kTimeLimitMs = kSanitized ? 60000 : 20000;
constexpr rlim_t kAddressSpace = rlim_t(3) << 30;

// ---- small builders ---------------------------------------------------------------------

void put(const fs::path& file, const std::string& bytes) {
    fs::create_directories(file.parent_path());
    ld::writeFileAtomic(file.string(), bytes);
}

std::string deepJson(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

uint32_t crc32(const std::string& bytes) {
    uint32_t c = 0xffffffffu;
    for (unsigned char b : bytes) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

std::string be32(uint32_t v) {
    return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

std::string pngChunk(const std::string& tag, const std::string& data) {
    return be32(uint32_t(data.size())) + tag + data + be32(crc32(tag + data));
}

// A valid PNG signature and header stating width × height (bit depth, colour type), with a
// few bytes of image data that cannot fill it: what a decompression bomb's first bytes
// look like to a reader that trusts the header.
std::string pngHeaderOnly(uint32_t width, uint32_t height, char depth, char colour) {
    const std::string ihdr = be32(width) + be32(height) + std::string{depth, colour, 0, 0, 0};
    return std::string("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) +
           pngChunk("IDAT", std::string("\x78\x9c\x63\x00\x00\x00\x01\x00\x01", 9)) + pngChunk("IEND", "");
}

std::string realImage(const char* ext, int w = 24, int h = 16) {
    cv::Mat bgr(h, w, CV_8UC3);
    cv::RNG(3).fill(bgr, cv::RNG::UNIFORM, 0, 255);
    std::vector<uchar> buf;
    cv::imencode(ext, bgr, buf);
    return std::string(buf.begin(), buf.end());
}

std::string base64(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i + 1 == in.size()) {
        const uint32_t v = uint32_t(uint8_t(in[i])) << 16;
        out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        const uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8;
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
}

// COCO with the given images and annotations (JSON array texts) and one category.
std::string coco(const std::string& images, const std::string& annotations) {
    return R"({"images": )" + images + R"(, "annotations": )" + annotations +
           R"(, "categories": [{"id": 1, "name": "thing"}]})";
}

std::string cocoImage(int id, const std::string& fileName, int64_t w = 24, int64_t h = 16) {
    return R"({"id": )" + std::to_string(id) + R"(, "file_name": ")" + fileName + R"(", "width": )" +
           std::to_string(w) + R"(, "height": )" + std::to_string(h) + "}";
}

std::string cocoAnnotation(int id, int imageId, const std::string& segmentation) {
    return R"({"id": )" + std::to_string(id) + R"(, "image_id": )" + std::to_string(imageId) +
           R"(, "category_id": 1, "iscrowd": 0, "segmentation": )" + segmentation + "}";
}

const std::string kSquare = "[[2, 2, 12, 2, 12, 10, 2, 10]]";

std::string labelme(const std::string& shapes, const std::string& rest) {
    return R"({"version": "5.5.0", "flags": {}, "shapes": )" + shapes + ", " + rest + "}";
}

// ---- hostile inputs -----------------------------------------------------------------------

// Where a row's files live: root/data (the input), root/victim (what hostile names reach
// for), root/out (the only place a command may write), root/cwd (its working directory).
struct Site {
    fs::path root;
    fs::path data() const { return root / "data"; }
    fs::path victim() const { return root / "victim"; }
};

struct Hostile {
    const char* format;   // reader (--format / --from); "" for a model or an image folder
    const char* culprit;  // what an error message must name
    // Writes the input under site.data() and returns the path to give the command.
    std::function<fs::path(const Site&)> make;
    int overlays = -1;    // overlays a successful `overlay` must write (-1: not checked)
};

const std::map<std::string, Hostile>& datasets() {
    static const std::map<std::string, Hostile> all = {
        {"coco nested 300000 deep", {"coco", "instances.json", [](const Site& s) {
             put(s.data() / "instances.json", R"({"info": )" + deepJson(300000) + R"(, "images": [], "annotations": [], "categories": []})");
             return s.data() / "instances.json";
         }}},
        {"coco 65535x65535 image with a polygon", {"coco", "instances.json", [](const Site& s) {
             put(s.data() / "images" / "a.png", realImage(".png"));
             put(s.data() / "instances.json", coco("[" + cocoImage(1, "a.png", 65535, 65535) + "]",
                                                   "[" + cocoAnnotation(1, 1, "[[0, 0, 65000, 0, 65000, 65000]]") + "]"));
             return s.data() / "instances.json";
         }}},
        {"coco RLE size 1e9", {"coco", "instances.json", [](const Site& s) {
             put(s.data() / "images" / "a.png", realImage(".png"));
             put(s.data() / "instances.json",
                 coco("[" + cocoImage(1, "a.png") + "]",
                      "[" + cocoAnnotation(1, 1, R"({"size": [1000000000, 1000000000], "counts": "0"})") + "]"));
             return s.data() / "instances.json";
         }}},
        {"coco RLE counts past the image", {"coco", "instances.json", [](const Site& s) {
             put(s.data() / "images" / "a.png", realImage(".png"));
             put(s.data() / "instances.json",
                 coco("[" + cocoImage(1, "a.png") + "]",
                      "[" + cocoAnnotation(1, 1, R"({"size": [16, 24], "counts": [0, 2000000000, 5]})") + "]"));
             return s.data() / "instances.json";
         }}},
        {"coco polygon at +-1e308", {"coco", "instances.json", [](const Site& s) {
             put(s.data() / "images" / "a.png", realImage(".png"));
             put(s.data() / "instances.json",
                 coco("[" + cocoImage(1, "a.png") + "]",
                      "[" + cocoAnnotation(1, 1, "[[1e308, -1e308, -1e308, 1e308, 0, 0, 1.7e308, 3]]") + "]"));
             return s.data() / "instances.json";
         }}},
        {"coco file names leaving the folder", {"coco", "instances.json", [](const Site& s) {
             put(s.data() / "images" / "a.png", realImage(".png"));
             put(s.data() / "escape.png", realImage(".png"));
             const std::string images = "[" + cocoImage(1, "a.png") + ", " + cocoImage(2, "../../victim/secret.png") +
                                        ", " + cocoImage(3, (s.victim() / "secret.png").string()) + ", " +
                                        cocoImage(4, "sub/../../escape.png") + "]";
             std::string annotations = "[";
             for (int i = 1; i <= 4; ++i) annotations += (i > 1 ? ", " : "") + cocoAnnotation(i, i, kSquare);
             put(s.data() / "instances.json", coco(images, annotations + "]"));
             return s.data() / "instances.json";
         }, 1}},
        {"coco symbolic links leaving the folder", {"coco", "instances.json", [](const Site& s) {
             put(s.data() / "images" / "a.png", realImage(".png"));
             fs::create_symlink(s.victim() / "secret.png", s.data() / "images" / "link.png");
             fs::create_directory_symlink(s.victim(), s.data() / "images" / "sub");
             const std::string images = "[" + cocoImage(1, "a.png") + ", " + cocoImage(2, "link.png") + ", " +
                                        cocoImage(3, "sub/secret.png") + "]";
             std::string annotations = "[";
             for (int i = 1; i <= 3; ++i) annotations += (i > 1 ? ", " : "") + cocoAnnotation(i, i, kSquare);
             put(s.data() / "instances.json", coco(images, annotations + "]"));
             return s.data() / "instances.json";
         }, 1}},
        {"coco images sharing a stem", {"coco", "instances.json", [](const Site& s) {
             put(s.data() / "images" / "a.png", realImage(".png"));
             put(s.data() / "images" / "a.jpg", realImage(".jpg"));
             put(s.data() / "images" / "x" / "a.png", realImage(".png"));
             put(s.data() / "instances.json",
                 coco("[" + cocoImage(1, "a.png") + ", " + cocoImage(2, "a.jpg") + ", " + cocoImage(3, "x/a.png") + "]",
                      "[" + cocoAnnotation(1, 1, kSquare) + ", " + cocoAnnotation(2, 2, kSquare) + "]"));
             return s.data() / "instances.json";
         }, 3}},
        {"coco image whose PNG header says 30000x30000", {"coco", "bomb.png", [](const Site& s) {
             put(s.data() / "images" / "bomb.png", pngHeaderOnly(30000, 30000, 16, 6));
             put(s.data() / "instances.json",
                 coco("[" + cocoImage(1, "bomb.png") + "]", "[" + cocoAnnotation(1, 1, kSquare) + "]"));
             return s.data() / "instances.json";
         }}},
        {"coco image whose PNG header says 16384x16384", {"coco", "big.png", [](const Site& s) {
             put(s.data() / "images" / "big.png", pngHeaderOnly(16384, 16384, 8, 2));
             put(s.data() / "instances.json",
                 coco("[" + cocoImage(1, "big.png", 16384, 16384) + "]", "[" + cocoAnnotation(1, 1, kSquare) + "]"));
             return s.data() / "instances.json";
         }}},
        {"coco truncated JPEG", {"coco", "cut.jpg", [](const Site& s) {
             const std::string jpeg = realImage(".jpg", 64, 48);
             put(s.data() / "images" / "cut.jpg", jpeg.substr(0, jpeg.size() / 2));
             put(s.data() / "instances.json",
                 coco("[" + cocoImage(1, "cut.jpg", 64, 48) + "]", "[" + cocoAnnotation(1, 1, kSquare) + "]"));
             return s.data() / "instances.json";
         }}},
        {"coco binary garbage", {"coco", "instances.json", [](const Site& s) {
             std::string junk;
             for (int i = 0; i < 4096; ++i) junk += char((i * 7919) & 0xff);
             put(s.data() / "instances.json", "{\"images\": [\"" + junk + "\"]}");
             return s.data() / "instances.json";
         }}},
        {"coco empty file", {"coco", "instances.json", [](const Site& s) {
             put(s.data() / "instances.json", "");
             return s.data() / "instances.json";
         }}},
        {"labelme nested 300000 deep", {"labelme", "x.json", [](const Site& s) {
             put(s.data() / "x.json", labelme("[]", R"("imagePath": "x.png", "imageHeight": 16, "imageWidth": 24, "flags": )" + deepJson(300000)));
             return s.data() / "x.json";
         }}},
        {"labelme imageData with a 30000x30000 PNG header", {"labelme", "x.json", [](const Site& s) {
             put(s.data() / "x.json", labelme(R"([{"label": "a", "points": [[1, 1], [5, 1], [5, 5]], "shape_type": "polygon"}])",
                                             R"("imagePath": "x.png", "imageData": ")" +
                                                 base64(pngHeaderOnly(30000, 30000, 16, 6)) + "\""));
             return s.data() / "x.json";
         }}},
        {"labelme circle of radius 1e15", {"labelme", "x.json", [](const Site& s) {
             put(s.data() / "x.png", realImage(".png"));
             put(s.data() / "x.json", labelme(R"([{"label": "c", "points": [[5, 5], [1e15, 5]], "shape_type": "circle"}])",
                                             R"("imagePath": "x.png", "imageHeight": 16, "imageWidth": 24)"));
             return s.data() / "x.json";
         }, 1}},
        {"labelme circle of radius 1e-300", {"labelme", "x.json", [](const Site& s) {
             put(s.data() / "x.png", realImage(".png"));
             put(s.data() / "x.json", labelme(R"([{"label": "c", "points": [[5, 5], [5, 5.000000000000001]], "shape_type": "circle"},
                                                   {"label": "d", "points": [[1e-300, 0], [0, 0]], "shape_type": "circle"}])",
                                             R"("imagePath": "x.png", "imageHeight": 16, "imageWidth": 24)"));
             return s.data() / "x.json";
         }, 1}},
        {"labelme size 1e6 x 1e6", {"labelme", "x.json", [](const Site& s) {
             put(s.data() / "x.json", labelme(R"([{"label": "a", "points": [[1, 1], [900000, 1], [900000, 900000]], "shape_type": "polygon"}])",
                                             R"("imagePath": "x.png", "imageHeight": 1000000, "imageWidth": 1000000)"));
             return s.data() / "x.json";
         }}},
        {"masks PNG header 30000x30000 RGBA16", {"masks", "street.png", [](const Site& s) {
             put(s.data() / "masks" / "street.png", pngHeaderOnly(30000, 30000, 16, 6));
             put(s.data() / "masks" / "classes.txt", "_background_\nthing\n");
             return s.data() / "masks";
         }}},
        {"panoptic width past 32 bits", {"panoptic", "panoptic_val.json", [](const Site& s) {
             fs::create_directories(s.data() / "images");
             put(s.data() / "panoptic_val.json",
                 R"({"images": [{"id": 1, "file_name": "a.png", "width": 8589934600, "height": 8}], "annotations": [],
                     "categories": [{"id": 1, "name": "thing", "isthing": 1}]})");
             return s.data() / "panoptic_val.json";
         }}},
        {"panoptic nested 300000 deep", {"panoptic", "panoptic_val.json", [](const Site& s) {
             put(s.data() / "panoptic_val.json", R"({"images": [], "annotations": )" + deepJson(300000) + R"(, "categories": []})");
             return s.data() / "panoptic_val.json";
         }}},
        {"narrative nested 300000 deep", {"png-narrative", "png_coco_val.json", [](const Site& s) {
             put(s.data() / "png_coco_val.json", R"({"annotations": )" + deepJson(300000) + "}");
             return s.data() / "png_coco_val.json";
         }}},
    };
    return all;
}

// A copy of the tiny model with one part replaced.
const std::map<std::string, Hostile>& models() {
    static const auto weights = [](const Site& s) { return s.data() / "model" / "unet" / "diffusion_pytorch_model.safetensors"; };
    static const auto le64 = [](uint64_t v) {
        std::string b(8, '\0');
        for (int i = 0; i < 8; ++i) b[i] = char((v >> (8 * i)) & 0xff);
        return b;
    };
    static const std::map<std::string, Hostile> all = {
        {"weights truncated", {"", "diffusion_pytorch_model.safetensors", [](const Site& s) {
             const std::string bytes = ld::readFile(weights(s).string());
             put(weights(s), bytes.substr(0, bytes.size() / 2));
             return s.data() / "model";
         }}},
        {"weights header length 2^64-1", {"", "diffusion_pytorch_model.safetensors", [](const Site& s) {
             put(weights(s), le64(~uint64_t(0)) + "{}");
             return s.data() / "model";
         }}},
        {"weights overlapping tensors", {"", "diffusion_pytorch_model.safetensors", [](const Site& s) {
             const std::string h = R"({"conv_in.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("conv_in.bias":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
             put(weights(s), le64(h.size()) + h + std::string(12, '\x01'));
             return s.data() / "model";
         }}},
        {"weights shape of 2^40 elements", {"", "diffusion_pytorch_model.safetensors", [](const Site& s) {
             const std::string h = R"({"conv_in.weight":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,8]}})";
             put(weights(s), le64(h.size()) + h + std::string(8, '\x01'));
             return s.data() / "model";
         }}},
        {"weights header nested 300000 deep", {"", "diffusion_pytorch_model.safetensors", [](const Site& s) {
             const std::string h = R"({"__metadata__":)" + deepJson(300000) + "}";
             put(weights(s), le64(h.size()) + h);
             return s.data() / "model";
         }}},
        {"model card nested 300000 deep", {"", "model_card.json", [](const Site& s) {
             put(s.data() / "model" / "model_card.json", R"({"name": )" + deepJson(300000) + "}");
             return s.data() / "model";
         }}},
        {"model card component outside the folder", {"", "model_card.json", [](const Site& s) {
             const fs::path card = s.data() / "model" / "model_card.json";
             nlohmann::json j = nlohmann::json::parse(ld::readFile(card.string()));
             j["components"]["unet"] = "../../victim";
             put(card, j.dump());
             return s.data() / "model";
         }}},
        {"unet config nested 300000 deep", {"", "config.json", [](const Site& s) {
             put(s.data() / "model" / "unet" / "config.json", R"({"block_out_channels": )" + deepJson(300000) + "}");
             return s.data() / "model";
         }}},
        // Sizes are checked as config.json is read (inference/io/json_config.h), before the
        // network is built: the message names the file, the key and the limit.
        {"unet config with 2^20 channels", {"", "config.json: config key 'block_out_channels' is 1048576, past the limit", [](const Site& s) {
             const fs::path config = s.data() / "model" / "unet" / "config.json";
             nlohmann::json j = nlohmann::json::parse(ld::readFile(config.string()));
             j["block_out_channels"] = {1048576, 1048576};
             put(config, j.dump());
             return s.data() / "model";
         }}},
        {"unet config with a million layers per block", {"", "config.json: config key 'layers_per_block' is 1000000, past the limit", [](const Site& s) {
             const fs::path config = s.data() / "model" / "unet" / "config.json";
             nlohmann::json j = nlohmann::json::parse(ld::readFile(config.string()));
             j["layers_per_block"] = 1000000;
             put(config, j.dump());
             return s.data() / "model";
         }}},
        // Within every limit, past the 3 GB of address space: the allocator refuses it, and
        // the message names config.json and says so, without LibTorch's backtrace.
        {"unet config inside the limits, past memory", {"", "config.json: the network it describes does not fit in memory", [](const Site& s) {
             const fs::path config = s.data() / "model" / "unet" / "config.json";
             nlohmann::json j = nlohmann::json::parse(ld::readFile(config.string()));
             j["block_out_channels"] = nlohmann::json::array();
             for (size_t i = 0; i < j["down_block_types"].size(); ++i) j["block_out_channels"].push_back(16384);
             put(config, j.dump());
             return s.data() / "model";
         }}},
        {"tokenizer vocabulary nested 300000 deep", {"", "phrase_vocab.json", [](const Site& s) {
             put(s.data() / "model" / "tokenizer" / "phrase_vocab.json", R"({"phrases": )" + deepJson(300000) + "}");
             return s.data() / "model";
         }}},
    };
    return all;
}

// Image folders for `label`: each holds one good image beside the hostile one, which
// `label` reports and skips (or refuses the run over, naming it).
const std::map<std::string, Hostile>& imageFolders() {
    static const std::map<std::string, Hostile> all = {
        {"PNG header 30000x30000", {"", "bomb.png", [](const Site& s) {
             put(s.data() / "images" / "good.png", realImage(".png"));
             put(s.data() / "images" / "bomb.png", pngHeaderOnly(30000, 30000, 16, 6));
             return s.data() / "images";
         }}},
        {"PNG header 16384x16384", {"", "big.png", [](const Site& s) {
             put(s.data() / "images" / "good.png", realImage(".png"));
             put(s.data() / "images" / "big.png", pngHeaderOnly(16384, 16384, 8, 2));
             return s.data() / "images";
         }}},
        {"truncated JPEG", {"", "cut.jpg", [](const Site& s) {
             const std::string jpeg = realImage(".jpg", 64, 48);
             put(s.data() / "images" / "good.png", realImage(".png"));
             put(s.data() / "images" / "cut.jpg", jpeg.substr(0, jpeg.size() / 2));
             return s.data() / "images";
         }}},
        {"empty PNG", {"", "empty.png", [](const Site& s) {
             put(s.data() / "images" / "good.png", realImage(".png"));
             put(s.data() / "images" / "empty.png", "");
             return s.data() / "images";
         }}},
    };
    return all;
}

// ---- what a run left behind -----------------------------------------------------------

// Every path under `dir` but `skip`, with its size and modification time; links not followed.
std::map<std::string, std::string> snapshot(const fs::path& dir, const fs::path& skip) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path() == skip) {
            it.disable_recursion_pending();
            continue;
        }
        const auto st = fs::symlink_status(it->path(), ec);
        std::string what = std::to_string(int(st.type()));
        if (st.type() == fs::file_type::regular)
            what += " " + std::to_string(fs::file_size(it->path(), ec)) + " " +
                    std::to_string(fs::last_write_time(it->path(), ec).time_since_epoch().count());
        out[it->path().lexically_relative(dir).generic_string()] = what;
    }
    return out;
}

QString changes(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after) {
    QStringList diff;
    for (const auto& [p, w] : after) {
        auto it = before.find(p);
        if (it == before.end()) diff << "new: " + QString::fromStdString(p);
        else if (it->second != w) diff << "changed: " + QString::fromStdString(p);
    }
    for (const auto& [p, w] : before)
        if (!after.count(p)) diff << "removed: " + QString::fromStdString(p);
    return diff.join(", ");
}

struct Run {
    bool finished = false;
    int exitCode = -1;
    qint64 ms = 0;
    QString out, err;
};

Run runLimited(const QStringList& args, const fs::path& cwd, const fs::path& home) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("HOME", QString::fromStdString(home.string()));
    env.insert("XDG_CONFIG_HOME", QString::fromStdString((home / ".config").string()));
    env.insert("XDG_CACHE_HOME", QString::fromStdString((home / ".cache").string()));
    env.insert("TMPDIR", QString::fromStdString((home / "tmp").string()));
    p.setProcessEnvironment(env);
    p.setWorkingDirectory(QString::fromStdString(cwd.string()));
    // Runs in the child between fork and exec: the limit binds the CLI, not the test.
    p.setChildProcessModifier([] {
        const rlimit limit{kAddressSpace, kAddressSpace};
        if (!kSanitized) ::setrlimit(RLIMIT_AS, &limit);
    });
    QElapsedTimer timer;
    timer.start();
    p.start(QStringLiteral(LABELDIFF_CLI), args);
    Run r;
    r.finished = p.waitForStarted() && p.waitForFinished(kTimeLimitMs);
    r.ms = timer.elapsed();
    if (!r.finished) {
        p.kill();
        p.waitForFinished();
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

bool anyNameContains(const fs::path& dir, const std::string& part) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->path().filename().string().find(part) != std::string::npos) return true;
    return false;
}

}  // namespace

class TestCliHostile : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    fs::path model_;
    int row_ = 0;

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY2(QFileInfo::exists(LABELDIFF_CLI), LABELDIFF_CLI);
        const std::string model = dir_.filePath("model").toStdString();
        ld::test::writeTinyModel(model);
        model_ = model;
    }

    void hostileInput_data() {
        QTest::addColumn<QString>("command");  // stats, convert:<format>[:polygon], overlay, label, inspect
        QTest::addColumn<QString>("group");    // dataset, model, images
        QTest::addColumn<QString>("kind");
        const QStringList datasetCommands = {"stats",          "convert:coco",     "convert:coco:polygon",
                                             "convert:labelme", "convert:masks",    "convert:panoptic",
                                             "convert:png-narrative", "overlay"};
        for (const auto& [kind, h] : datasets()) {
            QStringList commands = datasetCommands;
            if (std::string(h.format) == "coco") commands << "label";
            for (const QString& c : commands)
                QTest::newRow(qPrintable(c + " / " + QString::fromStdString(kind))) << c << "dataset" << QString::fromStdString(kind);
        }
        for (const auto& [kind, h] : models())
            for (const QString c : {"inspect", "label"})
                QTest::newRow(qPrintable(c + " / " + QString::fromStdString(kind))) << c << "model" << QString::fromStdString(kind);
        for (const auto& [kind, h] : imageFolders())
            QTest::newRow(qPrintable("label / " + QString::fromStdString(kind))) << "label" << "images" << QString::fromStdString(kind);
    }

    void hostileInput() {
        QFETCH(QString, command);
        QFETCH(QString, group);
        QFETCH(QString, kind);
        // Only RLIMIT_AS makes LibTorch's allocator refuse this quickly; a sanitizer build
        // runs without it, and would allocate and fill tens of gigabytes.
        if (kSanitized && kind == "unet config inside the limits, past memory")
            QSKIP("needs RLIMIT_AS, which a sanitizer build cannot set");
        const auto& table = group == "dataset" ? datasets() : group == "model" ? models() : imageFolders();
        const Hostile& h = table.at(kind.toStdString());

        Site site{fs::path(dir_.path().toStdString()) / ("row" + std::to_string(++row_))};
        const fs::path out = site.root / "out", cwd = site.root / "cwd", home = site.root / "home";
        for (const fs::path& d : {site.data(), out, cwd, home / "tmp"}) fs::create_directories(d);
        put(site.victim() / "secret.png", realImage(".png"));
        if (group == "model") fs::copy(model_, site.data() / "model", fs::copy_options::recursive);
        const fs::path input = h.make(site);

        QStringList args;
        const QStringList parts = command.split(':');
        const QString in = QString::fromStdString(input.string());
        QString outArg = QString::fromStdString(out.string());
        if (parts[0] == "stats") {
            args << "stats" << "--format" << h.format << in;
        } else if (parts[0] == "convert") {
            const QString to = parts[1];
            if (to == "coco") outArg += "/instances.json";
            else if (to == "panoptic") outArg += "/panoptic_out.json";
            else if (to == "png-narrative") outArg += "/png_coco_out.json";
            args << "convert" << "--from" << h.format << "--to" << to << in << outArg;
            if (parts.size() > 2) args << "--segmentation" << parts[2];
        } else if (parts[0] == "overlay") {
            args << "overlay" << "--format" << h.format << in << "--out" << outArg;
        } else if (parts[0] == "inspect") {
            args << "inspect" << in;
        } else {  // label: a hostile model on a good image, or the tiny model on hostile images
            fs::path images = input, model = model_;
            if (group == "model") {
                model = input;
                put(site.data() / "images" / "good.png", realImage(".png"));
                images = site.data() / "images";
            }
            args << "label" << "--model" << QString::fromStdString(model.string()) << "--images"
                 << QString::fromStdString(images.string()) << "--out" << outArg << "--prompt" << "circle"
                 << "--threads" << "1";
        }

        const auto siteBefore = snapshot(site.root, out);
        const auto rootBefore = snapshot(fs::path(dir_.path().toStdString()), site.root);
        const Run r = runLimited(args, cwd, home);
        const QString what = "labeldiff-cli " + args.join(' ') + "\nstdout: " + r.out.left(2000) + "\nstderr: " + r.err.left(2000);

        QVERIFY2(r.finished, qPrintable(QString("not finished within %1 ms: ").arg(kTimeLimitMs) + what));
        QVERIFY2(r.exitCode == 0 || r.exitCode == 1, qPrintable("crashed or killed: " + what));
        qInfo("%s: exit %d in %lld ms", qPrintable(command), r.exitCode, r.ms);
        QVERIFY2(!r.err.contains("frame #"), qPrintable("a C++ backtrace in the message: " + what));
        // Written nowhere but out/ (home/ holds what a library may cache; nothing may land there either).
        QVERIFY2(changes(siteBefore, snapshot(site.root, out)).isEmpty(),
                 qPrintable("wrote outside out/: " + changes(siteBefore, snapshot(site.root, out)) + "\n" + what));
        const auto rootAfter = snapshot(fs::path(dir_.path().toStdString()), site.root);
        QVERIFY2(changes(rootBefore, rootAfter).isEmpty(), qPrintable("wrote above the row: " + changes(rootBefore, rootAfter)));
        QVERIFY2(!anyNameContains(out, "secret") && !anyNameContains(out, "escape"),
                 qPrintable("a file from outside the images folder reached out/\n" + what));

        if (r.exitCode == 1) {
            QVERIFY2(r.err.contains("error"), qPrintable(what));
            QVERIFY2(r.err.contains(h.culprit), qPrintable(QString("the message does not name ") + h.culprit + "\n" + what));
            return;
        }
        // A correct result.
        if (parts[0] == "convert") {
            // A dataset whose every image or annotation was refused exports as nothing at
            // all to the per-image formats, which is right, and reads back as an error.
            bool wroteData = fs::is_regular_file(outArg.toStdString());
            std::error_code ec;
            for (auto it = fs::recursive_directory_iterator(outArg.toStdString(), ec); it != fs::recursive_directory_iterator(); it.increment(ec))
                wroteData = wroteData || it->path().extension() == ".png" || it->path().extension() == ".json";
            if (!wroteData) return;
            const ld::DatasetFormat* to = ld::findDatasetFormat(parts[1].toStdString());
            ld::ReadOptions ro;
            ro.checkImagesOnDisk = false;
            try {
                const ld::Dataset back = to->read(outArg.toStdString(), ro);
                // a.png, a.jpg and x/a.png: one file each (named <stem>-<id> where they collide).
                if (kind == "coco images sharing a stem" && (parts[1] == "labelme" || parts[1] == "panoptic"))
                    QVERIFY2(back.images.size() == 3, qPrintable(QString("%1 images read back\n").arg(back.images.size()) + what));
                for (const auto& im : back.images)
                    QVERIFY2(im.fileName.find("secret") == std::string::npos && im.fileName.find("escape") == std::string::npos,
                             im.fileName.c_str());
            } catch (const ld::Error& e) {
                QFAIL(qPrintable(QString("the output does not read back: ") + e.what() + "\n" + what));
            }
        } else if (parts[0] == "overlay") {
            const int written = int(QDir(outArg).entryList(QDir::Files).size());
            QVERIFY2(r.out.contains(QString("wrote %1 overlay").arg(written)), qPrintable(what));
            if (h.overlays >= 0) QVERIFY2(written == h.overlays, qPrintable(QString("%1 overlays, expected %2\n").arg(written).arg(h.overlays) + what));
        } else if (parts[0] == "label") {
            QVERIFY2(fs::exists(out / "instances.json"), qPrintable(what));
            ld::ReadOptions ro;
            ro.checkImagesOnDisk = false;
            if (group == "images") QVERIFY2(r.err.contains(h.culprit), qPrintable(QString("not named: ") + h.culprit + "\n" + what));
            try {
                ld::findDatasetFormat("coco")->read((out / "instances.json").string(), ro);
            } catch (const std::exception& e) {
                QFAIL(qPrintable(QString("label's instances.json does not read back: ") + e.what() + "\n" + what));
            }
        } else {
            QVERIFY2(!r.out.trimmed().isEmpty(), qPrintable(what));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliHostile)
#include "test_cli_hostile.moc"
