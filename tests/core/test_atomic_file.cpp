#include <QtTest>

#include "core/atomic_file.h"
#include "core/error.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <csignal>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

class TestAtomicFile : public QObject {
    Q_OBJECT

private:
    static std::string path(const QTemporaryDir& dir, const char* name) {
        return dir.filePath(QString::fromUtf8(name)).toStdString();
    }
    static QStringList entries(const QTemporaryDir& dir) {
        return QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
    }

private slots:
    void writesAndReadsBack_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("text") << QByteArray("{\"a\": 1}\n");
        QByteArray binary;
        for (int i = 0; i < 300000; ++i) binary.append(char(i * 7 + (i >> 8)));
        binary[5] = '\0';
        QTest::newRow("binary with NUL, 300 kB") << binary;
    }
    void writesAndReadsBack() {
        QFETCH(QByteArray, bytes);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string target = path(dir, "file.bin");
        ld::writeFileAtomic(target, bytes.toStdString());
        const std::string back = ld::readFile(target);
        QCOMPARE(back.size(), size_t(bytes.size()));
        QVERIFY(back == bytes.toStdString());
        QCOMPARE(entries(dir), QStringList{"file.bin"});  // no temporary left
    }

    void replacesExistingFile() {
        QTemporaryDir dir;
        const std::string target = path(dir, "project.json");
        ld::writeFileAtomic(target, "first version, quite a bit longer than the second");
        ld::writeFileAtomic(target, "second");
        QCOMPARE(QString::fromStdString(ld::readFile(target)), QString("second"));
        QCOMPARE(entries(dir), QStringList{"project.json"});
    }

    void keepsPermissionsOfReplacedFile() {
        QTemporaryDir dir;
        const std::string target = path(dir, "perm.txt");
        ld::writeFileAtomic(target, "a");
        QCOMPARE(::chmod(target.c_str(), 0600), 0);
        ld::writeFileAtomic(target, "b");
        struct stat st {};
        QCOMPARE(::stat(target.c_str(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
    }

    void missingDirectoryThrowsNamingFile() {
        QTemporaryDir dir;
        const std::string target = path(dir, "no/such/dir/file.json");
        try {
            ld::writeFileAtomic(target, "x");
            QFAIL("expected ld::Error");
        } catch (const ld::Error& e) {
            QCOMPARE(QString::fromStdString(e.subject()), QString::fromStdString(target));
            QVERIFY(!e.reason().empty());
        }
    }

    void readOnlyDirectoryLeavesPreviousContent() {
        if (::geteuid() == 0) QSKIP("running as root: directory permissions are not enforced");
        QTemporaryDir dir;
        const std::string target = path(dir, "keep.json");
        ld::writeFileAtomic(target, "previous");
        QCOMPARE(::chmod(dir.path().toLocal8Bit().constData(), 0500), 0);
        bool threw = false;
        try {
            ld::writeFileAtomic(target, "new content");
        } catch (const ld::Error& e) {
            threw = true;
            QCOMPARE(QString::fromStdString(e.subject()), QString::fromStdString(target));
        }
        ::chmod(dir.path().toLocal8Bit().constData(), 0700);
        QVERIFY(threw);
        QCOMPARE(QString::fromStdString(ld::readFile(target)), QString("previous"));
        QCOMPARE(entries(dir), QStringList{"keep.json"});
    }

    // Works as root too: a file-size limit makes the write of the temporary file fail
    // half-way, which is exactly the crash-in-the-middle case the rename protects from.
    void failedWriteLeavesPreviousContent() {
        QTemporaryDir dir;
        const std::string target = path(dir, "keep.json");
        ld::writeFileAtomic(target, "previous");
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit old {};
        QCOMPARE(::getrlimit(RLIMIT_FSIZE, &old), 0);
        rlimit small = old;
        small.rlim_cur = 1000;
        QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
        bool threw = false;
        try {
            ld::writeFileAtomic(target, std::string(5000, 'x'));
        } catch (const ld::Error& e) {
            threw = true;
            QCOMPARE(QString::fromStdString(e.subject()), QString::fromStdString(target));
        }
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldHandler);
        QVERIFY(threw);
        QCOMPARE(QString::fromStdString(ld::readFile(target)), QString("previous"));
        QCOMPARE(entries(dir), QStringList{"keep.json"});
    }

    void targetIsDirectoryThrowsAndLeavesNoTemporary() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("sub"));
        const std::string target = path(dir, "sub");
        QVERIFY_THROWS_EXCEPTION(ld::Error, ld::writeFileAtomic(target, "x"));
        QVERIFY(entries(dir).isEmpty());
    }

    void readFileErrors_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("makeDirectory");
        QTest::newRow("missing") << "missing.txt" << false;
        QTest::newRow("directory") << "adir" << true;
    }
    void readFileErrors() {
        QFETCH(QString, name);
        QFETCH(bool, makeDirectory);
        QTemporaryDir dir;
        if (makeDirectory) QVERIFY(QDir(dir.path()).mkdir(name));
        const std::string target = dir.filePath(name).toStdString();
        try {
            ld::readFile(target);
            QFAIL("expected ld::Error");
        } catch (const ld::Error& e) {
            QCOMPARE(QString::fromStdString(e.subject()), QString::fromStdString(target));
        }
    }
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "test_atomic_file.moc"
