#include "inference/io/safetensors.h"

#include "core/error.h"

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

constexpr bool hostIsLittleEndian() {
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return false;
#else
    return true;
#endif
}

// The torch type of each dtype LabelDiff reads; the header parser has refused any other.
torch::ScalarType scalarTypeOf(const std::string& dtype) {
    if (dtype == "F32") return torch::kFloat32;
    if (dtype == "F16") return torch::kFloat16;
    if (dtype == "BF16") return torch::kBFloat16;
    if (dtype == "I64") return torch::kInt64;
    throw Error(dtype, "is not a dtype LabelDiff reads");
}

std::string tensorSubject(const std::string& name) { return "tensor " + quotedName(name); }

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

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path), map_(std::make_shared<Mapping>()) {
    requirePickleFree(path);
    map_->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (map_->fd < 0) throw Error(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(map_->fd, &st) != 0) throw Error(path, std::string("cannot stat: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw Error(path, "is not a regular file");
    const uint64_t fileSize = static_cast<uint64_t>(st.st_size);
    if (fileSize > static_cast<uint64_t>(std::numeric_limits<size_t>::max()))
        throw Error(path, "is too large to map into memory");
    map_->size = static_cast<size_t>(fileSize);
    // Writable but private: an in-place write to a view copies its page instead of faulting,
    // and never reaches the file. An empty file cannot be mapped; the parser refuses it.
    if (map_->size > 0) {
        map_->addr = ::mmap(nullptr, map_->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, map_->fd, 0);
        if (map_->addr == MAP_FAILED)
            throw Error(path, std::string("cannot map into memory: ") + std::strerror(errno));
    }
    header_ = parseSafetensorsHeader(map_->size > 0 ? map_->bytes() : nullptr, fileSize, path);
}

SafetensorsFile::~SafetensorsFile() = default;

bool SafetensorsFile::contains(const std::string& name) const {
    auto it = std::lower_bound(header_.entries.begin(), header_.entries.end(), name,
                               [](const TensorEntry& e, const std::string& n) { return e.name < n; });
    return it != header_.entries.end() && it->name == name;
}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
    auto it = std::lower_bound(header_.entries.begin(), header_.entries.end(), name,
                               [](const TensorEntry& e, const std::string& n) { return e.name < n; });
    if (it == header_.entries.end() || it->name != name) throw Error(path_, "has no " + tensorSubject(name));
    return *it;
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
    const TensorEntry& e = entry(name);
    const size_t elementSize = safetensorsDtypeSize(e.dtype);
    torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(scalarTypeOf(e.dtype)));
    const size_t n = static_cast<size_t>(e.end - e.begin);
    const unsigned char* src = map_->bytes() + header_.dataStart + e.begin;
    auto* dst = static_cast<unsigned char*>(t.data_ptr());
    if (n > 0) std::memcpy(dst, src, n);
    if (!hostIsLittleEndian() && elementSize > 1)
        for (size_t i = 0; i + elementSize <= n; i += elementSize) std::reverse(dst + i, dst + i + elementSize);
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
    unsigned char* src = static_cast<unsigned char*>(map_->addr) + header_.dataStart + e.begin;
    const size_t n = static_cast<size_t>(e.end - e.begin);
    if (!hostIsLittleEndian() || n == 0 || reinterpret_cast<uintptr_t>(src) % safetensorsDtypeSize(e.dtype) != 0)
        return tensor(name);
    auto* context = new MappedView{map_};
    c10::DataPtr data(src, context, &deleteMappedView, c10::Device(c10::kCPU));
    c10::Storage storage(c10::Storage::use_byte_size_t(), n, std::move(data), nullptr, false);
    return torch::empty({0}, torch::TensorOptions().dtype(scalarTypeOf(e.dtype))).set_(storage, 0, e.shape);
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
        throw Error(indexPath, "shard file name " + quotedName(shard) + " leaves the checkpoint folder");
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
            throw Error(indexPath, "shard " + quotedName(file) + " (holding " + tensorSubject(names.front()) +
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
            throw Error(path, "cannot store a tensor named " + quotedName(name));
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
    if (text.size() > kMaxSafetensorsHeaderBytes) throw Error(path, "the header would exceed 100 MB");

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
