#include "core/error.h"
#include "core/exif_orientation.h"
#include "core/image.h"
#include "core/image_header_parser.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include <sys/stat.h>

namespace ld {

bool MemoryByteSource::read(uint64_t offset, void* out, size_t n) {
    if (offset > size_ || size_ - offset < n) return false;
    if (n > 0) std::memcpy(out, data_ + offset, n);  // an empty TIFF directory reads 0 bytes into nullptr
    return true;
}

namespace {

class FileByteSource : public ByteSource {
public:
    explicit FileByteSource(const std::string& path) : in_(path, std::ios::binary) {
        if (!in_) return;
        in_.seekg(0, std::ios::end);
        const auto end = in_.tellg();
        size_ = end < 0 ? 0 : uint64_t(end);
    }
    bool ok() const { return bool(in_); }
    uint64_t size() const override { return size_; }
    bool read(uint64_t offset, void* out, size_t n) override {
        if (offset > size_ || size_ - offset < n) return false;
        in_.clear();
        in_.seekg(std::streamoff(offset));
        in_.read(static_cast<char*>(out), std::streamsize(n));
        return in_.gcount() == std::streamsize(n);
    }

private:
    std::ifstream in_;
    uint64_t size_ = 0;
};

uint32_t be16(const uint8_t* p) { return uint32_t(p[0]) << 8 | p[1]; }
uint32_t be32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
uint32_t le16(const uint8_t* p) { return uint32_t(p[1]) << 8 | p[0]; }
uint32_t le24(const uint8_t* p) { return uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0]; }
uint32_t le32(const uint8_t* p) {
    return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}

// EXIF blocks are small; a larger one is skipped rather than read, so that a hostile
// length field cannot make us allocate.
constexpr uint32_t kMaxExifBytes = 1u << 20;

class Parser {
public:
    Parser(ByteSource& src, const std::string& name) : src_(src), name_(name) {}

    [[noreturn]] void fail(const std::string& reason) const { throw Error(name_, reason); }
    void need(uint64_t offset, void* out, size_t n, const char* what) {
        if (!src_.read(offset, out, n)) fail(std::string("truncated ") + what);
    }
    int exifAt(uint64_t offset, uint32_t length, bool mayHavePrefix) {
        if (length == 0 || length > kMaxExifBytes) return 1;
        std::vector<uint8_t> block(length);
        if (!src_.read(offset, block.data(), length)) return 1;
        return mayHavePrefix ? exifOrientationFromExifBlock(block.data(), block.size())
                             : exifOrientationFromTiff(block.data(), block.size());
    }

    ImageHeader jpeg() {
        ImageHeader h;
        bool exifSeen = false;
        uint64_t pos = 2;
        for (;;) {
            uint8_t b = 0;
            need(pos, &b, 1, "JPEG (no frame header)");
            if (b != 0xFF) fail("corrupt JPEG: marker expected at byte " + std::to_string(pos));
            while (b == 0xFF) need(++pos, &b, 1, "JPEG (no frame header)");
            const uint8_t marker = b;
            ++pos;
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no length
            if (marker == 0xD9 || marker == 0xDA) fail("corrupt JPEG: no frame header before image data");
            uint8_t len[2];
            need(pos, len, 2, "JPEG segment");
            const uint32_t length = be16(len);
            if (length < 2) fail("corrupt JPEG: bad segment length");
            if (marker == 0xE1 && !exifSeen && length >= 8) {
                uint8_t id[6];
                need(pos + 2, id, 6, "JPEG APP1 segment");
                if (std::memcmp(id, "Exif\0\0", 6) == 0) {
                    exifSeen = true;
                    h.orientation = exifAt(pos + 8, length - 8, false);
                }
            }
            const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 &&
                             marker != 0xC8 && marker != 0xCC;
            if (sof) {
                uint8_t f[5];
                need(pos + 2, f, 5, "JPEG frame header");
                h.height = int(be16(f + 1));
                h.width = int(be16(f + 3));
                if (h.height == 0) fail("JPEG height defined after the first scan (DNL) is not supported");
                if (h.width == 0) fail("corrupt JPEG: width 0");
                return h;
            }
            pos += length;
        }
    }

    ImageHeader png() {
        ImageHeader h;
        uint8_t ihdr[8 + 13];
        need(8, ihdr, sizeof ihdr, "PNG header");
        if (be32(ihdr) != 13 || std::memcmp(ihdr + 4, "IHDR", 4) != 0)
            fail("corrupt PNG: first chunk is not IHDR");
        const uint32_t w = be32(ihdr + 8), hgt = be32(ihdr + 12);
        if (w == 0 || hgt == 0 || w > 0x7fffffffu || hgt > 0x7fffffffu)
            fail("corrupt PNG: size " + std::to_string(w) + "x" + std::to_string(hgt));
        h.width = int(w);
        h.height = int(hgt);
        // Walk the chunk headers (not their data) looking for eXIf.
        uint64_t pos = 8 + 8 + 13 + 4;
        for (int guard = 0; guard < 1000000; ++guard) {
            uint8_t c[8];
            if (!src_.read(pos, c, 8)) break;  // a cut-off tail is the decoder's business
            const uint32_t length = be32(c);
            if (std::memcmp(c + 4, "eXIf", 4) == 0) {
                h.orientation = exifAt(pos + 8, length, true);
                break;
            }
            if (std::memcmp(c + 4, "IEND", 4) == 0) break;
            pos += 12 + uint64_t(length);
        }
        return h;
    }

    ImageHeader tiff(bool bigEndian) {
        ImageHeader h;
        auto u16 = [&](const uint8_t* p) { return bigEndian ? be16(p) : le16(p); };
        auto u32 = [&](const uint8_t* p) { return bigEndian ? be32(p) : le32(p); };
        uint8_t head[8];
        need(0, head, 8, "TIFF header");
        if (u16(head + 2) == 43) fail("BigTIFF is not supported");
        if (u16(head + 2) != 42) fail("corrupt TIFF header");
        const uint32_t ifd = u32(head + 4);
        uint8_t cnt[2];
        need(ifd, cnt, 2, "TIFF directory");
        const uint32_t count = u16(cnt);
        std::vector<uint8_t> entries(size_t(count) * 12);
        need(ifd + 2, entries.data(), entries.size(), "TIFF directory");
        for (uint32_t i = 0; i < count; ++i) {
            const uint8_t* e = entries.data() + size_t(i) * 12;
            const uint32_t tag = u16(e), type = u16(e + 2);
            const uint32_t value = type == 3 ? u16(e + 8) : type == 4 ? u32(e + 8) : 0;
            if (tag == 256) h.width = int(std::min<uint32_t>(value, 0x7fffffffu));
            else if (tag == 257) h.height = int(std::min<uint32_t>(value, 0x7fffffffu));
            else if (tag == 0x0112 && value >= 1 && value <= 8) h.orientation = int(value);
        }
        if (h.width <= 0 || h.height <= 0) fail("corrupt TIFF: no image size");
        return h;
    }

    ImageHeader bmp() {
        ImageHeader h;
        uint8_t d[26];
        need(0, d, 18, "BMP header");
        const uint32_t dibSize = le32(d + 14);
        if (dibSize == 12) {
            need(0, d, 22, "BMP header");
            h.width = int(le16(d + 18));
            h.height = int(le16(d + 20));
        } else if (dibSize >= 40 && dibSize <= 1024) {
            need(0, d, 26, "BMP header");
            const int32_t w = int32_t(le32(d + 18)), hh = int32_t(le32(d + 22));
            if (hh == std::numeric_limits<int32_t>::min()) fail("corrupt BMP: bad height");
            h.width = w;
            h.height = hh < 0 ? -hh : hh;  // negative: rows stored top-down
        } else {
            fail("unsupported BMP header");
        }
        if (h.width <= 0 || h.height <= 0) fail("corrupt BMP: bad size");
        return h;
    }

    ImageHeader webp() {
        ImageHeader h;
        uint8_t c[30];
        need(0, c, 20, "WebP header");
        const uint64_t riffEnd = std::min<uint64_t>(8 + uint64_t(le32(c + 4)), src_.size());
        if (std::memcmp(c + 12, "VP8 ", 4) == 0) {
            need(0, c, 30, "WebP header");
            if (c[23] != 0x9D || c[24] != 0x01 || c[25] != 0x2A) fail("corrupt WebP: bad VP8 start code");
            h.width = int(le16(c + 26) & 0x3FFF);
            h.height = int(le16(c + 28) & 0x3FFF);
        } else if (std::memcmp(c + 12, "VP8L", 4) == 0) {
            need(0, c, 25, "WebP header");
            if (c[20] != 0x2F) fail("corrupt WebP: bad VP8L signature");
            const uint32_t bits = le32(c + 21);
            h.width = int((bits & 0x3FFF) + 1);
            h.height = int(((bits >> 14) & 0x3FFF) + 1);
        } else if (std::memcmp(c + 12, "VP8X", 4) == 0) {
            need(0, c, 30, "WebP header");
            h.width = int(le24(c + 24) + 1);
            h.height = int(le24(c + 27) + 1);
            if (c[20] & 0x08) {  // has EXIF: find the chunk
                uint64_t pos = 12;
                for (int guard = 0; guard < 100000 && pos + 8 <= riffEnd; ++guard) {
                    uint8_t ch[8];
                    if (!src_.read(pos, ch, 8)) break;
                    const uint32_t length = le32(ch + 4);
                    if (std::memcmp(ch, "EXIF", 4) == 0) {
                        h.orientation = exifAt(pos + 8, length, true);
                        break;
                    }
                    pos += 8 + uint64_t(length) + (length & 1);
                }
            }
        } else {
            fail("unsupported WebP chunk");
        }
        if (h.width <= 0 || h.height <= 0) fail("corrupt WebP: bad size");
        return h;
    }

private:
    ByteSource& src_;
    const std::string& name_;
};

}  // namespace

void checkEncodedPixelLimit(const std::string& bytes, const std::string& name, const std::string& what) {
    MemoryByteSource src(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ParsedImageHeader parsed;
    try {
        parsed = parseImageHeader(src, name);
    } catch (const Error&) {
        return;
    }
    checkPixelLimit(parsed.header.width, parsed.header.height, name, what);
}

ParsedImageHeader parseImageHeader(ByteSource& src, const std::string& name) {
    if (src.size() == 0) throw Error(name, "empty file");
    uint8_t sig[12] = {};
    const size_t n = size_t(std::min<uint64_t>(src.size(), sizeof sig));
    if (!src.read(0, sig, n)) throw Error(name, "cannot read");
    Parser p(src, name);
    ParsedImageHeader out;
    static const uint8_t pngSig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (n >= 3 && sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF) {
        out.format = ImageFormat::Jpeg;
        out.header = p.jpeg();
    } else if (n >= 8 && std::memcmp(sig, pngSig, 8) == 0) {
        out.format = ImageFormat::Png;
        out.header = p.png();
    } else if (n >= 4 && ((sig[0] == 'I' && sig[1] == 'I') || (sig[0] == 'M' && sig[1] == 'M'))) {
        out.format = ImageFormat::Tiff;
        out.header = p.tiff(sig[0] == 'M');
    } else if (n >= 2 && sig[0] == 'B' && sig[1] == 'M') {
        out.format = ImageFormat::Bmp;
        out.header = p.bmp();
    } else if (n >= 12 && std::memcmp(sig, "RIFF", 4) == 0 && std::memcmp(sig + 8, "WEBP", 4) == 0) {
        out.format = ImageFormat::WebP;
        out.header = p.webp();
    } else {
        throw Error(name, "not an image (JPEG, PNG, TIFF, BMP or WebP expected)");
    }
    return out;
}

void checkImageComplete(const uint8_t* data, size_t size, ImageFormat format,
                        const std::string& name) {
    if (format != ImageFormat::Jpeg) return;  // the other decoders fail on truncation
    // Walk the segments to the first scan; inside entropy-coded data a 0xFF is always
    // followed by 0x00 or a restart marker, so an FF D9 after it is the real end.
    size_t pos = 2;
    while (pos + 4 <= size) {
        if (data[pos] != 0xFF) break;
        const uint8_t marker = data[pos + 1];
        if (marker == 0xFF) {
            ++pos;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
            pos += 2;
            continue;
        }
        if (marker == 0xDA) break;
        pos += 2 + be16(data + pos + 2);
    }
    for (size_t i = pos; i + 1 < size; ++i)
        if (data[i] == 0xFF && data[i + 1] == 0xD9) return;
    throw Error(name, "truncated JPEG (no end-of-image marker)");
}

ImageHeader readImageHeader(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw Error(path, "file not found");
    if (!S_ISREG(st.st_mode)) throw Error(path, "not a regular file");
    FileByteSource src(path);
    if (!src.ok()) throw Error(path, "cannot open file");
    return parseImageHeader(src, path).header;
}

}  // namespace ld
