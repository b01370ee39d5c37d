#include "inference/safetensors.h"

#include "core/error.h"
#include "core/json_read.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ld {

namespace {

// safetensors' own reader refuses headers above this size; a hostile length field must
// not make us allocate gigabytes before the JSON parser sees a single byte.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

constexpr bool hostIsLittleEndian() {
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return false;
#else
    return true;
#endif
}

struct DtypeInfo {
    const char* name;
    size_t size;
    bool readable;
    torch::ScalarType type;
};

// Every dtype the safetensors format defines, so that a file using one we do not read
// gets a precise refusal instead of "unknown dtype".
const DtypeInfo kDtypes[] = {
    {"F32", 4, true, torch::kFloat32},   {"F16", 2, true, torch::kFloat16},
    {"BF16", 2, true, torch::kBFloat16}, {"I64", 8, true, torch::kInt64},
    {"F64", 8, false, torch::kFloat64},  {"I32", 4, false, torch::kInt32},
    {"I16", 2, false, torch::kInt16},    {"I8", 1, false, torch::kInt8},
    {"U8", 1, false, torch::kUInt8},     {"U16", 2, false, torch::kUInt8},
    {"U32", 4, false, torch::kUInt8},    {"U64", 8, false, torch::kUInt8},
    {"BOOL", 1, false, torch::kBool},    {"F8_E4M3", 1, false, torch::kUInt8},
    {"F8_E5M2", 1, false, torch::kUInt8}, {"F8_E8M0", 1, false, torch::kUInt8},
    {"F6_E2M3", 1, false, torch::kUInt8}, {"F6_E3M2", 1, false, torch::kUInt8},
    {"F4", 1, false, torch::kUInt8},     {"C64", 8, false, torch::kUInt8},
};

const DtypeInfo* findDtype(const std::string& name) {
    for (const auto& d : kDtypes)
        if (name == d.name) return &d;
    return nullptr;
}

std::string jsonQuoted(const std::string& name) {
    // Names come from the file: dump() escapes control characters and bounds nothing
    // else, so keep very long names from flooding the message.
    std::string s = nlohmann::json(name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (s.size() > 200) s = s.substr(0, 197) + "...";
    return s;
}

std::string tensorSubject(const std::string& name) { return "tensor " + jsonQuoted(name); }

std::string shapeString(const std::vector<int64_t>& shape) {
    std::ostringstream os;
    os << "[";
    for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
    os << "]";
    return os.str();
}

std::string describeJson(const nlohmann::json& v) {
    std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

std::string lowerExtension(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
    std::string ext = path.substr(dot);
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string directoryOf(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

nlohmann::json parseJsonRejectingDuplicates(const std::string& text, const std::string& subject) {
    // nlohmann keeps the last of two equal keys; a checkpoint with two tensors of the same
    // name is ambiguous, so every object's keys are tracked while parsing.
    checkJsonDepth(text, subject);
    std::vector<std::set<std::string>> open;
    std::string duplicate;
    auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (event == E::object_start) {
            open.emplace_back();
        } else if (event == E::object_end) {
            if (!open.empty()) open.pop_back();
        } else if (event == E::key && !open.empty() && parsed.is_string()) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (!open.back().insert(key).second && duplicate.empty()) duplicate = key;
        }
        return true;
    };
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text, callback);
    } catch (const nlohmann::json::exception& e) {
        throw Error(subject, std::string("malformed JSON: ") + e.what());
    }
    if (!duplicate.empty()) throw Error(subject, "the JSON names " + jsonQuoted(duplicate) + " twice");
    return j;
}

struct SafetensorsFile::Mapping {
    int fd = -1;
    void* addr = MAP_FAILED;
    size_t size = 0;
    ~Mapping() {
        if (addr != MAP_FAILED) ::munmap(addr, size);
        if (fd >= 0) ::close(fd);
    }
    const unsigned char* bytes() const { return static_cast<const unsigned char*>(addr); }
};

namespace {

uint64_t readLittleEndian64(const unsigned char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

void requirePickleFree(const std::string& path) {
    const std::string ext = lowerExtension(path);
    if (ext == ".pt" || ext == ".pth" || ext == ".bin" || ext == ".ckpt" || ext == ".pkl" ||
        ext == ".pickle") {
        throw Error(path,
                    "is a pickle checkpoint (" + ext +
                        "), which LabelDiff never reads: unpickling runs arbitrary code. Convert it "
                        "to safetensors once, in Python: `import torch; from safetensors.torch import "
                        "save_file; save_file(torch.load(p, weights_only=True), "
                        "'model.safetensors')` (a Lightning .ckpt keeps the weights under "
                        "['state_dict']), or for a diffusers/transformers folder: "
                        "`Model.from_pretrained(dir).save_pretrained(out, safe_serialization=True)`");
    }
}

uint64_t jsonOffset(const nlohmann::json& v, const std::string& path, const std::string& name) {
    if (!v.is_number_unsigned()) {
        if (v.is_number_integer())
            throw Error(path, tensorSubject(name) + " has a negative data offset " + describeJson(v));
        throw Error(path, tensorSubject(name) + " has a data offset that is not a non-negative integer: " +
                              describeJson(v));
    }
    return v.get<uint64_t>();
}

TensorEntry parseEntry(const std::string& name, const nlohmann::json& e, const std::string& path) {
    const std::string subject = tensorSubject(name);
    if (!e.is_object()) throw Error(path, subject + " is not a JSON object: " + describeJson(e));
    TensorEntry entry;
    entry.name = name;

    const auto dt = e.find("dtype");
    if (dt == e.end()) throw Error(path, subject + " has no \"dtype\"");
    if (!dt->is_string()) throw Error(path, subject + " has a \"dtype\" that is not a string: " + describeJson(*dt));
    entry.dtype = dt->get<std::string>();
    const DtypeInfo* info = findDtype(entry.dtype);
    if (!info) throw Error(path, subject + " has unknown dtype " + jsonQuoted(entry.dtype));
    if (!info->readable)
        throw Error(path, "tensor " + name + " has dtype " + entry.dtype +
                              ", which LabelDiff does not read (it reads F32, F16, BF16 and I64)");

    const auto sh = e.find("shape");
    if (sh == e.end()) throw Error(path, subject + " has no \"shape\"");
    if (!sh->is_array()) throw Error(path, subject + " has a \"shape\" that is not an array: " + describeJson(*sh));
    // Overflow-safe: the product of hostile dimensions must not wrap round to a small
    // number that happens to equal the byte range.
    uint64_t bytes = info->size;
    bool overflow = false;
    for (const auto& d : *sh) {
        if (d.is_number_integer() && !d.is_number_unsigned() && d.get<int64_t>() < 0)
            throw Error(path, subject + " has a negative dimension in shape " + describeJson(*sh));
        if (!d.is_number_unsigned())
            throw Error(path, subject + " has a dimension that is not an integer in shape " + describeJson(*sh));
        const uint64_t dim = d.get<uint64_t>();
        if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            throw Error(path, subject + " has a dimension too large for a tensor in shape " + describeJson(*sh));
        entry.shape.push_back(static_cast<int64_t>(dim));
        uint64_t product = 0;
        if (__builtin_mul_overflow(bytes, dim, &product)) overflow = true;
        bytes = product;
    }
    if (overflow)
        throw Error(path, subject + " has shape " + describeJson(*sh) + ", whose byte size overflows 64 bits");

    const auto off = e.find("data_offsets");
    if (off == e.end()) throw Error(path, subject + " has no \"data_offsets\"");
    if (!off->is_array() || off->size() != 2)
        throw Error(path, subject + " has \"data_offsets\" that are not a [begin, end] pair: " + describeJson(*off));
    entry.begin = jsonOffset((*off)[0], path, name);
    entry.end = jsonOffset((*off)[1], path, name);
    if (entry.begin > entry.end)
        throw Error(path, subject + " has data_offsets [" + std::to_string(entry.begin) + ", " +
                              std::to_string(entry.end) + "] that end before they begin");
    if (entry.end - entry.begin != bytes)
        throw Error(path, subject + " has shape " + shapeString(entry.shape) + " of " + entry.dtype + " = " +
                              std::to_string(bytes) + " bytes, but its data_offsets span " +
                              std::to_string(entry.end - entry.begin) + " bytes");
    return entry;
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path), map_(std::make_shared<Mapping>()) {
    requirePickleFree(path);
    map_->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (map_->fd < 0) throw Error(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(map_->fd, &st) != 0) throw Error(path, std::string("cannot stat: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw Error(path, "is not a regular file");
    const uint64_t fileSize = static_cast<uint64_t>(st.st_size);
    if (fileSize < 8)
        throw Error(path, "is " + std::to_string(fileSize) +
                              " bytes long, shorter than the 8-byte header length of a safetensors file");
    if (fileSize > static_cast<uint64_t>(std::numeric_limits<size_t>::max()))
        throw Error(path, "is too large to map into memory");
    map_->size = static_cast<size_t>(fileSize);
    // Writable but private: an in-place write to a view copies its page instead of faulting,
    // and never reaches the file.
    map_->addr = ::mmap(nullptr, map_->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, map_->fd, 0);
    if (map_->addr == MAP_FAILED) throw Error(path, std::string("cannot map into memory: ") + std::strerror(errno));

    const uint64_t headerBytes = readLittleEndian64(map_->bytes());
    if (headerBytes > kMaxHeaderBytes)
        throw Error(path, "declares a " + std::to_string(headerBytes) +
                              "-byte header, more than the 100 MB a safetensors header may have");
    if (headerBytes > fileSize - 8)
        throw Error(path, "declares a " + std::to_string(headerBytes) + "-byte header, but only " +
                              std::to_string(fileSize - 8) + " bytes follow the length field (truncated?)");
    const uint64_t dataBytes = fileSize - 8 - headerBytes;

    const std::string headerText(reinterpret_cast<const char*>(map_->bytes() + 8), static_cast<size_t>(headerBytes));
    nlohmann::json header;
    try {
        header = parseJsonRejectingDuplicates(headerText, path);
    } catch (const Error& e) {
        throw Error(path, "bad header: " + e.reason());
    }
    if (!header.is_object()) throw Error(path, "bad header: the JSON is not an object but " + describeJson(header));

    for (const auto& [key, value] : header.items()) {
        if (key == "__metadata__") {
            if (!value.is_object()) throw Error(path, "\"__metadata__\" is not a JSON object");
            for (const auto& [mk, mv] : value.items()) {
                if (!mv.is_string())
                    throw Error(path, "\"__metadata__\" value of " + jsonQuoted(mk) + " is not a string: " +
                                          describeJson(mv));
                metadata_[mk] = mv.get<std::string>();
            }
            continue;
        }
        entries_.push_back(parseEntry(key, value, path));
    }

    // The data section must be tiled exactly: an overlap lets two tensors alias the same
    // bytes, a hole or trailing bytes mean the header and the data disagree.
    std::vector<const TensorEntry*> byOffset;
    for (const auto& e : entries_) byOffset.push_back(&e);
    std::stable_sort(byOffset.begin(), byOffset.end(), [](const TensorEntry* a, const TensorEntry* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    uint64_t cursor = 0;
    const TensorEntry* previous = nullptr;
    for (const TensorEntry* e : byOffset) {
        if (e->end > dataBytes)
            throw Error(path, tensorSubject(e->name) + " has data_offsets [" + std::to_string(e->begin) + ", " +
                                  std::to_string(e->end) + "] beyond the " + std::to_string(dataBytes) +
                                  "-byte data section (truncated file?)");
        if (e->begin < cursor)
            throw Error(path, tensorSubject(e->name) + " overlaps " + tensorSubject(previous->name) +
                                  " (bytes " + std::to_string(e->begin) + " to " + std::to_string(cursor) + ")");
        if (e->begin > cursor)
            throw Error(path, "hole of " + std::to_string(e->begin - cursor) + " unused bytes before " +
                                  tensorSubject(e->name) + " at data offset " + std::to_string(cursor));
        cursor = e->end;
        previous = e;
    }
    if (cursor != dataBytes)
        throw Error(path, "the tensors cover " + std::to_string(cursor) + " bytes of the " +
                              std::to_string(dataBytes) + "-byte data section; the rest is unaccounted for");

    std::sort(entries_.begin(), entries_.end(),
              [](const TensorEntry& a, const TensorEntry& b) { return a.name < b.name; });
}

SafetensorsFile::~SafetensorsFile() = default;

bool SafetensorsFile::contains(const std::string& name) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                               [](const TensorEntry& e, const std::string& n) { return e.name < n; });
    return it != entries_.end() && it->name == name;
}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                               [](const TensorEntry& e, const std::string& n) { return e.name < n; });
    if (it == entries_.end() || it->name != name) throw Error(path_, "has no " + tensorSubject(name));
    return *it;
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
    const TensorEntry& e = entry(name);
    const DtypeInfo* info = findDtype(e.dtype);
    torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(info->type));
    const size_t n = static_cast<size_t>(e.end - e.begin);
    const uint64_t headerBytes = readLittleEndian64(map_->bytes());
    const unsigned char* src = map_->bytes() + 8 + headerBytes + e.begin;
    auto* dst = static_cast<unsigned char*>(t.data_ptr());
    if (n > 0) std::memcpy(dst, src, n);
    if (!hostIsLittleEndian() && info->size > 1)
        for (size_t i = 0; i + info->size <= n; i += info->size) std::reverse(dst + i, dst + i + info->size);
    return t;
}

namespace {

// The storage context of a view: keeps the mapping alive, and lets releaseMappedPages tell
// a view from any other tensor by its deleter.
struct MappedView {
    std::shared_ptr<const void> mapping;
};

void deleteMappedView(void* context) { delete static_cast<MappedView*>(context); }

}  // namespace

torch::Tensor SafetensorsFile::view(const std::string& name) const {
    const TensorEntry& e = entry(name);
    const DtypeInfo* info = findDtype(e.dtype);
    const uint64_t headerBytes = readLittleEndian64(map_->bytes());
    unsigned char* src = static_cast<unsigned char*>(map_->addr) + 8 + headerBytes + e.begin;
    const size_t n = static_cast<size_t>(e.end - e.begin);
    if (!hostIsLittleEndian() || n == 0 || reinterpret_cast<uintptr_t>(src) % info->size != 0) return tensor(name);
    auto* context = new MappedView{map_};
    c10::DataPtr data(src, context, &deleteMappedView, c10::Device(c10::kCPU));
    c10::Storage storage(c10::Storage::use_byte_size_t(), n, std::move(data), nullptr, false);
    return torch::empty({0}, torch::TensorOptions().dtype(info->type)).set_(storage, 0, e.shape);
}

void releaseMappedPages(const torch::Tensor& view) {
    if (!view.defined() || !view.has_storage() || view.device().type() != c10::kCPU) return;
    if (view.storage().data_ptr().get_deleter() != &deleteMappedView) return;
    // Only whole pages inside the view: the pages at its ends may hold a neighbour's bytes
    // that are still to be read (dropping them would cost a re-read, not correctness).
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto begin = reinterpret_cast<uintptr_t>(view.data_ptr());
    const uintptr_t end = begin + static_cast<uintptr_t>(view.numel()) * view.element_size();
    const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

namespace {

// A shard name comes from a JSON file that may be hostile: it must stay beside the index.
void requirePlainShardName(const std::string& shard, const std::string& indexPath) {
    if (shard.empty() || shard[0] == '/' || shard == "." || shard == ".." ||
        shard.find("../") != std::string::npos || endsWith(shard, "/..") || shard.find('\0') != std::string::npos)
        throw Error(indexPath, "shard file name " + jsonQuoted(shard) + " leaves the checkpoint folder");
}

TensorMap loadSharded(const std::string& indexPath, bool mapped) {
    std::ifstream in(indexPath, std::ios::binary);
    if (!in) throw Error(indexPath, std::string("cannot open: ") + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    const nlohmann::json index = parseJsonRejectingDuplicates(ss.str(), indexPath);
    if (!index.is_object()) throw Error(indexPath, "the shard index is not a JSON object");
    const auto wm = index.find("weight_map");
    if (wm == index.end() || !wm->is_object())
        throw Error(indexPath, "the shard index has no \"weight_map\" object");

    std::map<std::string, std::vector<std::string>> byShard;  // shard file -> tensor names
    for (const auto& [name, shard] : wm->items()) {
        if (!shard.is_string())
            throw Error(indexPath, "weight_map entry of " + tensorSubject(name) + " is not a file name");
        const std::string file = shard.get<std::string>();
        requirePlainShardName(file, indexPath);
        byShard[file].push_back(name);
    }
    if (byShard.empty()) throw Error(indexPath, "the shard index lists no tensors");

    const std::string dir = directoryOf(indexPath);
    TensorMap out;
    for (const auto& [file, names] : byShard) {
        const std::string shardPath = dir + "/" + file;
        if (::access(shardPath.c_str(), R_OK) != 0)
            throw Error(indexPath, "shard " + jsonQuoted(file) + " (holding " + tensorSubject(names.front()) +
                                       ") is missing: " + std::strerror(errno));
        SafetensorsFile sf(shardPath);
        std::set<std::string> listed(names.begin(), names.end());
        for (const auto& name : names)
            if (!sf.contains(name))
                throw Error(shardPath, "the index " + indexPath + " puts " + tensorSubject(name) +
                                           " in this shard, but it is not there");
        for (const auto& e : sf.entries()) {
            if (!listed.count(e.name)) {
                const auto other = wm->find(e.name);
                throw Error(shardPath, tensorSubject(e.name) +
                                           (other == wm->end()
                                                ? " is not listed in the index " + indexPath
                                                : " also appears here, but the index puts it in " +
                                                      describeJson(*other)));
            }
            out.emplace(e.name, mapped ? sf.view(e.name) : sf.tensor(e.name));
        }
    }
    return out;
}

}  // namespace

namespace {

TensorMap readSafetensors(const std::string& path, bool mapped) {
    requirePickleFree(path);
    if (endsWith(path, ".index.json")) return loadSharded(path, mapped);
    SafetensorsFile file(path);
    TensorMap out;
    for (const auto& e : file.entries()) out.emplace(e.name, mapped ? file.view(e.name) : file.tensor(e.name));
    return out;
}

}  // namespace

TensorMap loadSafetensors(const std::string& path) { return readSafetensors(path, false); }

TensorMap mapSafetensors(const std::string& path) { return readSafetensors(path, true); }

namespace {

const char* dtypeName(torch::ScalarType t) {
    switch (t) {
        case torch::kFloat32: return "F32";
        case torch::kFloat16: return "F16";
        case torch::kBFloat16: return "BF16";
        case torch::kInt64: return "I64";
        default: return nullptr;
    }
}

// Streams straight from each tensor's memory into a temporary file, so saving an SD-sized
// U-Net does not first assemble a second multi-gigabyte copy (which ld::writeFileAtomic's
// whole-buffer API would need). Same protocol: temp beside the target, fsync, rename,
// fsync the directory; on failure the target is untouched and the temp is removed.
class AtomicStream {
public:
    explicit AtomicStream(const std::string& path) : path_(path) {
        static thread_local std::mt19937_64 rng{std::random_device{}()};
        for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
            std::ostringstream name;
            name << path << ".tmp-" << ::getpid() << '-' << std::hex << (rng() & 0xffffffffu);
            tmp_ = name.str();
            fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd_ < 0 && errno != EEXIST) break;
        }
        if (fd_ < 0) throw Error(path, std::string("cannot create a temporary file: ") + std::strerror(errno));
    }
    ~AtomicStream() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(tmp_.c_str());
    }
    void write(const void* data, size_t n) {
        const char* p = static_cast<const char*>(data);
        while (n > 0) {
            const ssize_t w = ::write(fd_, p, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                throw Error(path_, std::string("cannot write: ") + std::strerror(errno));
            }
            p += w;
            n -= static_cast<size_t>(w);
        }
    }
    void commit() {
        if (::fsync(fd_) != 0) throw Error(path_, std::string("cannot sync to disk: ") + std::strerror(errno));
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) throw Error(path_, std::string("cannot close: ") + std::strerror(errno));
        if (::rename(tmp_.c_str(), path_.c_str()) != 0)
            throw Error(path_, std::string("cannot rename the temporary file into place: ") + std::strerror(errno));
        committed_ = true;
        const int dfd = ::open(directoryOf(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    }

private:
    std::string path_, tmp_;
    int fd_ = -1;
    bool committed_ = false;
};

}  // namespace

void saveSafetensors(const std::string& path, const TensorMap& tensors,
                     const std::map<std::string, std::string>& metadata) {
    if (path.empty()) throw Error(path, "empty file name");
    requirePickleFree(path);
    std::vector<std::pair<const std::string*, torch::Tensor>> prepared;
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        nlohmann::ordered_json meta = nlohmann::ordered_json::object();
        for (const auto& [k, v] : metadata) meta[k] = v;
        header["__metadata__"] = meta;
    }
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {  // std::map: sorted by name
        if (name.empty() || name == "__metadata__")
            throw Error(path, "cannot store a tensor named " + jsonQuoted(name));
        if (!tensor.defined()) throw Error(path, tensorSubject(name) + " is undefined");
        const char* dt = dtypeName(tensor.scalar_type());
        if (!dt)
            throw Error(path, tensorSubject(name) + " has dtype " + std::string(c10::toString(tensor.scalar_type())) +
                                  "; safetensors files are written as float32, float16, bfloat16 or int64");
        torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
        const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
        nlohmann::ordered_json e = nlohmann::ordered_json::object();
        e["dtype"] = dt;
        e["shape"] = t.sizes().vec();
        e["data_offsets"] = {offset, offset + bytes};
        header[name] = e;
        offset += bytes;
        prepared.emplace_back(&name, std::move(t));
    }
    std::string text;
    try {
        text = header.dump();
    } catch (const nlohmann::json::exception& e) {
        throw Error(path, std::string("cannot encode the header (tensor name or metadata not UTF-8?): ") + e.what());
    }
    // Padding keeps the data section 8-byte aligned in the file (and so in the mapping).
    text.append((8 - text.size() % 8) % 8, ' ');
    if (text.size() > kMaxHeaderBytes) throw Error(path, "the header would exceed 100 MB");

    AtomicStream out(path);
    unsigned char length[8];
    uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
    out.write(length, 8);
    out.write(text.data(), text.size());
    std::vector<unsigned char> swapped;
    for (const auto& [name, t] : prepared) {
        const size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
        if (bytes == 0) continue;
        if (hostIsLittleEndian() || t.element_size() == 1) {
            out.write(t.data_ptr(), bytes);
        } else {
            const size_t es = t.element_size();
            swapped.assign(static_cast<const unsigned char*>(t.data_ptr()),
                           static_cast<const unsigned char*>(t.data_ptr()) + bytes);
            for (size_t i = 0; i < bytes; i += es) std::reverse(swapped.begin() + i, swapped.begin() + i + es);
            out.write(swapped.data(), bytes);
        }
    }
    out.commit();
}

}  // namespace ld
