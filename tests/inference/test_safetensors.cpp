// safetensors reader/writer: bit-exact round trips, real checkpoints from ../shared, an
// independently written golden file, and one hostile file per lie a header can tell.
#include "core/error.h"
#include "inference/io/safetensors.h"
#include "inference/io/state_dict.h"

#include <QtTest>

#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <string>

namespace {

std::string sharedModels() { return std::string(LABELDIFF_SHARED_DIR) + "/models"; }

bool exists(const std::string& path) { return QFileInfo::exists(QString::fromStdString(path)); }

std::string le64(uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
}

// A file made of a header (padded to 8 like real writers do) and raw data bytes.
std::string makeFile(const std::string& header, const std::string& data) {
    std::string h = header;
    h.append((8 - h.size() % 8) % 8, ' ');
    return le64(h.size()) + h + data;
}

void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

bool bitEqual(const torch::Tensor& a, const torch::Tensor& b) {
    if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
    auto ca = a.contiguous(), cb = b.contiguous();
    return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.numel() * ca.element_size()) == 0;
}

int64_t parameterCount(const ld::TensorMap& m) {
    int64_t n = 0;
    for (const auto& [k, t] : m) n += t.numel();
    return n;
}

std::vector<int64_t> shapeOf(const QString& s) {
    std::vector<int64_t> out;
    for (const auto& part : s.split(',', Qt::SkipEmptyParts)) out.push_back(part.trimmed().toLongLong());
    return out;
}

const std::string kF32x2 = R"("dtype":"F32","shape":[2])";  // 8 bytes

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private slots:
    void roundTripIsBitExact_data();
    void roundTripIsBitExact();
    void writerLayout();
    void writerRefusesWhatItCannotStore();
    void writerReplacesAtomically();
    void readsIndependentGoldenFile();
    void lazyAccessByName();
    void mappedViewsMatchCopies();
    void hostileFilesAreRejected_data();
    void hostileFilesAreRejected();
    void shardedCheckpoint();
    void shardedCheckpointErrors_data();
    void shardedCheckpointErrors();
    void pickleIsRefused_data();
    void pickleIsRefused();
    void missingFileNamesThePath();
    void referenceTinyCheckpoints_data();
    void referenceTinyCheckpoints();
    void referenceTinyIoShapes_data();
    void referenceTinyIoShapes();
    void taef2IsHalfPrecision();
};

void TestSafetensors::roundTripIsBitExact_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<QString>("shape");
    QTest::newRow("f32 3x4") << int(torch::kFloat32) << "3,4";
    QTest::newRow("f16 2x3x5") << int(torch::kFloat16) << "2,3,5";
    QTest::newRow("bf16 7") << int(torch::kBFloat16) << "7";
    QTest::newRow("i64 4x2") << int(torch::kInt64) << "4,2";
    QTest::newRow("f32 scalar") << int(torch::kFloat32) << "";
    QTest::newRow("f16 empty 0x3") << int(torch::kFloat16) << "0,3";
}

void TestSafetensors::roundTripIsBitExact() {
    QFETCH(int, dtype);
    QFETCH(QString, shape);
    const auto type = static_cast<torch::ScalarType>(dtype);
    torch::manual_seed(7);
    const auto dims = shapeOf(shape);
    torch::Tensor t;
    if (type == torch::kInt64) {
        t = torch::randint(-(int64_t(1) << 50), int64_t(1) << 50, dims, torch::kInt64);
    } else {
        t = torch::randn(dims).mul(1000).to(type);
        // Special values must survive as bits, not just as numbers.
        if (t.numel() >= 4) {
            auto flat = t.view({-1});
            flat[0] = std::numeric_limits<float>::quiet_NaN();
            flat[1] = std::numeric_limits<float>::infinity();
            flat[2] = -0.0f;
            flat[3] = 1e-40f;  // subnormal in f32, flushes in f16
        }
    }
    // A non-contiguous view checks that the writer writes logical order, not storage.
    torch::Tensor view = t.dim() == 2 ? t.t() : t;

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("rt.safetensors").toStdString();
    ld::saveSafetensors(path, {{"x", t}, {"x.view", view}, {"a.first", torch::ones({2}, type)}},
                        {{"format", "pt"}, {"k", "v"}});
    const ld::TensorMap back = ld::loadSafetensors(path);
    QCOMPARE(back.size(), size_t(3));
    QVERIFY(bitEqual(back.at("x"), t));
    QVERIFY(bitEqual(back.at("x.view"), view.contiguous()));
    QCOMPARE(back.at("x").scalar_type(), type);
    QCOMPARE(back.at("x").sizes().vec(), dims);

    ld::SafetensorsFile f(path);
    QCOMPARE(f.metadata().at("k"), std::string("v"));
    QCOMPARE(f.metadata().at("format"), std::string("pt"));

    // No temporary file may be left beside the target.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"rt.safetensors"});
}

void TestSafetensors::writerLayout() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("layout.safetensors").toStdString();
    ld::saveSafetensors(path, {{"zeta", torch::zeros({3}, torch::kFloat16)}, {"alpha", torch::arange(5)},
                               {"mid", torch::ones({1, 1})}});
    const std::string bytes = readBytes(path);
    QVERIFY(bytes.size() >= 8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    QCOMPARE(n % 8, uint64_t(0));
    QCOMPARE(bytes.size(), size_t(8 + n + 3 * 2 + 5 * 8 + 4));
    const std::string header = bytes.substr(8, n);
    // Sorted names, metadata first, data laid out in name order.
    const auto a = header.find("\"alpha\""), m = header.find("\"mid\""), z = header.find("\"zeta\"");
    QVERIFY(header.find("\"__metadata__\":{\"format\":\"pt\"}") == 1);
    QVERIFY(a != std::string::npos && a < m && m < z);
    QVERIFY(header.find(R"("alpha":{"dtype":"I64","shape":[5],"data_offsets":[0,40]})") != std::string::npos);
    QVERIFY(header.find(R"("zeta":{"dtype":"F16","shape":[3],"data_offsets":[44,50]})") != std::string::npos);
    // Little-endian int64: arange(5)[1] == 1 at data offset 8.
    const std::string data = bytes.substr(8 + n);
    QCOMPARE(data.substr(8, 8), le64(1));
}

void TestSafetensors::writerRefusesWhatItCannotStore() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.safetensors").toStdString();
    try {
        ld::saveSafetensors(path, {{"ok", torch::ones({2})}, {"wide", torch::ones({2}, torch::kFloat64)}});
        QFAIL("float64 was written");
    } catch (const ld::Error& e) {
        QCOMPARE(e.subject(), path);
        QVERIFY2(std::string(e.what()).find("wide") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(ld::Error, ld::saveSafetensors(path, {{"__metadata__", torch::ones({1})}}));
    QVERIFY_THROWS_EXCEPTION(ld::Error, ld::saveSafetensors(path, {{"undef", torch::Tensor()}}));
    QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty());
}

void TestSafetensors::writerReplacesAtomically() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("w.safetensors").toStdString();
    ld::saveSafetensors(path, {{"v", torch::full({4}, 1.0f)}});
    ld::saveSafetensors(path, {{"v", torch::full({2}, 2.0f)}, {"w", torch::ones({1})}});
    const auto back = ld::loadSafetensors(path);
    QCOMPARE(back.size(), size_t(2));
    QCOMPARE(back.at("v").numel(), int64_t(2));
    QCOMPARE(back.at("v")[0].item<float>(), 2.0f);
    // A failed save leaves the previous content untouched.
    QVERIFY_THROWS_EXCEPTION(ld::Error, ld::saveSafetensors(path, {{"x", torch::ones({1}, torch::kInt32)}}));
    QCOMPARE(ld::loadSafetensors(path).size(), size_t(2));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);
}

void TestSafetensors::readsIndependentGoldenFile() {
    const std::string path = std::string(LABELDIFF_TEST_DATA) + "/safetensors/mixed_dtypes.safetensors";
    ld::SafetensorsFile f(path);
    QCOMPARE(f.entries().size(), size_t(6));
    QCOMPARE(f.metadata().at("note"), std::string("crafted"));
    const auto m = ld::loadSafetensors(path);
    QCOMPARE(m.at("a.f32")[0].item<float>(), 1.5f);
    QCOMPARE(m.at("a.f32")[1].item<float>(), -2.0f);
    QCOMPARE(m.at("b.f16").scalar_type(), torch::kFloat16);
    QCOMPARE(m.at("b.f16").sizes().vec(), (std::vector<int64_t>{2, 1}));
    QCOMPARE(m.at("b.f16")[1][0].item<float>(), -0.5f);
    QCOMPARE(m.at("c.bf16").scalar_type(), torch::kBFloat16);
    QCOMPARE(m.at("c.bf16")[0].item<float>(), 3.0f);
    QCOMPARE(m.at("d.i64")[0].item<int64_t>(), int64_t(-1));
    QCOMPARE(m.at("d.i64")[2].item<int64_t>(), int64_t(1) << 40);
    QCOMPARE(m.at("e.empty").sizes().vec(), (std::vector<int64_t>{0, 4}));
    QCOMPARE(m.at("f.scalar").dim(), int64_t(0));
    QCOMPARE(m.at("f.scalar").item<float>(), 7.25f);
}

void TestSafetensors::lazyAccessByName() {
    const std::string path = std::string(LABELDIFF_TEST_DATA) + "/safetensors/mixed_dtypes.safetensors";
    ld::SafetensorsFile f(path);
    QVERIFY(f.contains("d.i64"));
    QVERIFY(!f.contains("nope"));
    const auto& e = f.entry("d.i64");
    QCOMPARE(e.dtype, std::string("I64"));
    QCOMPARE(e.end - e.begin, uint64_t(24));
    try {
        f.entry("nope");
        QFAIL("absent tensor found");
    } catch (const ld::Error& err) {
        QCOMPARE(err.subject(), path);
        QVERIFY(std::string(err.what()).find("nope") != std::string::npos);
    }
    QVERIFY_THROWS_EXCEPTION(ld::Error, f.tensor("nope"));
}

// Views of the mapping (the large-model load path) read the same values as copies, outlive
// the file object, keep in-place writes private, and read correctly again after their pages
// are released into a module's parameters.
void TestSafetensors::mappedViewsMatchCopies() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("w.safetensors").toStdString();
    torch::nn::Linear linear(300, 500);  // 600 KB of weight: whole pages to release
    ld::saveSafetensors(path, ld::stateDict(*linear));
    const auto copies = ld::loadSafetensors(path);
    auto views = ld::mapSafetensors(path);
    QCOMPARE(views.size(), copies.size());
    for (const auto& [name, t] : copies) QVERIFY(torch::equal(views.at(name), t));

    torch::nn::Linear target(300, 500);
    ld::loadStateDict(*target, views, path);
    QVERIFY(torch::equal(target->weight, copies.at("weight")));
    QVERIFY(torch::equal(views.at("weight"), copies.at("weight")));  // faulted back in

    views.at("bias").fill_(7.0f);  // private: neither a crash nor a change to the file
    QVERIFY(torch::equal(ld::loadSafetensors(path).at("bias"), copies.at("bias")));
    const torch::Tensor kept = views.at("weight");
    views.clear();
    QVERIFY(torch::equal(kept, copies.at("weight")));  // the mapping lives with its views
    ld::releaseMappedPages(copies.at("weight"));        // a heap tensor is left alone
    QVERIFY(torch::equal(copies.at("weight"), target->weight));
}

void TestSafetensors::hostileFilesAreRejected_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("mentions");  // a fragment the message must contain

    auto row = [](const char* name, const std::string& bytes, const char* mentions) {
        QTest::newRow(name) << QByteArray(bytes.data(), int(bytes.size())) << QString(mentions);
    };
    const std::string d8(8, '\x11');
    const std::string ok = "{\"w\":{" + kF32x2 + ",\"data_offsets\":[0,8]}}";

    row("empty file", "", "shorter than");
    row("shorter than length field", "\x05\0\0", "shorter than");
    row("truncated data", makeFile(ok, d8.substr(0, 5)), "\"w\"");
    row("header length beyond file", le64(4096) + ok, "4096");
    row("header too big", le64(uint64_t(200) << 20) + ok, "100 MB");
    row("header length u64 max", le64(~uint64_t(0)) + ok, "header");
    row("bad json", makeFile("{\"w\":{\"dtype\":", d8), "malformed JSON");
    row("deep nesting", makeFile("{\"__metadata__\":" + std::string(300000, '[') + std::string(300000, ']') + "}", ""),
        "nested deeper than 128");
    row("header not an object", makeFile("[1,2,3]", ""), "not an object");
    row("entry not an object", makeFile("{\"w\":[1]}", ""), "\"w\"");
    row("overlap", makeFile("{\"a\":{" + kF32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + kF32x2 +
                                ",\"data_offsets\":[4,12]}}",
                            std::string(12, 'x')),
        "overlaps");
    row("two tensors, same bytes",
        makeFile("{\"a\":{" + kF32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + kF32x2 + ",\"data_offsets\":[0,8]}}", d8),
        "overlaps");
    row("hole", makeFile("{\"a\":{" + kF32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + kF32x2 +
                             ",\"data_offsets\":[12,20]}}",
                         std::string(20, 'x')),
        "hole");
    row("hole at start", makeFile("{\"a\":{" + kF32x2 + ",\"data_offsets\":[8,16]}}", std::string(16, 'x')), "hole");
    row("trailing bytes", makeFile(ok, d8 + "junk"), "unaccounted");
    row("lying shape", makeFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", d8), "\"w\"");
    row("lying dtype size", makeFile("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", d8),
        "4 bytes");
    row("unreadable dtype F64", makeFile("{\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", d8),
        "tensor w has dtype F64, which LabelDiff does not read");
    row("unreadable dtype BOOL", makeFile("{\"w\":{\"dtype\":\"BOOL\",\"shape\":[8],\"data_offsets\":[0,8]}}", d8),
        "BOOL");
    row("unknown dtype", makeFile("{\"w\":{\"dtype\":\"Q4_K\",\"shape\":[8],\"data_offsets\":[0,8]}}", d8),
        "unknown dtype");
    row("dtype not a string", makeFile("{\"w\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", d8), "dtype");
    row("missing dtype", makeFile("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", d8), "no \"dtype\"");
    row("missing shape", makeFile("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", d8), "no \"shape\"");
    row("missing offsets", makeFile("{\"w\":{" + kF32x2 + "}}", d8), "no \"data_offsets\"");
    row("duplicate name",
        makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[0,8]},\"w\":{" + kF32x2 + ",\"data_offsets\":[8,16]}}",
                 std::string(16, 'x')),
        "twice");
    row("negative offset", makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[-8,0]}}", d8), "negative");
    row("offsets not numbers", makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[\"0\",\"8\"]}}", d8), "offset");
    row("fractional offsets", makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[0,8.0]}}", d8), "offset");
    row("three offsets", makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[0,8,8]}}", d8), "pair");
    row("begin after end", makeFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", d8),
        "end before");
    row("offset beyond data",
        makeFile("{\"w\":{" + kF32x2 + ",\"data_offsets\":[18446744073709551600,18446744073709551608]}}", d8),
        "\"w\"");
    // 2^62 * 2^2 * 4 bytes wraps to 0 in 64 bits: must not pass as an empty tensor.
    row("overflowing shape",
        makeFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}", ""),
        "overflows");
    row("overflowing shape wraps to length",
        makeFile("{\"w\":{\"dtype\":\"I64\",\"shape\":[2305843009213693953],\"data_offsets\":[0,8]}}", d8),
        "overflows");
    row("negative dim", makeFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2,-1],\"data_offsets\":[0,8]}}", d8),
        "negative dimension");
    row("dim not a number", makeFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", d8),
        "not an integer");
    row("shape not an array", makeFile("{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", d8),
        "not an array");
    row("metadata not an object", makeFile("{\"__metadata__\":[1]," + ok.substr(1), d8), "__metadata__");
    row("metadata value not a string", makeFile("{\"__metadata__\":{\"n\":1}," + ok.substr(1), d8), "__metadata__");
    row("invalid utf8 in header", makeFile("{\"w\xff\":{" + kF32x2 + ",\"data_offsets\":[0,8]}}", d8),
        "malformed JSON");
}

void TestSafetensors::hostileFilesAreRejected() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    const std::string path = dir.filePath("hostile.safetensors").toStdString();
    writeBytes(path, bytes.toStdString());
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            if (attempt == 0)
                ld::SafetensorsFile f(path);
            else
                ld::loadSafetensors(path);
            QFAIL("hostile file accepted");
        } catch (const ld::Error& e) {
            const std::string what = e.what();
            if (attempt == 0 && qEnvironmentVariableIsSet("LABELDIFF_SHOW_ERRORS")) qInfo("%s", what.c_str());
            QCOMPARE(e.subject(), path);
            QVERIFY2(what.find(path) != std::string::npos, what.c_str());
            QVERIFY2(what.find(mentions.toStdString()) != std::string::npos, what.c_str());
        }
    }
}

namespace {
struct ShardFixture {
    QTemporaryDir dir;
    std::string index() const { return dir.filePath("model.safetensors.index.json").toStdString(); }
    std::string file(const char* n) const { return dir.filePath(n).toStdString(); }
    void writeIndex(const std::string& weightMap) const {
        writeBytes(index(), "{\"metadata\":{\"total_size\":40},\"weight_map\":" + weightMap + "}");
    }
    ShardFixture() {
        ld::saveSafetensors(file("model-00001-of-00002.safetensors"),
                            {{"a", torch::full({2}, 1.0f)}, {"b", torch::arange(3)}});
        ld::saveSafetensors(file("model-00002-of-00002.safetensors"), {{"c", torch::full({2, 2}, 3.0f)}});
    }
};
}  // namespace

void TestSafetensors::shardedCheckpoint() {
    ShardFixture fx;
    fx.writeIndex(R"({"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors",
                      "c":"model-00002-of-00002.safetensors"})");
    const auto m = ld::loadSafetensors(fx.index());
    QCOMPARE(m.size(), size_t(3));
    QCOMPARE(m.at("b")[2].item<int64_t>(), int64_t(2));
    QCOMPARE(m.at("c").sizes().vec(), (std::vector<int64_t>{2, 2}));
}

void TestSafetensors::shardedCheckpointErrors_data() {
    QTest::addColumn<QString>("weightMap");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing shard") << R"({"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors",
                                         "c":"model-00003-of-00003.safetensors"})"
                                   << "model-00003-of-00003.safetensors";
    QTest::newRow("tensor not in its shard")
        << R"({"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors",
               "c":"model-00002-of-00002.safetensors","d":"model-00002-of-00002.safetensors"})"
        << "\"d\"";
    QTest::newRow("tensor in a shard the index does not list")
        << R"({"a":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors"})" << "\"b\"";
    QTest::newRow("name twice in the index")
        << R"({"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors",
               "c":"model-00002-of-00002.safetensors","a":"model-00002-of-00002.safetensors"})"
        << "twice";
    QTest::newRow("tensor in two shards")
        << R"({"a":"model-00002-of-00002.safetensors","b":"model-00001-of-00002.safetensors",
               "c":"model-00002-of-00002.safetensors"})"
        << "\"a\"";
    QTest::newRow("shard outside the folder") << R"({"a":"../elsewhere.safetensors"})" << "leaves";
    QTest::newRow("no weight map") << "null" << "weight_map";
    QTest::newRow("shard not a string") << R"({"a":3})" << "\"a\"";
}

void TestSafetensors::shardedCheckpointErrors() {
    QFETCH(QString, weightMap);
    QFETCH(QString, mentions);
    ShardFixture fx;
    fx.writeIndex(weightMap.toStdString());
    try {
        ld::loadSafetensors(fx.index());
        QFAIL("inconsistent sharded checkpoint accepted");
    } catch (const ld::Error& e) {
        const std::string what = e.what();
        QVERIFY2(what.find(fx.dir.path().toStdString()) != std::string::npos, what.c_str());
        QVERIFY2(what.find(mentions.toStdString()) != std::string::npos, what.c_str());
    }
}

void TestSafetensors::pickleIsRefused_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("create");
    QTest::newRow(".pt") << "model.pt" << true;
    QTest::newRow(".pth absent") << "weights.pth" << false;  // refused before any open
    QTest::newRow(".bin") << "pytorch_model.bin" << true;
    QTest::newRow(".ckpt upper case") << "v1-5.CKPT" << true;
}

void TestSafetensors::pickleIsRefused() {
    QFETCH(QString, name);
    QFETCH(bool, create);
    QTemporaryDir dir;
    const std::string path = dir.filePath(name).toStdString();
    // Valid safetensors bytes under a pickle name: the refusal is by name, not by content.
    if (create) ld::saveSafetensors(dir.filePath("ok.safetensors").toStdString(), {{"a", torch::ones({1})}});
    if (create) QVERIFY(QFile::copy(dir.filePath("ok.safetensors"), QString::fromStdString(path)));
    for (int api = 0; api < 2; ++api) {
        try {
            if (api == 0)
                ld::loadSafetensors(path);
            else
                ld::SafetensorsFile f(path);
            QFAIL("pickle checkpoint accepted");
        } catch (const ld::Error& e) {
            const std::string what = e.what();
            QCOMPARE(e.subject(), path);
            QVERIFY2(what.find("save_file") != std::string::npos, what.c_str());
            QVERIFY2(what.find("weights_only=True") != std::string::npos, what.c_str());
            QVERIFY2(what.find("safe_serialization=True") != std::string::npos, what.c_str());
        }
    }
}

void TestSafetensors::missingFileNamesThePath() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("absent.safetensors").toStdString();
    try {
        ld::loadSafetensors(path);
        QFAIL("absent file loaded");
    } catch (const ld::Error& e) {
        QCOMPARE(e.subject(), path);
    }
    QVERIFY_THROWS_EXCEPTION(ld::Error, ld::loadSafetensors(dir.path().toStdString()));  // a folder
}

void TestSafetensors::referenceTinyCheckpoints_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("tensors");
    QTest::addColumn<qlonglong>("parameters");
    QTest::newRow("unet-sd15-tiny") << "unet-sd15-tiny/diffusion_pytorch_model.safetensors" << 324 << 1467652LL;
    QTest::newRow("unet-sd21-tiny") << "unet-sd21-tiny/diffusion_pytorch_model.safetensors" << 384 << 1704388LL;
    QTest::newRow("vae-tiny") << "vae-tiny/diffusion_pytorch_model.safetensors" << 124 << 658375LL;
    QTest::newRow("clip-text-tiny") << "clip-text-tiny/model.safetensors" << 36 << 1600672LL;
    QTest::newRow("clip-text-tiny-gelu") << "clip-text-tiny-gelu/model.safetensors" << 36 << 1600672LL;
}

void TestSafetensors::referenceTinyCheckpoints() {
    QFETCH(QString, file);
    QFETCH(int, tensors);
    QFETCH(qlonglong, parameters);
    const std::string path = sharedModels() + "/reference-tiny/" + file.toStdString();
    if (!exists(path)) QSKIP(qPrintable("reference fixture absent: " + QString::fromStdString(path)));
    ld::SafetensorsFile f(path);
    QCOMPARE(f.metadata().at("format"), std::string("pt"));
    const auto m = ld::loadSafetensors(path);
    QCOMPARE(int(m.size()), tensors);
    QCOMPARE(qlonglong(parameterCount(m)), parameters);
    for (const auto& [name, t] : m) {
        QCOMPARE(t.scalar_type(), torch::kFloat32);
        QVERIFY2(torch::isfinite(t).all().item<bool>(), name.c_str());
    }
    if (file.startsWith("clip")) {
        QCOMPARE(m.at("text_model.embeddings.token_embedding.weight").sizes().vec(), (std::vector<int64_t>{49408, 32}));
        QVERIFY(!m.count("text_model.embeddings.position_ids"));
    }
    // Our writer reproduces every tensor bit for bit.
    QTemporaryDir dir;
    const std::string copy = dir.filePath("copy.safetensors").toStdString();
    ld::saveSafetensors(copy, m);
    const auto back = ld::loadSafetensors(copy);
    QCOMPARE(back.size(), m.size());
    for (const auto& [name, t] : m) QVERIFY2(bitEqual(back.at(name), t), name.c_str());
}

void TestSafetensors::referenceTinyIoShapes_data() {
    QTest::addColumn<QString>("folder");
    QTest::addColumn<QString>("tensor");
    QTest::addColumn<QString>("shape");
    QTest::addColumn<QString>("dtype");
    for (const char* unet : {"unet-sd15-tiny", "unet-sd21-tiny"}) {
        const QString u = unet;
        QTest::newRow(qPrintable(u + " sample")) << u << "sample" << "2,8,16,16" << "F32";
        QTest::newRow(qPrintable(u + " timestep")) << u << "timestep" << "2" << "F32";
        QTest::newRow(qPrintable(u + " context")) << u << "encoder_hidden_states" << "2,5,32" << "F32";
        QTest::newRow(qPrintable(u + " out")) << u << "out" << "2,4,16,16" << "F32";
        QTest::newRow(qPrintable(u + " time_embedding")) << u << "debug.time_embedding" << "2,128" << "F32";
        QTest::newRow(qPrintable(u + " mid_block")) << u << "debug.mid_block" << "2,64,4,4" << "F32";
    }
    QTest::newRow("vae image") << "vae-tiny" << "image" << "1,3,32,32" << "F32";
    QTest::newRow("vae latent_mean") << "vae-tiny" << "latent_mean" << "1,4,16,16" << "F32";
    QTest::newRow("vae decoded") << "vae-tiny" << "decoded" << "1,3,32,32" << "F32";
    QTest::newRow("clip input_ids") << "clip-text-tiny" << "input_ids" << "2,77" << "I64";
    QTest::newRow("clip last_hidden_state") << "clip-text-tiny" << "last_hidden_state" << "2,77,32" << "F32";
    QTest::newRow("clip pooler_output") << "clip-text-tiny-gelu" << "pooler_output" << "2,32" << "F32";
}

void TestSafetensors::referenceTinyIoShapes() {
    QFETCH(QString, folder);
    QFETCH(QString, tensor);
    QFETCH(QString, shape);
    QFETCH(QString, dtype);
    const std::string path = sharedModels() + "/reference-tiny/" + folder.toStdString() + "/io.safetensors";
    if (!exists(path)) QSKIP(qPrintable("reference fixture absent: " + QString::fromStdString(path)));
    ld::SafetensorsFile f(path);
    QVERIFY(f.metadata().empty());
    const auto& e = f.entry(tensor.toStdString());
    QCOMPARE(e.dtype, dtype.toStdString());
    QCOMPARE(e.shape, shapeOf(shape));
    const torch::Tensor t = f.tensor(tensor.toStdString());
    QCOMPARE(t.sizes().vec(), shapeOf(shape));
    if (tensor == "timestep") {
        QCOMPARE(t[0].item<float>(), 999.0f);
        QCOMPARE(t[1].item<float>(), 10.0f);
    }
    if (tensor == "input_ids") {
        const std::vector<int64_t> head{49406, 320, 1125, 539, 550, 18376, 6765, 320, 4558, 525, 7496, 49407};
        for (size_t i = 0; i < head.size(); ++i) QCOMPARE(t[0][int64_t(i)].item<int64_t>(), head[i]);
        QCOMPARE(t[1][76].item<int64_t>(), int64_t(49407));
    }
}

void TestSafetensors::taef2IsHalfPrecision() {
    const std::string dir = sharedModels() + "/taef2";
    if (!exists(dir + "/taef2_encoder.safetensors")) QSKIP("../shared/models/taef2 absent");
    for (const char* name : {"taef2_encoder.safetensors", "taef2_decoder.safetensors"}) {
        const std::string path = dir + "/" + name;
        ld::SafetensorsFile f(path);
        QCOMPARE(f.entries().size(), size_t(79));
        for (const auto& e : f.entries()) QCOMPARE(e.dtype, std::string("F16"));
        const auto m = ld::loadSafetensors(path);
        const int64_t params = parameterCount(m);
        QCOMPARE(params, std::string(name) == "taef2_encoder.safetensors" ? int64_t(1338528) : int64_t(1338499));
        for (const auto& [k, t] : m) {
            QCOMPARE(t.scalar_type(), torch::kFloat16);
            QVERIFY2(torch::isfinite(t.to(torch::kFloat32)).all().item<bool>(), k.c_str());
        }
    }
}

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
