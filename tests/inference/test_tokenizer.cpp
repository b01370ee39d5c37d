// Tokenizers: CLIP's byte-level BPE against ids from openai/CLIP's SimpleTokenizer (the
// expected rows were produced by that Python algorithm with the `regex` module), a
// synthetic BPE vocabulary that needs no shared files, and the from-scratch phrase
// vocabulary.
#include "core/error.h"
#include "inference/text/bpe_tokenizer.h"
#include "inference/text/phrase_vocabulary.h"

#include <QtTest>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using Ids = std::vector<int64_t>;
using Words = std::vector<std::string>;
Q_DECLARE_METATYPE(Ids)
Q_DECLARE_METATYPE(Words)

namespace {

std::string clipBpePath() { return std::string(LABELDIFF_SHARED_DIR) + "/models/clip-bpe/bpe_simple_vocab_16e6.txt.gz"; }

bool exists(const std::string& path) { return QFileInfo::exists(QString::fromStdString(path)); }

QString show(const Ids& ids) {
    QStringList parts;
    for (auto id : ids) parts << QString::number(id);
    return "[" + parts.join(", ") + "]";
}

QString show(const Words& words) {
    QStringList parts;
    for (const auto& w : words) parts << QString::fromStdString(w);
    return "[" + parts.join("|") + "]";
}

void writeText(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// GPT-2's bytes_to_unicode, written out independently of the library.
std::vector<std::string> byteSymbols() {
    std::vector<int> bs;
    for (int b = 33; b <= 126; ++b) bs.push_back(b);
    for (int b = 161; b <= 172; ++b) bs.push_back(b);
    for (int b = 174; b <= 255; ++b) bs.push_back(b);
    std::vector<int> cs = bs;
    int n = 0;
    for (int b = 0; b < 256; ++b)
        if (std::find(bs.begin(), bs.end(), b) == bs.end()) {
            bs.push_back(b);
            cs.push_back(256 + n++);
        }
    std::vector<std::string> out;  // in vocabulary order
    for (int c : cs) out.push_back(QString(QChar(c)).toStdString());
    return out;
}

// Writes a transformers-style tokenizer folder (vocab.json + merges.txt) for `merges`.
void writeHfTokenizer(const std::string& dir, const std::vector<std::string>& merges) {
    nlohmann::json vocab = nlohmann::json::object();
    int64_t id = 0;
    const auto syms = byteSymbols();
    for (const auto& s : syms) vocab[s] = id++;
    for (const auto& s : syms) vocab[s + "</w>"] = id++;
    std::string mergesTxt = "#version: 0.2\n";
    for (const auto& m : merges) {
        const auto sp = m.find(' ');
        vocab[m.substr(0, sp) + m.substr(sp + 1)] = id++;
        mergesTxt += m + "\n";
    }
    vocab["<|startoftext|>"] = id++;
    vocab["<|endoftext|>"] = id++;
    writeText(dir + "/vocab.json", vocab.dump());
    writeText(dir + "/merges.txt", mergesTxt);
}

std::vector<std::string> gunzipLines(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    std::string all;
    char buf[65536];
    int n;
    while (f && (n = gzread(f, buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
    if (f) gzclose(f);
    std::vector<std::string> lines;
    std::istringstream is(all);
    for (std::string line; std::getline(is, line);) lines.push_back(line);
    return lines;
}

const Words kFacadeClasses = {"facade", "window", "balcony-fence", "car", "fence", "shop", "street",
                              "vegetation", "traffic-infrastructure", "non-building-infrastructure"};

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private slots:
    void clipMatchesReference_data();
    void clipMatchesReference();
    void clipEncodeFrame();
    void clipTruncation();
    void clipDecodeRoundTrip();
    void clipHfLayoutAgreesWithGz();
    void syntheticBpeMerges_data();
    void syntheticBpeMerges();
    void splitWordsLikeClipRegex_data();
    void splitWordsLikeClipRegex();
    void cleanTextCollapsesWhitespace_data();
    void cleanTextCollapsesWhitespace();
    void badTokenizerFilesAreErrors();

    void singular_data();
    void singular();
    void phraseWords_data();
    void phraseWords();
    void phraseVocabularyFromFacadeClasses();
    void phraseEncodeIsRobust_data();
    void phraseEncodeIsRobust();
    void phraseTruncationKeepsEnd();
    void phraseJsonRoundTrip();
    void phraseJsonRejectsBadFiles_data();
    void phraseJsonRejectsBadFiles();
};

// ---- CLIP BPE ----------------------------------------------------------------------

void TestTokenizer::clipMatchesReference_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<Ids>("ids");  // BPE ids without start/end
    QTest::newRow("photo of a cat") << "a photo of a cat" << Ids{320, 1125, 539, 320, 2368};
    QTest::newRow("person") << "person" << Ids{2533};
    QTest::newRow("astronaut") << "a photo of an astronaut riding a horse on mars"
                               << Ids{320, 1125, 539, 550, 18376, 6765, 320, 4558, 525, 7496};
    QTest::newRow("dermoscopy") << "a dermoscopy image of a skin lesion, segmentation mask"
                                << Ids{320, 839, 9840, 7504, 2867, 539, 320, 3575, 534, 1015, 267, 10551, 9512, 8306};
    QTest::newRow("punctuation") << "Hello, world!!! (test) -- ok?"
                                 << Ids{3306, 267, 1002, 995, 263, 1628, 264, 2432, 2481, 286};
    QTest::newRow("numbers") << "2024 cats and 3.5 dogs, 10% off"
                             << Ids{273, 271, 273, 275, 3989, 537, 274, 269, 276, 3255, 267, 272, 271, 260, 1007};
    QTest::newRow("apostrophes") << "it's the dog's ball; don't, they'll, we've, I'm, he'd, you're"
                                 << Ids{585, 568, 518, 1929, 568, 1069, 282, 847, 713, 267, 889, 1342,
                                        267, 649, 1200, 267, 328, 880, 267, 797, 1896, 267, 592, 982};
    QTest::newRow("leading apostrophes") << "'sun 'twas rock'n'roll" << Ids{568, 2271, 713, 739, 2172, 262, 333, 262, 3341};
    QTest::newRow("doubled apostrophes") << "don''t!!'s" << Ids{847, 8445, 339, 1443, 262, 338};
    QTest::newRow("multiple spaces") << "  a   photo\tof\n\na  cat  " << Ids{320, 1125, 539, 320, 2368};
    QTest::newRow("upper case") << "A PHOTO OF A CAT" << Ids{320, 1125, 539, 320, 2368};
    QTest::newRow("accents") << "Café naïve STRASSE Straße ÉCOLE"
                             << Ids{15304, 1097, 35689, 563, 1894, 8938, 1894, 127, 253, 324, 3459, 8166};
    QTest::newRow("cyrillic greek") << "Москва δ Ωmega"
                                    << Ids{38018, 13506, 23669, 27152, 39813, 27080, 138, 368, 139, 231, 9068};
    QTest::newRow("special tokens in text") << "<|startoftext|>hi<|endoftext|>" << Ids{49406, 1883, 49407};
    QTest::newRow("emoji and ellipsis") << "🙂 smile…" << Ids{14860, 3490, 959};
    QTest::newRow("empty") << "" << Ids{};
    QTest::newRow("only spaces") << "   " << Ids{};
    QTest::newRow("hyphen underscore") << "balcony-fence traffic_infrastructure"
                                       << Ids{16169, 268, 12679, 3399, 318, 9034};
    QTest::newRow("superscripts fractions") << "x²+y³ ½" << Ids{343, 41175, 266, 344, 126, 367, 33613};
    QTest::newRow("cjk") << "東京 タワー" << Ids{48338, 21078, 361, 34941, 2429, 107, 30391};
}

void TestTokenizer::clipMatchesReference() {
    QFETCH(QString, text);
    QFETCH(Ids, ids);
    if (!exists(clipBpePath())) QSKIP("../shared/models/clip-bpe absent");
    static const ld::BpeTokenizer tok = ld::BpeTokenizer::fromBpeFile(clipBpePath());
    const Ids got = tok.tokenize(text.toStdString());
    QVERIFY2(got == ids, qPrintable("got " + show(got) + ", expected " + show(ids)));
    Ids framed{49406};
    framed.insert(framed.end(), ids.begin(), ids.end());
    framed.push_back(49407);
    QCOMPARE(tok.encode(text.toStdString(), false), framed);
}

void TestTokenizer::clipEncodeFrame() {
    if (!exists(clipBpePath())) QSKIP("../shared/models/clip-bpe absent");
    const auto tok = ld::BpeTokenizer::fromBpeFile(clipBpePath());
    QCOMPARE(tok.vocabSize(), size_t(49408));
    QCOMPARE(tok.startId(), int64_t(49406));
    QCOMPARE(tok.endId(), int64_t(49407));
    QCOMPARE(tok.padId(), int64_t(49407));
    QCOMPARE(tok.maxLength(), 77);
    QCOMPARE(tok.tokenId("cat</w>"), int64_t(2368));
    QCOMPARE(tok.tokenId("not a token"), int64_t(-1));
    QCOMPARE(tok.encode("a photo of a cat", false), (Ids{49406, 320, 1125, 539, 320, 2368, 49407}));
    QCOMPARE(tok.encode("person", false), (Ids{49406, 2533, 49407}));
    const Ids padded = tok.encode("a photo of a cat");
    QCOMPARE(padded.size(), size_t(77));
    QCOMPARE(padded[6], int64_t(49407));
    for (size_t i = 7; i < 77; ++i) QCOMPARE(padded[i], int64_t(49407));
    // OpenCLIP / SD 2.x pad with "!" = id 0.
    auto tok0 = ld::BpeTokenizer::fromBpeFile(clipBpePath());
    tok0.setPadId(0);
    const Ids zeroPadded = tok0.encode("person");
    QCOMPARE(zeroPadded.size(), size_t(77));
    QCOMPARE(Ids(zeroPadded.begin(), zeroPadded.begin() + 4), (Ids{49406, 2533, 49407, 0}));
    QCOMPARE(zeroPadded[76], int64_t(0));
    QCOMPARE(tok.encode("").size(), size_t(77));
    QCOMPARE(tok.encode("", false), (Ids{49406, 49407}));
}

void TestTokenizer::clipTruncation() {
    if (!exists(clipBpePath())) QSKIP("../shared/models/clip-bpe absent");
    const auto tok = ld::BpeTokenizer::fromBpeFile(clipBpePath());
    auto cats = [](int n) {
        std::string s;
        for (int i = 0; i < n; ++i) s += (i ? " cat" : "cat");
        return s;
    };
    // 75 words fit exactly between start and end; 76 and 300 are cut to the same ids.
    for (int n : {75, 76, 300}) {
        for (bool pad : {true, false}) {
            const Ids ids = tok.encode(cats(n), pad);
            QCOMPARE(ids.size(), size_t(77));
            QCOMPARE(ids.front(), int64_t(49406));
            QCOMPARE(ids.back(), int64_t(49407));
            for (size_t i = 1; i < 76; ++i) QCOMPARE(ids[i], int64_t(2368));
        }
    }
    auto shortTok = ld::BpeTokenizer::fromBpeFile(clipBpePath());
    shortTok.setMaxLength(4);
    QCOMPARE(shortTok.encode("a photo of a cat"), (Ids{49406, 320, 1125, 49407}));
    QVERIFY_THROWS_EXCEPTION(ld::Error, shortTok.setMaxLength(1));
    QVERIFY_THROWS_EXCEPTION(ld::Error, shortTok.setPadId(49408));
}

void TestTokenizer::clipDecodeRoundTrip() {
    if (!exists(clipBpePath())) QSKIP("../shared/models/clip-bpe absent");
    const auto tok = ld::BpeTokenizer::fromBpeFile(clipBpePath());
    QCOMPARE(tok.decode(tok.encode("a photo of a cat")), std::string("a photo of a cat"));
    QCOMPARE(tok.decode(tok.encode("Café, naïve 東京!")), std::string("café , naïve 東京 !"));
    QVERIFY_THROWS_EXCEPTION(ld::Error, tok.decode({49406, 60000}));
}

void TestTokenizer::clipHfLayoutAgreesWithGz() {
    if (!exists(clipBpePath())) QSKIP("../shared/models/clip-bpe absent");
    const auto lines = gunzipLines(clipBpePath());
    QVERIFY(lines.size() > 48895);
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    writeHfTokenizer(d, std::vector<std::string>(lines.begin() + 1, lines.begin() + 48895));
    writeText(d + "/tokenizer_config.json", R"({"model_max_length": 77, "pad_token": "!", "do_lower_case": true})");

    const auto gz = ld::BpeTokenizer::fromBpeFile(clipBpePath());
    auto hf = ld::BpeTokenizer::fromDirectory(d);
    QCOMPARE(hf.vocabSize(), size_t(49408));
    QCOMPARE(hf.padId(), int64_t(0));  // "!" as SD 2.x's tokenizer_config says
    QCOMPARE(hf.maxLength(), 77);
    for (const char* text : {"a photo of a cat", "it's 2024, Straße!", "a dermoscopy image of a skin lesion"})
        QCOMPARE(hf.tokenize(text), gz.tokenize(text));

    // special_tokens_map.json overrides tokenizer_config.json, with an AddedToken object.
    writeText(d + "/special_tokens_map.json", R"({"pad_token": {"content": "<|endoftext|>", "lstrip": false}})");
    writeText(d + "/tokenizer_config.json", R"({"model_max_length": 1000000000000000019884624838656, "pad_token": "!"})");
    hf = ld::BpeTokenizer::fromDirectory(d);
    QCOMPARE(hf.padId(), int64_t(49407));
    QCOMPARE(hf.maxLength(), 77);  // the "unset" huge float is ignored

    // The gz file alone in a folder works too.
    QTemporaryDir gzDir;
    QVERIFY(QFile::copy(QString::fromStdString(clipBpePath()), gzDir.filePath("bpe_simple_vocab_16e6.txt.gz")));
    QCOMPARE(ld::BpeTokenizer::fromDirectory(gzDir.path().toStdString()).encode("person", false),
             (Ids{49406, 2533, 49407}));
}

void TestTokenizer::syntheticBpeMerges_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<Words>("symbols");  // expected vocabulary entries, in order
    QTest::newRow("merged words") << "the cat" << Words{"the</w>", "cat</w>"};
    QTest::newRow("partial merge") << "cats" << Words{"ca", "t", "s</w>"};
    QTest::newRow("rank order") << "cathe" << Words{"ca", "the</w>"};
    QTest::newRow("repeated pair") << "tttt" << Words{"tt", "tt</w>"};
    QTest::newRow("merge of a merge") << "ttt" << Words{"ttt</w>"};
    QTest::newRow("single letter") << "a" << Words{"a</w>"};
    QTest::newRow("space byte encoded") << "a\xc2\xa0" "b" << Words{"a</w>", "b</w>"};
    QTest::newRow("non-printable byte") << "\x01" << Words{"\xc4\x81</w>"};  // byte 1 -> U+0101
}

void TestTokenizer::syntheticBpeMerges() {
    QFETCH(QString, text);
    QFETCH(Words, symbols);
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    writeHfTokenizer(d, {"t h", "th e</w>", "c a", "ca t</w>", "t t", "t t</w>", "tt t</w>"});
    const auto tok = ld::BpeTokenizer::fromDirectory(d);
    QCOMPARE(tok.vocabSize(), size_t(512 + 7 + 2));
    QCOMPARE(tok.padId(), tok.endId());
    Ids expected;
    for (const auto& s : symbols) {
        const int64_t id = tok.tokenId(s);
        QVERIFY2(id >= 0, s.c_str());
        expected.push_back(id);
    }
    const Ids got = tok.tokenize(text.toStdString());
    QVERIFY2(got == expected, qPrintable("got " + show(got) + ", expected " + show(expected)));
}

void TestTokenizer::splitWordsLikeClipRegex_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<Words>("words");
    QTest::newRow("contractions") << "it's we'll i'd" << Words{"it", "'s", "we", "'ll", "i", "'d"};
    QTest::newRow("digits one by one") << "r2d2 100" << Words{"r", "2", "d", "2", "1", "0", "0"};
    QTest::newRow("punctuation runs") << "wow!?... ok" << Words{"wow", "!?...", "ok"};
    QTest::newRow("punctuation swallows apostrophe") << "!'s" << Words{"!'", "s"};
    QTest::newRow("specials") << "<|startoftext|>a <|endoftext|>" << Words{"<|startoftext|>", "a", "<|endoftext|>"};
    QTest::newRow("broken special") << "<|start" << Words{"<|", "start"};
    QTest::newRow("unicode letters") << "naïve東京" << Words{"naïve東京"};
    QTest::newRow("underscore is punctuation") << "a_b" << Words{"a", "_", "b"};
}

void TestTokenizer::splitWordsLikeClipRegex() {
    QFETCH(QString, text);
    QFETCH(Words, words);
    const Words got = ld::BpeTokenizer::splitWords(text.toStdString());
    QVERIFY2(got == words, qPrintable("got " + show(got) + ", expected " + show(words)));
}

void TestTokenizer::cleanTextCollapsesWhitespace_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("cleaned");
    QTest::newRow("runs") << " A\t\tB \n C " << "a b c";
    QTest::newRow("unicode spaces") << "x\u00a0\u3000y\u2009z" << "x y z";
    QTest::newRow("cases") << "ÀÉÎÕÜ ΑΒΓ АБВ Ÿ" << "àéîõü αβγ абв ÿ";
    QTest::newRow("empty") << "" << "";
}

void TestTokenizer::cleanTextCollapsesWhitespace() {
    QFETCH(QString, text);
    QFETCH(QString, cleaned);
    QCOMPARE(QString::fromStdString(ld::BpeTokenizer::cleanText(text.toStdString())), cleaned);
    // Invalid UTF-8 never crashes; each bad byte becomes U+FFFD.
    QCOMPARE(ld::lowercaseUtf8("A\xff" "B"), std::string("a\xef\xbf\xbd" "b"));
}

void TestTokenizer::badTokenizerFilesAreErrors() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    auto expectError = [](auto&& fn, const std::string& mention) {
        try {
            fn();
            QFAIL("accepted");
        } catch (const ld::Error& e) {
            QVERIFY2(std::string(e.what()).find(mention) != std::string::npos, e.what());
        }
    };
    expectError([&] { ld::BpeTokenizer::fromBpeFile(d + "/absent.txt.gz"); }, "absent.txt.gz");
    expectError([&] { ld::BpeTokenizer::fromDirectory(d); }, d);
    writeText(d + "/short.txt", "#version\na b\n");
    expectError([&] { ld::BpeTokenizer::fromBpeFile(d + "/short.txt"); }, "short.txt");

    writeHfTokenizer(d, {"c a"});
    writeText(d + "/merges.txt", "#version: 0.2\nc a b\n");
    expectError([&] { ld::BpeTokenizer::fromDirectory(d); }, "merges.txt");
    writeText(d + "/merges.txt", "#version: 0.2\nx y\n");  // "xy" not in the vocabulary
    expectError([&] { ld::BpeTokenizer::fromDirectory(d); }, "vocab.json");
    writeHfTokenizer(d, {"c a"});
    writeText(d + "/tokenizer_config.json", R"({"pad_token": "<pad>"})");
    expectError([&] { ld::BpeTokenizer::fromDirectory(d); }, "tokenizer_config.json");
    writeText(d + "/tokenizer_config.json", "{");
    expectError([&] { ld::BpeTokenizer::fromDirectory(d); }, "malformed");
    writeText(d + "/tokenizer_config.json", "{}");
    writeText(d + "/vocab.json", R"({"a": 0, "b": 0})");
    expectError([&] { ld::BpeTokenizer::fromDirectory(d); }, "vocab.json");
}

// ---- PhraseVocabulary --------------------------------------------------------------

void TestTokenizer::singular_data() {
    QTest::addColumn<QString>("word");
    QTest::addColumn<QString>("expected");
    const char* rows[][2] = {
        {"windows", "window"}, {"window", "window"},     {"fences", "fence"},     {"boxes", "box"},
        {"buses", "bus"},      {"bus", "bus"},           {"people", "person"},    {"children", "child"},
        {"leaves", "leaf"},    {"knives", "knife"},      {"glasses", "glass"},    {"glass", "glass"},
        {"grass", "grass"},    {"species", "species"},   {"skies", "sky"},        {"batteries", "battery"},
        {"benches", "bench"},  {"dishes", "dish"},       {"tomatoes", "tomato"},  {"shoes", "shoe"},
        {"horseshoes", "horseshoe"}, {"men", "man"},     {"women", "woman"},      {"firemen", "fireman"},
        {"salespeople", "salesperson"}, {"cars", "car"}, {"trees", "tree"},       {"houses", "house"},
        {"status", "status"},  {"cactus", "cactus"},     {"axis", "axis"},        {"axes", "axis"},
        {"3d", "3d"},          {"gloves", "glove"},      {"quizzes", "quiz"},     {"movies", "movie"},
        {"ties", "tie"},       {"mice", "mouse"},        {"feet", "foot"},        {"teeth", "tooth"},
        {"sheep", "sheep"},    {"vegetation", "vegetation"}, {"streets", "street"}, {"shops", "shop"},
        {"taxis", "taxi"},     {"abdomen", "abdomen"},   {"gas", "gas"},          {"cats", "cat"},
    };
    for (const auto& r : rows) QTest::newRow(r[0]) << QString(r[0]) << QString(r[1]);
}

void TestTokenizer::singular() {
    QFETCH(QString, word);
    QFETCH(QString, expected);
    const std::string got = ld::PhraseVocabulary::singular(word.toStdString());
    QCOMPARE(QString::fromStdString(got), expected);
    // Idempotent: the singular of a singular is itself, so training and query agree.
    QCOMPARE(QString::fromStdString(ld::PhraseVocabulary::singular(got)), expected);
}

void TestTokenizer::phraseWords_data() {
    QTest::addColumn<QString>("phrase");
    QTest::addColumn<Words>("words");
    QTest::newRow("hyphen") << "Balcony-Fence" << Words{"balcony", "fence"};
    QTest::newRow("underscore") << "traffic_infrastructure" << Words{"traffic", "infrastructure"};
    QTest::newRow("mixed separators") << "  Windows, DOORS & roofs!! " << Words{"window", "door", "roof"};
    QTest::newRow("digits kept") << "3D-Printed boxes" << Words{"3d", "printed", "box"};
    QTest::newRow("non-building") << "non-building-infrastructure" << Words{"non", "building", "infrastructure"};
    QTest::newRow("unicode") << "Café TERRACES" << Words{"café", "terrace"};
    QTest::newRow("empty") << "" << Words{};
    QTest::newRow("only punctuation") << "--- !!" << Words{};
}

void TestTokenizer::phraseWords() {
    QFETCH(QString, phrase);
    QFETCH(Words, words);
    const Words got = ld::PhraseVocabulary::words(phrase.toStdString());
    QVERIFY2(got == words, qPrintable("got " + show(got) + ", expected " + show(words)));
}

void TestTokenizer::phraseVocabularyFromFacadeClasses() {
    const auto v = ld::PhraseVocabulary::build(kFacadeClasses, 8);
    const Words expected = {"<pad>", "<unk>", "<bos>", "<eos>", "balcony", "building", "car", "facade",
                            "fence", "infrastructure", "non", "shop", "street", "traffic", "vegetation", "window"};
    QVERIFY2(v.tokens() == expected, qPrintable(show(v.tokens())));
    QCOMPARE(v.size(), size_t(16));
    QCOMPARE(v.maxLength(), 8);
    QCOMPARE(v.id("fence"), int64_t(8));
    QCOMPARE(v.id("balloon"), ld::PhraseVocabulary::kUnk);
    QCOMPARE(v.token(15), std::string("window"));
    QVERIFY_THROWS_EXCEPTION(ld::Error, v.token(16));
    QVERIFY_THROWS_EXCEPTION(ld::Error, v.token(-1));
    // Order of the training phrases does not change the ids.
    Words reversed(kFacadeClasses.rbegin(), kFacadeClasses.rend());
    QVERIFY(ld::PhraseVocabulary::build(reversed, 8).tokens() == v.tokens());
    QCOMPARE(v.encode("balcony-fence"), (Ids{2, 4, 8, 3, 0, 0, 0, 0}));
    QCOMPARE(v.length("balcony-fence"), 4);
    QCOMPARE(v.normalized("Balcony fences and trees"), std::string("balcony fence <unk> <unk>"));
    QVERIFY_THROWS_EXCEPTION(ld::Error, ld::PhraseVocabulary::build(kFacadeClasses, 2));
}

void TestTokenizer::phraseEncodeIsRobust_data() {
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::newRow("case") << "Window" << "WINDOW";
    QTest::newRow("plural") << "windows" << "window";
    QTest::newRow("separators") << "traffic infrastructure" << "Traffic-Infrastructure";
    QTest::newRow("plural compound") << "balcony fences" << "balcony-fence";
    QTest::newRow("punctuation") << "a car!" << "a car";
    QTest::newRow("unknowns map alike") << "a zebra" << "the unicorn";
}

void TestTokenizer::phraseEncodeIsRobust() {
    QFETCH(QString, a);
    QFETCH(QString, b);
    const auto v = ld::PhraseVocabulary::build(kFacadeClasses);
    const Ids ea = v.encode(a.toStdString()), eb = v.encode(b.toStdString());
    QCOMPARE(ea.size(), size_t(ld::PhraseVocabulary::kDefaultMaxLength));
    QVERIFY2(ea == eb, qPrintable(show(ea) + " vs " + show(eb)));
    QCOMPARE(ea.front(), ld::PhraseVocabulary::kBos);
}

void TestTokenizer::phraseTruncationKeepsEnd() {
    const auto v = ld::PhraseVocabulary::build(kFacadeClasses, 5);
    QCOMPARE(v.encode("car window shop street fence"), (Ids{2, 6, 15, 11, 3}));
    QCOMPARE(v.encode("unknown"), (Ids{2, 1, 3, 0, 0}));
    QCOMPARE(v.encode(""), (Ids{2, 3, 0, 0, 0}));
    QCOMPARE(v.length("car window shop street fence"), 5);
    QCOMPARE(v.length(""), 2);
}

void TestTokenizer::phraseJsonRoundTrip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("phrase_vocab.json").toStdString();
    const auto v = ld::PhraseVocabulary::build(kFacadeClasses, 12);
    v.save(path);
    const auto back = ld::PhraseVocabulary::load(path);
    QVERIFY(back.tokens() == v.tokens());
    QCOMPARE(back.maxLength(), 12);
    for (const auto& p : kFacadeClasses) QCOMPARE(back.encode(p), v.encode(p));
    const auto j = v.toJson();
    QCOMPARE(j.at("format").get<std::string>(), std::string("labeldiff-phrase-vocabulary"));
    QCOMPARE(j.at("tokens").size(), size_t(16));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"phrase_vocab.json"});
}

void TestTokenizer::phraseJsonRejectsBadFiles_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("mentions");
    const QString specials = R"("<pad>","<unk>","<bos>","<eos>")";
    auto doc = [](const QString& body) { return R"({"format":"labeldiff-phrase-vocabulary","version":1,)" + body + "}"; };
    QTest::newRow("malformed") << "{\"format\":" << "malformed";
    QTest::newRow("not an object") << "[1]" << "object";
    QTest::newRow("wrong format") << R"({"format":"other","version":1,"max_length":8,"tokens":[]})" << "format";
    QTest::newRow("future version")
        << R"({"format":"labeldiff-phrase-vocabulary","version":2,"max_length":8,"tokens":[]})" << "version";
    QTest::newRow("max_length too small") << doc(R"("max_length":2,"tokens":[)" + specials + "]") << "max_length";
    QTest::newRow("max_length not integer") << doc(R"("max_length":"8","tokens":[)" + specials + "]") << "max_length";
    QTest::newRow("missing specials") << doc(R"("max_length":8,"tokens":["<pad>","car"])") << "special";
    QTest::newRow("specials out of order")
        << doc(R"("max_length":8,"tokens":["<unk>","<pad>","<bos>","<eos>"])") << "<pad>";
    QTest::newRow("duplicate token") << doc(R"("max_length":8,"tokens":[)" + specials + R"(,"car","car"])") << "twice";
    QTest::newRow("token not a string") << doc(R"("max_length":8,"tokens":[)" + specials + ",5]") << "not a string";
    QTest::newRow("empty token") << doc(R"("max_length":8,"tokens":[)" + specials + R"(,""])") << "empty";
    QTest::newRow("duplicate key") << doc(R"("max_length":8,"max_length":9,"tokens":[)" + specials + "]") << "twice";
}

void TestTokenizer::phraseJsonRejectsBadFiles() {
    QFETCH(QString, json);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    const std::string path = dir.filePath("phrase_vocab.json").toStdString();
    writeText(path, json.toStdString());
    try {
        ld::PhraseVocabulary::load(path);
        QFAIL("bad vocabulary accepted");
    } catch (const ld::Error& e) {
        QCOMPARE(e.subject(), path);
        QVERIFY2(std::string(e.what()).find(mentions.toStdString()) != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
