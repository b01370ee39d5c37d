// The torch-free safetensors header parser: an independently written golden file, one
// hostile header per lie it can tell (in memory, as the fuzzer feeds it), and every prefix
// and single-bit flip of a real file ending in a result or an ld::Error naming the file.
#include "core/error.h"
#include "core/safetensors_header.h"

#include <QtTest>

#include <fstream>
#include <iterator>
#include <string>

using namespace ld;

namespace {

const std::string kPath = "model.safetensors";

std::string le64(uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
}

// A header padded to 8 bytes as real writers do, then the data bytes.
std::string makeFile(const std::string& header, const std::string& data) {
    std::string h = header;
    h.append((8 - h.size() % 8) % 8, ' ');
    return le64(h.size()) + h + data;
}

SafetensorsHeader parse(const std::string& file) {
    return parseSafetensorsHeader(reinterpret_cast<const unsigned char*>(file.data()), file.size(), kPath);
}

std::string golden() {
    std::ifstream in(LABELDIFF_TEST_DATA "/safetensors/mixed_dtypes.safetensors", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::string kF32x2 = R"("dtype":"F32","shape":[2])";  // 8 bytes
const std::string kD8(8, '\x11');
const std::string kOk = "{\"w\":{" + kF32x2 + ",\"data_offsets\":[0,8]}}";

}  // namespace

class TestSafetensorsHeader : public QObject {
    Q_OBJECT
private slots:
    void readsIndependentGoldenFile() {
        const std::string file = golden();
        QVERIFY(file.size() > 8);
        const SafetensorsHeader h = parse(file);
        QCOMPARE(h.dataStart + h.dataBytes, uint64_t(file.size()));
        QCOMPARE(h.metadata.at("note"), std::string("crafted"));
        QCOMPARE(h.metadata.at("format"), std::string("pt"));
        QCOMPARE(int(h.entries.size()), 6);
        // Sorted by name; offsets as the Python writer laid them out.
        const char* names[] = {"a.f32", "b.f16", "c.bf16", "d.i64", "e.empty", "f.scalar"};
        const uint64_t begins[] = {0, 8, 12, 14, 38, 38};
        for (int i = 0; i < 6; ++i) {
            QCOMPARE(h.entries[i].name, std::string(names[i]));
            QCOMPARE(h.entries[i].begin, begins[i]);
        }
        QCOMPARE(h.entries[1].shape, (std::vector<int64_t>{2, 1}));
        QCOMPARE(h.entries[4].shape, (std::vector<int64_t>{0, 4}));
        QVERIFY(h.entries[5].shape.empty());
        QCOMPARE(h.entries[5].end, uint64_t(42));
    }

    void validEdgeCases_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("tensors");
        auto row = [](const char* name, const std::string& b, int n) {
            QTest::newRow(name) << QByteArray(b.data(), int(b.size())) << n;
        };
        row("no tensors", makeFile("{}", ""), 0);
        row("only metadata", makeFile(R"({"__metadata__":{"a":"b"}})", ""), 0);
        row("unpadded header", le64(2) + "{}", 0);
        row("one tensor", makeFile(kOk, kD8), 1);
        row("offsets listed out of order",
            makeFile("{\"b\":{" + kF32x2 + ",\"data_offsets\":[8,16]},\"a\":{" + kF32x2 + ",\"data_offsets\":[0,8]}}",
                     kD8 + kD8),
            2);
        row("zero-sized tensors share an offset",
            makeFile(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                     R"("b":{"dtype":"I64","shape":[3,0],"data_offsets":[0,0]}})",
                     ""),
            2);
        row("unknown fields ignored", makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[0,8],\"x\":[1]}}", kD8), 1);
    }
    void validEdgeCases() {
        QFETCH(QByteArray, bytes);
        QFETCH(int, tensors);
        const SafetensorsHeader h = parse(bytes.toStdString());
        QCOMPARE(int(h.entries.size()), tensors);
        QCOMPARE(h.dataStart + h.dataBytes, uint64_t(bytes.size()));
    }

    void hostileHeadersAreRejected_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("mentions");  // a fragment the message must contain
        auto row = [](const char* name, const std::string& b, const char* mentions) {
            QTest::newRow(name) << QByteArray(b.data(), int(b.size())) << QString(mentions);
        };
        row("empty", "", "0 bytes long");
        row("shorter than the length field", std::string("\x05\0\0", 3), "3 bytes long");
        row("header length beyond the file", le64(4096) + kOk, "4096-byte header");
        row("header length over 100 MB", le64(uint64_t(200) << 20) + kOk, "100 MB");
        row("header length u64 max", le64(~uint64_t(0)) + kOk, "100 MB");
        row("header length zero", le64(0) + kOk, "malformed JSON");
        row("truncated data", makeFile(kOk, kD8.substr(0, 5)), "beyond the 5-byte data section");
        row("malformed JSON", makeFile("{\"w\":{\"dtype\":", kD8), "malformed JSON");
        row("deep nesting", makeFile("{\"__metadata__\":" + std::string(300000, '[') + std::string(300000, ']') + "}", ""),
            "nested deeper than 128");
        row("header an array", makeFile("[1,2,3]", ""), "not an object");
        row("header a string", makeFile("\"w\"", ""), "not an object");
        row("entry not an object", makeFile("{\"w\":[1]}", ""), "tensor \"w\" is not a JSON object");
        row("overlap", makeFile("{\"a\":{" + kF32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + kF32x2 +
                                    ",\"data_offsets\":[4,12]}}",
                                std::string(12, 'x')),
            "overlaps");
        row("same bytes twice",
            makeFile("{\"a\":{" + kF32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + kF32x2 + ",\"data_offsets\":[0,8]}}", kD8),
            "overlaps");
        row("hole", makeFile("{\"a\":{" + kF32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + kF32x2 +
                                 ",\"data_offsets\":[12,20]}}",
                             std::string(20, 'x')),
            "hole of 4");
        row("trailing bytes", makeFile(kOk, kD8 + "junk"), "unaccounted");
        row("shape disagrees with offsets", makeFile(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", kD8),
            "12 bytes, but its data_offsets span 8");
        row("dtype size disagrees", makeFile(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}})", kD8),
            "4 bytes");
        row("unread dtype F64", makeFile(R"({"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", kD8),
            "F64, which LabelDiff does not read");
        row("unknown dtype", makeFile(R"({"w":{"dtype":"Q4_K","shape":[8],"data_offsets":[0,8]}})", kD8),
            "unknown dtype \"Q4_K\"");
        row("dtype not a string", makeFile(R"({"w":{"dtype":4,"shape":[2],"data_offsets":[0,8]}})", kD8),
            "\"dtype\" that is not a string");
        row("no dtype", makeFile(R"({"w":{"shape":[2],"data_offsets":[0,8]}})", kD8), "no \"dtype\"");
        row("no shape", makeFile(R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", kD8), "no \"shape\"");
        row("no offsets", makeFile("{\"w\":{" + kF32x2 + "}}", kD8), "no \"data_offsets\"");
        row("tensor named twice",
            makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[0,8]},\"w\":{" + kF32x2 + ",\"data_offsets\":[8,16]}}",
                     std::string(16, 'x')),
            "\"w\" twice");
        row("metadata twice", makeFile(R"({"__metadata__":{},"__metadata__":{}})", ""), "\"__metadata__\" twice");
        row("metadata key twice", makeFile(R"({"__metadata__":{"k":"a","k":"b"}})", ""), "\"k\" twice");
        row("negative offset", makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[-8,0]}}", kD8), "negative");
        row("offsets strings", makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[\"0\",\"8\"]}}", kD8), "offset");
        row("fractional offset", makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[0,8.0]}}", kD8), "offset");
        row("three offsets", makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[0,8,8]}}", kD8), "pair");
        row("begin after end", makeFile(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", kD8),
            "end before");
        row("offsets near 2^64",
            makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[18446744073709551600,18446744073709551608]}}", kD8),
            "beyond the 8-byte data section");
        // 2^62 * 4 * 4 bytes wraps to 0 in 64 bits: must not pass as an empty tensor.
        row("shape product wraps to 0",
            makeFile(R"({"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})", ""),
            "overflows");
        row("shape product wraps to 8",
            makeFile(R"({"w":{"dtype":"I64","shape":[2305843009213693953],"data_offsets":[0,8]}})", kD8),
            "overflows");
        row("dimension past int64", makeFile(R"({"w":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,8]}})", kD8),
            "too large");
        row("negative dimension", makeFile(R"({"w":{"dtype":"F32","shape":[-2,-1],"data_offsets":[0,8]}})", kD8),
            "negative dimension");
        row("dimension a string", makeFile(R"({"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", kD8),
            "not an integer");
        row("dimension 1e400", makeFile(R"({"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,8]}})", kD8),
            "malformed JSON");
        row("shape not an array", makeFile(R"({"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", kD8),
            "not an array");
        row("metadata not an object", makeFile("{\"__metadata__\":[1]," + kOk.substr(1), kD8), "\"__metadata__\" is not");
        row("metadata value a number", makeFile("{\"__metadata__\":{\"n\":1}," + kOk.substr(1), kD8),
            "value of \"n\" is not a string");
        row("invalid UTF-8 name", makeFile("{\"w\xff\":{" + kF32x2 + ",\"data_offsets\":[0,8]}}", kD8), "malformed JSON");
        row("NUL in the header", makeFile(std::string("{\"w\":\0", 6), kD8), "malformed JSON");
        row("long name cut in the message",
            makeFile("{\"" + std::string(5000, 'n') + "\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}", ""),
            "nnn...");
    }
    void hostileHeadersAreRejected() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, mentions);
        try {
            parse(bytes.toStdString());
            QFAIL("hostile header accepted");
        } catch (const Error& e) {
            const std::string what = e.what();
            QCOMPARE(e.subject(), kPath);
            QVERIFY2(what.find(mentions.toStdString()) != std::string::npos, what.c_str());
            QVERIFY2(what.size() < 1000, what.c_str());
        }
    }

    // Truncation anywhere: every proper prefix of a real file is refused cleanly.
    void everyPrefixIsRefused() {
        const std::string file = golden();
        for (size_t n = 0; n < file.size(); ++n) {
            try {
                parse(file.substr(0, n));
                QFAIL(qPrintable(QString("a %1-byte prefix was accepted").arg(n)));
            } catch (const Error& e) {
                QCOMPARE(e.subject(), kPath);
            }
        }
    }

    // Every single-bit flip of the header ends in a result or an ld::Error (no other
    // exception); a flip in the data section changes no validation at all.
    void everyBitFlipEndsCleanly() {
        const std::string file = golden();
        const SafetensorsHeader h = parse(file);
        int refused = 0, accepted = 0;
        for (size_t i = 0; i < file.size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                std::string flipped = file;
                flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
                try {
                    parse(flipped);
                    ++accepted;
                } catch (const Error& e) {
                    QCOMPARE(e.subject(), kPath);
                    QVERIFY2(i < h.dataStart, qPrintable(QString("a flip in the data section at %1 refused").arg(i)));
                    ++refused;
                }
            }
        }
        QVERIFY(refused > 0);
        QVERIFY(accepted >= int(8 * h.dataBytes));
    }

    void dtypeSizes_data() {
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<int>("size");
        QTest::newRow("F32") << "F32" << 4;
        QTest::newRow("F16") << "F16" << 2;
        QTest::newRow("BF16") << "BF16" << 2;
        QTest::newRow("I64") << "I64" << 8;
        QTest::newRow("F64 (not read)") << "F64" << 8;
        QTest::newRow("F8_E4M3 (not read)") << "F8_E4M3" << 1;
        QTest::newRow("lower case is another name") << "f32" << 0;
        QTest::newRow("unknown") << "Q4_K" << 0;
    }
    void dtypeSizes() {
        QFETCH(QString, dtype);
        QFETCH(int, size);
        QCOMPARE(int(safetensorsDtypeSize(dtype.toStdString())), size);
    }
};

QTEST_GUILESS_MAIN(TestSafetensorsHeader)
#include "test_safetensors_header.moc"
