#pragma once
// A PNG file that is only a header claiming some size: enough for the pixel limit to be
// checked (it is checked before decoding), without allocating the pixels.
#include <QByteArray>
#include <QFile>
#include <QString>

#include <cstdint>

namespace ld::test {

inline uint32_t crc32(const QByteArray& data) {
    uint32_t c = 0xFFFFFFFFu;
    for (char ch : data) {
        c ^= uint8_t(ch);
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

inline QByteArray be32(uint32_t v) {
    QByteArray b(4, 0);
    for (int i = 0; i < 4; ++i) b[i] = char((v >> (24 - 8 * i)) & 0xFF);
    return b;
}

inline bool writePngHeaderOnly(const QString& path, uint32_t width, uint32_t height) {
    QByteArray ihdr = "IHDR" + be32(width) + be32(height);
    ihdr += char(8);  // bit depth
    ihdr += char(2);  // RGB
    ihdr += QByteArray(3, 0);
    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    png += be32(13) + ihdr + be32(crc32(ihdr));
    const QByteArray iend("IEND");
    png += be32(0) + iend + be32(crc32(iend));
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(png) == png.size();
}

}  // namespace ld::test
