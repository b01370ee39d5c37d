#pragma once
// Header parsing shared by readImageHeader (seeks in the file, reads a few hundred bytes)
// and loadImageRgb (parses the bytes it has already read, then decodes them).
#include "core/image.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace ld {

enum class ImageFormat { Jpeg, Png, Tiff, Bmp, WebP };

// Random access to the bytes of an image; read() fails (false) past the end.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual uint64_t size() const = 0;
    virtual bool read(uint64_t offset, void* out, size_t n) = 0;
};

class MemoryByteSource : public ByteSource {
public:
    MemoryByteSource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    uint64_t size() const override { return size_; }
    bool read(uint64_t offset, void* out, size_t n) override;

private:
    const uint8_t* data_;
    size_t size_;
};

struct ParsedImageHeader {
    ImageHeader header;
    ImageFormat format = ImageFormat::Png;
};

// Throws ld::Error(name, ...) for an empty file, an unknown format or a header that
// is cut short or inconsistent.
ParsedImageHeader parseImageHeader(ByteSource& src, const std::string& name);

// checkPixelLimit(name, what) for encoded bytes whose header parseImageHeader reads,
// before a decoder allocates what the header states (OpenCV allows 2^30 pixels, i.e. 8 GB
// for a 30000×30000 16-bit RGBA PNG of a few hundred bytes). Bytes the parser does not read
// are left to the decoder and its own checks.
void checkEncodedPixelLimit(const std::string& bytes, const std::string& name, const std::string& what);

// Some decoders (libjpeg) fill a truncated image with grey and succeed; this catches
// what they let through. Throws ld::Error(name, ...) when the data is cut short.
void checkImageComplete(const uint8_t* data, size_t size, ImageFormat format,
                        const std::string& name);

}  // namespace ld
