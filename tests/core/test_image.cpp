#include <QtTest>

#include "core/error.h"
#include "core/image.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

// Four flat quadrants, so that lossy codecs still give the quadrant colour at its centre.
const cv::Vec3b kTL{220, 30, 30}, kTR{30, 200, 40}, kBL{40, 50, 210}, kBR{250, 250, 250};

cv::Mat quadrantsRgb(int w, int h) {
    cv::Mat m(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            m.at<cv::Vec3b>(y, x) = y < h / 2 ? (x < w / 2 ? kTL : kTR) : (x < w / 2 ? kBL : kBR);
    return m;
}

std::array<cv::Vec3b, 4> quadrantCentres(const cv::Mat& rgb) {
    const int w = rgb.cols, h = rgb.rows;
    return {rgb.at<cv::Vec3b>(h / 4, w / 4), rgb.at<cv::Vec3b>(h / 4, 3 * w / 4),
            rgb.at<cv::Vec3b>(3 * h / 4, w / 4), rgb.at<cv::Vec3b>(3 * h / 4, 3 * w / 4)};
}

bool near(const cv::Vec3b& a, const cv::Vec3b& b, int tol) {
    for (int c = 0; c < 3; ++c)
        if (std::abs(int(a[c]) - int(b[c])) > tol) return false;
    return true;
}

QByteArray describe(const cv::Vec3b& v) {
    return QByteArray::number(v[0]) + "," + QByteArray::number(v[1]) + "," + QByteArray::number(v[2]);
}

Bytes readBytes(const std::string& path) {
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QByteArray a = f.readAll();
    return Bytes(a.begin(), a.end());
}

void writeBytes(const std::string& path, const Bytes& b) {
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(reinterpret_cast<const char*>(b.data()), qint64(b.size())), qint64(b.size()));
}

void put16be(Bytes& b, uint32_t v) { b.push_back(uint8_t(v >> 8)); b.push_back(uint8_t(v)); }
void put32be(Bytes& b, uint32_t v) { put16be(b, v >> 16); put16be(b, v & 0xFFFF); }
void put16le(Bytes& b, uint32_t v) { b.push_back(uint8_t(v)); b.push_back(uint8_t(v >> 8)); }
void put32le(Bytes& b, uint32_t v) { put16le(b, v & 0xFFFF); put16le(b, v >> 16); }

// A big-endian TIFF block holding only the Orientation tag, as cameras write it.
Bytes exifTiff(int orientation) {
    Bytes t = {'M', 'M', 0, 42};
    put32be(t, 8);
    put16be(t, 1);
    put16be(t, 0x0112);
    put16be(t, 3);
    put32be(t, 1);
    put16be(t, uint32_t(orientation));
    put16be(t, 0);
    put32be(t, 0);
    return t;
}

// APP1 "Exif" segment inserted after the JFIF APP0 segment that OpenCV writes.
Bytes jpegWithOrientation(const Bytes& jpeg, int orientation) {
    Bytes payload = {'E', 'x', 'i', 'f', 0, 0};
    const Bytes tiff = exifTiff(orientation);
    payload.insert(payload.end(), tiff.begin(), tiff.end());
    Bytes seg = {0xFF, 0xE1};
    put16be(seg, uint32_t(payload.size() + 2));
    seg.insert(seg.end(), payload.begin(), payload.end());
    size_t at = 2;
    if (jpeg[2] == 0xFF && jpeg[3] == 0xE0) at = 4 + ((size_t(jpeg[4]) << 8) | jpeg[5]);
    Bytes out(jpeg.begin(), jpeg.begin() + long(at));
    out.insert(out.end(), seg.begin(), seg.end());
    out.insert(out.end(), jpeg.begin() + long(at), jpeg.end());
    return out;
}

uint32_t crc32(const uint8_t* p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        c ^= p[i];
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

Bytes pngChunk(const char* type, const Bytes& data) {
    Bytes c;
    put32be(c, uint32_t(data.size()));
    c.insert(c.end(), type, type + 4);
    c.insert(c.end(), data.begin(), data.end());
    put32be(c, crc32(c.data() + 4, c.size() - 4));
    return c;
}

// eXIf goes right after IHDR (signature 8 bytes + IHDR chunk 25 bytes).
Bytes pngWithOrientation(const Bytes& png, int orientation) {
    const Bytes chunk = pngChunk("eXIf", exifTiff(orientation));
    Bytes out(png.begin(), png.begin() + 33);
    out.insert(out.end(), chunk.begin(), chunk.end());
    out.insert(out.end(), png.begin() + 33, png.end());
    return out;
}

// A simple-format WebP (one VP8/VP8L chunk) rewritten as an extended one with EXIF.
Bytes webpWithOrientation(const Bytes& webp, int w, int h, int orientation) {
    Bytes body = {'W', 'E', 'B', 'P', 'V', 'P', '8', 'X'};
    put32le(body, 10);
    body.push_back(0x08);  // EXIF present
    body.insert(body.end(), {0, 0, 0});
    const uint32_t cw = uint32_t(w - 1), ch = uint32_t(h - 1);
    body.insert(body.end(), {uint8_t(cw), uint8_t(cw >> 8), uint8_t(cw >> 16)});
    body.insert(body.end(), {uint8_t(ch), uint8_t(ch >> 8), uint8_t(ch >> 16)});
    body.insert(body.end(), webp.begin() + 12, webp.end());  // the image chunk
    if (body.size() % 2) body.push_back(0);
    const Bytes tiff = exifTiff(orientation);
    body.insert(body.end(), {'E', 'X', 'I', 'F'});
    put32le(body, uint32_t(tiff.size()));
    body.insert(body.end(), tiff.begin(), tiff.end());
    if (tiff.size() % 2) body.push_back(0);
    Bytes out = {'R', 'I', 'F', 'F'};
    put32le(out, uint32_t(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

// A hand-made uncompressed RGB TIFF with an Orientation tag (OpenCV writes none).
Bytes tiffWithOrientation(const cv::Mat& rgb, int orientation) {
    const uint32_t w = uint32_t(rgb.cols), h = uint32_t(rgb.rows);
    const uint16_t entries = 11;
    const uint32_t bpsOffset = 8 + 2 + entries * 12 + 4, dataOffset = bpsOffset + 6;
    Bytes t = {'I', 'I', 42, 0};
    put32le(t, 8);
    put16le(t, entries);
    auto entry = [&](uint32_t tag, uint32_t type, uint32_t count, uint32_t value) {
        put16le(t, tag);
        put16le(t, type);
        put32le(t, count);
        if (type == 3 && count == 1) {
            put16le(t, value);
            put16le(t, 0);
        } else {
            put32le(t, value);
        }
    };
    entry(256, 4, 1, w);
    entry(257, 4, 1, h);
    entry(258, 3, 3, bpsOffset);
    entry(259, 3, 1, 1);
    entry(262, 3, 1, 2);
    entry(273, 4, 1, dataOffset);
    entry(274, 3, 1, uint32_t(orientation));
    entry(277, 3, 1, 3);
    entry(278, 4, 1, h);
    entry(279, 4, 1, w * h * 3);
    entry(284, 3, 1, 1);
    put32le(t, 0);
    for (int i = 0; i < 3; ++i) put16le(t, 8);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x)
            for (int c = 0; c < 3; ++c) t.push_back(rgb.at<cv::Vec3b>(y, x)[c]);
    return t;
}

// Displayed quadrant i (TL, TR, BL, BR) shows stored quadrant kShown[o][i].
const int kShown[9][4] = {{0, 1, 2, 3}, {0, 1, 2, 3}, {1, 0, 3, 2}, {3, 2, 1, 0}, {2, 3, 0, 1},
                          {0, 2, 1, 3}, {2, 0, 3, 1}, {3, 1, 2, 0}, {1, 3, 0, 2}};

void expectAnError(const std::string& path, const ld::ImageLoadOptions& options = {}) {
    try {
        const cv::Mat m = ld::loadImageRgb(path, options);
        QFAIL(qPrintable(QString("loaded %1x%2, expected ld::Error").arg(m.cols).arg(m.rows)));
    } catch (const ld::Error& e) {
        QCOMPARE(QString::fromStdString(e.subject()), QString::fromStdString(path));
        QVERIFY(!e.reason().empty());
    }
}

}  // namespace

class TestImage : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::string file(const QString& name) const { return dir_.filePath(name).toStdString(); }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void loadsEveryFormat_data() {
        QTest::addColumn<QString>("ext");
        QTest::addColumn<int>("depth");
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("tolerance");
        for (const char* ext : {"png", "tif"})
            for (int depth : {8, 16})
                for (int ch : {1, 3, 4})
                    QTest::addRow("%s %d-bit %dch", ext, depth, ch) << ext << depth << ch << 1;
        for (int ch : {1, 3}) QTest::addRow("jpg 8-bit %dch", ch) << "jpg" << 8 << ch << 12;
        for (int ch : {1, 3}) QTest::addRow("bmp 8-bit %dch", ch) << "bmp" << 8 << ch << 0;
        for (int ch : {3, 4}) QTest::addRow("webp 8-bit %dch", ch) << "webp" << 8 << ch << 0;
    }
    void loadsEveryFormat() {
        QFETCH(QString, ext);
        QFETCH(int, depth);
        QFETCH(int, channels);
        QFETCH(int, tolerance);
        const int w = 48, h = 32;
        const cv::Mat rgb = quadrantsRgb(w, h);
        cv::Mat stored;
        cv::Mat expected = rgb.clone();
        const cv::Vec3b background{10, 120, 240};
        ld::ImageLoadOptions options;
        options.background = background;
        if (channels == 1) {
            cv::cvtColor(rgb, stored, cv::COLOR_RGB2GRAY);
            cv::cvtColor(stored, expected, cv::COLOR_GRAY2RGB);
        } else if (channels == 3) {
            cv::cvtColor(rgb, stored, cv::COLOR_RGB2BGR);
        } else {
            // Alpha by quadrant: opaque, transparent, half, opaque.
            cv::cvtColor(rgb, stored, cv::COLOR_RGB2BGRA);
            const uchar alpha[4] = {255, 0, 128, 255};
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x) {
                    const int q = (y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1);
                    const int a = alpha[q];
                    stored.at<cv::Vec4b>(y, x)[3] = uchar(a);
                    for (int c = 0; c < 3; ++c)
                        expected.at<cv::Vec3b>(y, x)[c] =
                            uchar((rgb.at<cv::Vec3b>(y, x)[c] * a + background[c] * (255 - a) + 127) / 255);
                }
        }
        if (depth == 16) stored.convertTo(stored, CV_MAKETYPE(CV_16U, stored.channels()), 257.0);
        const std::string path = file(QString("fmt_%1_%2_%3.%4").arg(depth).arg(channels).arg(QTest::currentDataTag()).arg(ext).remove(' '));
        std::vector<int> params;
        if (ext == "webp") params = {cv::IMWRITE_WEBP_QUALITY, 101};  // lossless
        if (ext == "jpg") params = {cv::IMWRITE_JPEG_QUALITY, 98};
        QVERIFY(cv::imwrite(path, stored, params));

        const ld::ImageHeader header = ld::readImageHeader(path);
        QCOMPARE(header.width, w);
        QCOMPARE(header.height, h);
        QCOMPARE(header.orientation, 1);

        const cv::Mat loaded = ld::loadImageRgb(path, options);
        QCOMPARE(loaded.type(), CV_8UC3);
        QCOMPARE(loaded.cols, w);
        QCOMPARE(loaded.rows, h);
        const auto got = quadrantCentres(loaded), want = quadrantCentres(expected);
        for (int q = 0; q < 4; ++q)
            QVERIFY2(near(got[size_t(q)], want[size_t(q)], tolerance),
                     "quadrant " + QByteArray::number(q) + ": got " + describe(got[size_t(q)]) +
                         " want " + describe(want[size_t(q)]));
        if (tolerance == 0 || (ext != "jpg" && depth == 8)) {
            cv::Mat diff;
            cv::absdiff(loaded, expected, diff);
            double maxDiff = 0;
            cv::minMaxLoc(diff.reshape(1), nullptr, &maxDiff);
            QVERIFY2(maxDiff <= tolerance, qPrintable(QString("max difference %1").arg(maxDiff)));
        }
    }

    void jpegExifOrientation_data() {
        QTest::addColumn<int>("orientation");
        for (int o = 1; o <= 8; ++o) QTest::addRow("orientation %d", o) << o;
    }
    void jpegExifOrientation() {
        QFETCH(int, orientation);
        const int w = 64, h = 32;  // quadrants of 32x16: whole 16x16 chroma blocks
        cv::Mat bgr;
        cv::cvtColor(quadrantsRgb(w, h), bgr, cv::COLOR_RGB2BGR);
        std::vector<uchar> encoded;
        QVERIFY(cv::imencode(".jpg", bgr, encoded, {cv::IMWRITE_JPEG_QUALITY, 98}));
        const std::string path = file(QString("exif%1.jpg").arg(orientation));
        writeBytes(path, jpegWithOrientation(Bytes(encoded.begin(), encoded.end()), orientation));

        const ld::ImageHeader header = ld::readImageHeader(path);
        QCOMPARE(header.orientation, orientation);
        QCOMPARE(header.width, w);
        QCOMPARE(header.orientedWidth(), orientation >= 5 ? h : w);

        const cv::Mat shown = ld::loadImageRgb(path);
        QCOMPARE(shown.cols, header.orientedWidth());
        QCOMPARE(shown.rows, header.orientedHeight());
        const std::array<cv::Vec3b, 4> stored = {kTL, kTR, kBL, kBR};
        const auto got = quadrantCentres(shown);
        for (int q = 0; q < 4; ++q)
            QVERIFY2(near(got[size_t(q)], stored[size_t(kShown[orientation][q])], 16),
                     "displayed quadrant " + QByteArray::number(q) + " is " + describe(got[size_t(q)]));

        // OpenCV's own EXIF handling (IMREAD_COLOR applies it for JPEG) agrees.
        cv::Mat reference = cv::imread(path, cv::IMREAD_COLOR);
        cv::cvtColor(reference, reference, cv::COLOR_BGR2RGB);
        QCOMPARE(reference.size(), shown.size());
        QVERIFY(cv::norm(reference, shown, cv::NORM_INF) <= 2);

        ld::ImageLoadOptions raw;
        raw.applyExifOrientation = false;
        const cv::Mat unrotated = ld::loadImageRgb(path, raw);
        QCOMPARE(unrotated.cols, w);
        QVERIFY(near(quadrantCentres(unrotated)[0], kTL, 16));
    }

    void otherContainersOrientation_data() {
        QTest::addColumn<QString>("container");
        QTest::addColumn<int>("orientation");
        for (const char* c : {"png", "webp", "tif"})
            for (int o : {2, 3, 6, 7, 8}) QTest::addRow("%s %d", c, o) << c << o;
    }
    void otherContainersOrientation() {
        QFETCH(QString, container);
        QFETCH(int, orientation);
        const int w = 40, h = 24;
        const cv::Mat rgb = quadrantsRgb(w, h);
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        Bytes bytes;
        if (container == "tif") {
            bytes = tiffWithOrientation(rgb, orientation);
        } else {
            std::vector<uchar> enc;
            const std::vector<int> params =
                container == "webp" ? std::vector<int>{cv::IMWRITE_WEBP_QUALITY, 101} : std::vector<int>{};
            QVERIFY(cv::imencode("." + container.toStdString(), bgr, enc, params));
            const Bytes plain(enc.begin(), enc.end());
            bytes = container == "png" ? pngWithOrientation(plain, orientation)
                                       : webpWithOrientation(plain, w, h, orientation);
        }
        const std::string path = file(QString("orient%1.%2").arg(orientation).arg(container));
        writeBytes(path, bytes);
        QCOMPARE(ld::readImageHeader(path).orientation, orientation);
        const cv::Mat shown = ld::loadImageRgb(path);
        QCOMPARE(shown.cols, orientation >= 5 ? h : w);
        const std::array<cv::Vec3b, 4> stored = {kTL, kTR, kBL, kBR};
        const auto got = quadrantCentres(shown);
        for (int q = 0; q < 4; ++q)
            QVERIFY2(near(got[size_t(q)], stored[size_t(kShown[orientation][q])], 0),
                     "displayed quadrant " + QByteArray::number(q) + " is " + describe(got[size_t(q)]));

        // Asked not to orient, every container gives the stored pixels.
        ld::ImageLoadOptions raw;
        raw.applyExifOrientation = false;
        const cv::Mat unrotated = ld::loadImageRgb(path, raw);
        QCOMPARE(unrotated.cols, w);
        QCOMPARE(cv::norm(unrotated, rgb, cv::NORM_INF), 0.0);
    }

    void badFiles_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");  // empty with name "missing*": not created
        QTest::newRow("missing") << "missing.png" << QByteArray();
        QTest::newRow("zero bytes") << "empty.jpg" << QByteArray("");
        QByteArray random;
        quint32 s = 12345;
        for (int i = 0; i < 4096; ++i) random.append(char((s = s * 1103515245u + 12345u) >> 24));
        QTest::newRow("random bytes") << "random.png" << random;
        QTest::newRow("text") << "notes.jpg" << QByteArray("this is not an image\n");
        cv::Mat bgr;
        cv::cvtColor(quadrantsRgb(64, 48), bgr, cv::COLOR_RGB2BGR);
        cv::randu(bgr(cv::Rect(0, 0, 32, 24)), 0, 255);  // some entropy, so files are not tiny
        for (const char* ext : {"jpg", "png", "tif", "bmp", "webp"}) {
            std::vector<uchar> enc;
            QVERIFY(cv::imencode(std::string(".") + ext, bgr, enc));
            const QByteArray full(reinterpret_cast<const char*>(enc.data()), int(enc.size()));
            for (double frac : {0.5, 0.95}) {
                QTest::addRow("%s truncated to %d%%", ext, int(frac * 100))
                    << QString("trunc%1.%2").arg(int(frac * 100)).arg(ext) << full.left(int(full.size() * frac));
            }
            QTest::addRow("%s first 10 bytes", ext) << QString("head10.%1").arg(ext) << full.left(10);
            QByteArray corrupt = full;
            for (int i = int(full.size()) / 3; i < int(full.size()) - 16; i += 7) corrupt[i] = char(corrupt[i] ^ 0x5A);
            if (QByteArray(ext) != "jpg" && QByteArray(ext) != "bmp")  // those decode damaged pixels happily
                QTest::addRow("%s corrupted data", ext) << QString("corrupt.%1").arg(ext) << corrupt;
        }
    }
    void badFiles() {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        const std::string path = file("bad_" + name);
        if (!name.startsWith("missing")) writeBytes(path, Bytes(content.begin(), content.end()));
        expectAnError(path);
    }

    void directoryIsAnError() {
        const std::string path = file("folder.png");
        QVERIFY(QDir().mkpath(QString::fromStdString(path)));
        expectAnError(path);
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::readImageHeader(path));
    }

    void headerErrors_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("empty") << QByteArray();
        // 24 characters: the length was 26, past the literal and its NUL (ASan global-buffer-overflow).
        QTest::newRow("random") << QByteArray("\x01\x02\x03\x04 not an image at all");
        QTest::newRow("png signature only") << QByteArray("\x89PNG\r\n\x1a\n", 8);
        QTest::newRow("jpeg SOI only") << QByteArray("\xff\xd8\xff", 3);
        QTest::newRow("jpeg bad segment") << QByteArray("\xff\xd8\xff\xe0\x00\x10JFIF\x00", 11);
        QTest::newRow("tiff bad ifd offset") << QByteArray("II*\x00\xff\xff\xff\x7f", 8);
        QTest::newRow("bmp header only") << QByteArray("BM\x00\x00", 4);
        QTest::newRow("webp unknown chunk") << QByteArray("RIFF\x10\x00\x00\x00WEBPXXXX\x00\x00\x00\x00", 20);
    }
    void headerErrors() {
        QFETCH(QByteArray, content);
        const std::string path = file(QString("hdr_%1.img").arg(QTest::currentDataTag()).replace(' ', '_'));
        writeBytes(path, Bytes(content.begin(), content.end()));
        try {
            ld::readImageHeader(path);
            QFAIL("expected ld::Error");
        } catch (const ld::Error& e) {
            QCOMPARE(QString::fromStdString(e.subject()), QString::fromStdString(path));
        }
        expectAnError(path);
    }

    void pixelLimitBeforeDecoding() {
        // A PNG that claims 20000x20000 but holds no pixel data: decoding would need
        // 1.2 GB; the limit must stop it from the header alone.
        Bytes png = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
        Bytes ihdr;
        put32be(ihdr, 20000);
        put32be(ihdr, 20000);
        ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
        for (const Bytes& c : {pngChunk("IHDR", ihdr), pngChunk("IEND", {})}) png.insert(png.end(), c.begin(), c.end());
        const std::string path = file("huge.png");
        writeBytes(path, png);
        const ld::ImageHeader header = ld::readImageHeader(path);
        QCOMPARE(header.width, 20000);
        QCOMPARE(header.height, 20000);
        ld::ImageLoadOptions options;
        options.maxPixels = 4096 * 4096;
        try {
            ld::loadImageRgb(path, options);
            QFAIL("expected ld::Error");
        } catch (const ld::Error& e) {
            QCOMPARE(QString::fromStdString(e.subject()), QString::fromStdString(path));
            QVERIFY2(QString::fromStdString(e.reason()).contains("20000x20000"), e.what());
            QVERIFY2(QString::fromStdString(e.reason()).contains("limit"), e.what());
        }
    }

    void pixelLimitIsInclusive() {
        const std::string path = file("limit.png");
        QVERIFY(cv::imwrite(path, cv::Mat(30, 40, CV_8UC3, cv::Scalar(1, 2, 3))));
        ld::ImageLoadOptions options;
        options.maxPixels = 1200;
        QCOMPARE(ld::loadImageRgb(path, options).cols, 40);
        options.maxPixels = 1199;
        expectAnError(path, options);
    }

    void saveRoundTrip_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("tolerance");
        QTest::newRow("png rgb") << "out.png" << 3 << 0;
        QTest::newRow("png grey") << "grey.PNG" << 1 << 0;
        QTest::newRow("jpeg rgb") << "out.jpeg" << 3 << 16;
    }
    void saveRoundTrip() {
        QFETCH(QString, name);
        QFETCH(int, channels);
        QFETCH(int, tolerance);
        QTemporaryDir dir;
        const std::string path = dir.filePath(name).toStdString();
        cv::Mat image = quadrantsRgb(64, 32);
        cv::Mat expected = image;
        if (channels == 1) {
            cv::cvtColor(image, image, cv::COLOR_RGB2GRAY);
            cv::cvtColor(image, expected, cv::COLOR_GRAY2RGB);
        }
        ld::saveImage(path, image);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
        const cv::Mat back = ld::loadImageRgb(path);
        QCOMPARE(back.size(), expected.size());
        const auto got = quadrantCentres(back), want = quadrantCentres(expected);
        for (int q = 0; q < 4; ++q) QVERIFY(near(got[size_t(q)], want[size_t(q)], tolerance));
        if (tolerance == 0) QCOMPARE(cv::norm(back, expected, cv::NORM_INF), 0.0);
    }

    void saveErrors() {
        QTemporaryDir dir;
        const cv::Mat ok(4, 4, CV_8UC3, cv::Scalar::all(0));
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::saveImage(dir.filePath("a.xyz").toStdString(), ok));
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::saveImage(dir.filePath("a.png").toStdString(), cv::Mat()));
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::saveImage(dir.filePath("a.png").toStdString(),
                                                          cv::Mat(4, 4, CV_32FC3, cv::Scalar::all(0))));
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::saveImage(dir.filePath("no/dir/a.png").toStdString(), ok));
        QVERIFY(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestImage)
#include "test_image.moc"
