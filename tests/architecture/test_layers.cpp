// The layers, checked on the source tree: app → ui → inference → core, no arrow back; no Qt
// below ui/; no LibTorch header reachable from ui/, not even through an inference/ header
// it includes; the networks and the pipeline do not reach up into training/. A layer that
// included upward would still build today (every target sees the whole source root), so
// this test is what holds the layout.
#include <QDirIterator>
#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

namespace {

struct Rule {
    QString layer;              // folder whose files are checked, relative to the root
    QStringList skip;           // sub-folders of it left to another rule
    QStringList quotedBanned;   // project include prefixes the layer must not use
    QString systemBanned;       // regular expression on <...> includes
    bool transitive = false;    // follow the project's quoted includes to the end
};

const QRegularExpression kInclude(QStringLiteral(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])"));
const QString kTorch = QStringLiteral(R"(^(torch|c10|ATen|caffe2)/)");
const QString kQt = QStringLiteral(R"(^Q[A-Za-z]*(/|$)|^qt)");

struct Include {
    bool quoted;
    QString path;
    int line;
};

QList<Include> includesOf(const QString& file) {
    QList<Include> out;
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return out;
    int line = 0;
    while (!f.atEnd()) {
        ++line;
        const auto m = kInclude.match(QString::fromUtf8(f.readLine()));
        if (m.hasMatch()) out.push_back({m.captured(1) == QLatin1String("\""), m.captured(2), line});
    }
    return out;
}

QStringList sourcesUnder(const QString& root, const Rule& rule) {
    QStringList files;
    QDirIterator it(root + QLatin1Char('/') + rule.layer, {QStringLiteral("*.h"), QStringLiteral("*.cpp")},
                    QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString rel = it.next().mid(root.size() + 1);
        bool skipped = false;
        for (const QString& s : rule.skip) skipped = skipped || rel.startsWith(rule.layer + QLatin1Char('/') + s + QLatin1Char('/'));
        if (!skipped) files << rel;
    }
    files.sort();
    return files;
}

// "file:line includes X" for each banned include; with `transitive`, "file:line → … → h:line
// includes <torch/…>" through the project's own headers.
QStringList violations(const QString& root, const Rule& rule) {
    const QRegularExpression systemBanned(rule.systemBanned);
    QStringList out;
    QHash<QString, QString> chainTo;  // header → first banned chain below it ("" = clean)
    QSet<QString> visiting;
    std::function<QString(const QString&)> bannedBelow = [&](const QString& rel) -> QString {
        if (chainTo.contains(rel)) return chainTo.value(rel);
        if (visiting.contains(rel)) return {};
        visiting.insert(rel);
        QString found;
        for (const Include& inc : includesOf(root + QLatin1Char('/') + rel)) {
            const QString at = rel + QLatin1Char(':') + QString::number(inc.line);
            if (!inc.quoted) {
                if (systemBanned.match(inc.path).hasMatch()) found = at + QStringLiteral(" includes <") + inc.path + QLatin1Char('>');
            } else if (QFile::exists(root + QLatin1Char('/') + inc.path)) {
                const QString below = bannedBelow(inc.path);
                if (!below.isEmpty()) found = at + QStringLiteral(" → ") + below;
            }
            if (!found.isEmpty()) break;
        }
        visiting.remove(rel);
        chainTo.insert(rel, found);
        return found;
    };
    for (const QString& rel : sourcesUnder(root, rule)) {
        for (const Include& inc : includesOf(root + QLatin1Char('/') + rel)) {
            const QString at = rel + QLatin1Char(':') + QString::number(inc.line);
            if (inc.quoted) {
                for (const QString& prefix : rule.quotedBanned)
                    if (inc.path.startsWith(prefix)) out << at + QStringLiteral(" includes \"") + inc.path + QLatin1Char('"');
                if (rule.transitive && QFile::exists(root + QLatin1Char('/') + inc.path)) {
                    const QString below = bannedBelow(inc.path);
                    if (!below.isEmpty()) out << at + QStringLiteral(" → ") + below;
                }
            } else if (!rule.systemBanned.isEmpty() && systemBanned.match(inc.path).hasMatch()) {
                out << at + QStringLiteral(" includes <") + inc.path + QLatin1Char('>');
            }
        }
    }
    return out;
}

const QString kBelowUi = kTorch + QLatin1Char('|') + kQt;

}  // namespace

Q_DECLARE_METATYPE(Rule)

class TestLayers : public QObject {
    Q_OBJECT
private slots:
    void layerIncludesNothingAbove_data() {
        QTest::addColumn<Rule>("rule");
        QTest::newRow("core: no inference/, ui/, app/, Qt or LibTorch")
            << Rule{QStringLiteral("core"), {}, {QStringLiteral("inference/"), QStringLiteral("ui/"), QStringLiteral("app/")}, kBelowUi};
        QTest::newRow("inference: no ui/, app/ or Qt")
            << Rule{QStringLiteral("inference"), {}, {QStringLiteral("ui/"), QStringLiteral("app/")}, kQt};
        QTest::newRow("inference below training/: no inference/training/")
            << Rule{QStringLiteral("inference"), {QStringLiteral("training")}, {QStringLiteral("inference/training/")}, {}};
        QTest::newRow("ui: no app/, and no LibTorch header through any include")
            << Rule{QStringLiteral("ui"), {}, {QStringLiteral("app/")}, kTorch, true};
    }
    void layerIncludesNothingAbove() {
        QFETCH(Rule, rule);
        const QStringList found = violations(QStringLiteral(LABELDIFF_SOURCE_DIR), rule);
        QVERIFY2(!sourcesUnder(QStringLiteral(LABELDIFF_SOURCE_DIR), rule).isEmpty(), "no sources found: wrong root?");
        QVERIFY2(found.isEmpty(), qPrintable(found.join(QLatin1Char('\n'))));
    }

    // The checker itself, on a small tree with one violation of each kind.
    void checkerFindsViolations_data() {
        QTest::addColumn<Rule>("rule");
        QTest::addColumn<QString>("expected");
        QTest::newRow("upward quoted") << Rule{QStringLiteral("core"), {}, {QStringLiteral("ui/")}, {}}
                                       << QStringLiteral("core/a.cpp:2 includes \"ui/w.h\"");
        QTest::newRow("Qt below ui") << Rule{QStringLiteral("core"), {}, {}, kBelowUi}
                                     << QStringLiteral("core/a.cpp:3 includes <QString>");
        QTest::newRow("LibTorch through a header")
            << Rule{QStringLiteral("ui"), {}, {}, kTorch, true}
            << QStringLiteral("ui/w.h:1 → inference/n.h:2 → inference/m.h:1 includes <torch/torch.h>");
    }
    void checkerFindsViolations() {
        QFETCH(Rule, rule);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto write = [&](const QString& rel, const QByteArray& text) {
            QDir().mkpath(QFileInfo(dir.filePath(rel)).path());
            QFile f(dir.filePath(rel));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        };
        write(QStringLiteral("core/a.cpp"), "#include \"core/a.h\"\n#include \"ui/w.h\"\n#include <QString>\n");
        write(QStringLiteral("core/a.h"), "#pragma once\n#include <vector>\n");
        write(QStringLiteral("ui/w.h"), "#include \"inference/n.h\"\n");
        write(QStringLiteral("inference/n.h"), "#include <string>\n#include \"inference/m.h\"\n");
        write(QStringLiteral("inference/m.h"), "#include <torch/torch.h>\n");
        const QStringList found = violations(dir.path(), rule);
        QVERIFY2(found.contains(expected), qPrintable(found.join(QLatin1Char('\n'))));
    }
};


QTEST_GUILESS_MAIN(TestLayers)
#include "test_layers.moc"
