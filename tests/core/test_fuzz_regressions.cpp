// Replays every reproducer the fuzzers found (tests/data/fuzz/<target>/*) through the same
// entry points as the libFuzzer targets (fuzz/fuzz_entry_points.cpp), in the normal build:
// each must end in a result or a clean ld::Error; a crash, another std::exception, a
// sanitizer report (in a sanitizer build) or a broken round trip (fuzz::Finding) fails.
// One row per file, plus the empty input for every target.
#include "fuzz/fuzz_entry_points.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QtTest>

#include <string>

using namespace ld;

class TestFuzzRegressions : public QObject {
    Q_OBJECT
private slots:
    void replay_data() {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("file");  // empty: the empty input
        for (const auto& t : fuzz::targets())
            QTest::newRow(qPrintable(QString("%1/(empty input)").arg(t.name))) << QString(t.name) << QString();
        const QDir root(QStringLiteral(LABELDIFF_TEST_DATA "/fuzz"));
        for (const QString& target : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
            QDirIterator it(root.filePath(target), QDir::Files, QDirIterator::Subdirectories);
            QStringList files;
            while (it.hasNext()) files << it.next();
            files.sort();
            for (const QString& f : files)
                QTest::newRow(qPrintable(target + "/" + QFileInfo(f).fileName())) << target << f;
        }
    }

    void replay() {
        QFETCH(QString, target);
        QFETCH(QString, file);
        const fuzz::Target* t = fuzz::findTarget(target.toStdString());
        QVERIFY2(t, qPrintable("tests/data/fuzz/" + target + " names no fuzz target"));
        QByteArray bytes;
        if (!file.isEmpty()) {
            QFile f(file);
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(file));
            bytes = f.readAll();
        }
        try {
            const fuzz::Outcome o =
                t->run(reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size()));
            qDebug("%s", fuzz::toString(o));
            // Readers report bad input as ld::Error (naming the file); a raw std exception
            // (std::filesystem::filesystem_error, nlohmann::json::exception, ...) is a bug too.
            QVERIFY2(o != fuzz::Outcome::StdException,
                     qPrintable(QString("a std::exception other than ld::Error escaped: ") +
                                QString::fromStdString(fuzz::lastStdExceptionMessage())));
        } catch (const fuzz::Finding& f) {
            QFAIL(f.what.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "test_fuzz_regressions.moc"
