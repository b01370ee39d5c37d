// The JSON nesting limit: every reader refuses a file nested deeper than 128 levels with an
// error naming the file, instead of overflowing the stack when the parsed value is copied or
// written back (each of these crashed before the limit).
#include "core/atomic_file.h"
#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/json_read.h"
#include "core/project.h"

#include <QTemporaryDir>
#include <QtTest>

#include <string>

using namespace ld;

namespace {

std::string nested(int depth) { return std::string(size_t(depth), '[') + std::string(size_t(depth), ']'); }

}  // namespace

class TestJsonRead : public QObject {
    Q_OBJECT
private slots:
    void depthLimit_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("128 levels") << QString::fromStdString(nested(128)) << true;
        QTest::newRow("129 levels") << QString::fromStdString(nested(129)) << false;
        QTest::newRow("objects count too") << QString::fromStdString("{\"a\":" + nested(128) + "}") << false;
        QTest::newRow("brackets in strings do not") << QString::fromStdString("[\"" + std::string(500, '[') + "\"]") << true;
        QTest::newRow("escaped quote stays in the string")
            << QString::fromStdString("[\"\\\"" + std::string(500, '{') + "\"]") << true;
        QTest::newRow("300 000 levels") << QString::fromStdString(nested(300000)) << false;
    }
    void depthLimit() {
        QFETCH(QString, text);
        QFETCH(bool, accepted);
        try {
            parseJson(text.toStdString(), "t.json");
            QVERIFY2(accepted, "a too deeply nested text was parsed");
        } catch (const Error& e) {
            QVERIFY2(!accepted, e.what());
            QCOMPARE(e.subject(), std::string("t.json"));
            QVERIFY2(std::string(e.what()).find("nested deeper than 128 levels") != std::string::npos, e.what());
        }
    }

    void malformedTextNamesTheProblem_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("empty") << "  \n" << "the file is empty";
        QTest::newRow("truncated") << "{\"a\": [1, 2" << "malformed JSON: parse error";
        QTest::newRow("unbalanced closers") << "]]]" << "malformed JSON";
    }
    void malformedTextNamesTheProblem() {
        QFETCH(QString, text);
        QFETCH(QString, mentions);
        try {
            parseJson(text.toStdString(), "t.json");
            QFAIL("malformed JSON was parsed");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(mentions), e.what());
        }
    }

    // Each reader that takes a JSON file from a person, fed ~600 KB of nesting where its
    // format allows any value (COCO info, labelme flags, narrative segments, panoptic
    // categories, project extras).
    void everyReaderRefusesDeepNesting_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("text");
        const std::string deep = nested(300000);
        QTest::newRow("coco") << "coco"
                              << QString::fromStdString("{\"info\": " + deep + ", \"images\": [], \"annotations\": [], \"categories\": []}");
        QTest::newRow("labelme") << "labelme" << QString::fromStdString("{\"shapes\": [], \"flags\": " + deep + "}");
        QTest::newRow("narrative") << "png-narrative"
                                   << QString::fromStdString("[{\"caption\": \"x\", \"segments\": " + deep + "}]");
        QTest::newRow("panoptic") << "panoptic" << QString::fromStdString("{\"categories\": " + deep + "}");
        QTest::newRow("project") << "" << QString::fromStdString("{\"labeldiff_project\": 1, \"extra\": " + deep + "}");
    }
    void everyReaderRefusesDeepNesting() {
        QFETCH(QString, format);
        QFETCH(QString, text);
        QTemporaryDir dir;
        const std::string path = dir.filePath("hostile.json").toStdString();
        writeFileAtomic(path, text.toStdString());
        try {
            if (format.isEmpty()) {
                loadProject(path);
            } else {
                const DatasetFormat* f = findDatasetFormat(format.toStdString());
                QVERIFY(f);
                ReadOptions ro;
                ro.checkImagesOnDisk = false;
                f->read(path, ro);
            }
            QFAIL("a 300 000-level file was read");
        } catch (const Error& e) {
            QCOMPARE(e.subject(), path);
            QVERIFY2(std::string(e.what()).find("nested deeper than 128 levels") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestJsonRead)
#include "test_json_read.moc"
