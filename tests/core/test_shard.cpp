// Shards of a batch (core/shard.h): K/N parsing, the scheduler's variables, hash values
// fixed by published test vectors (a shard set made on one machine is merged on another),
// balance, and the two reasons for hashing paths: adding images moves no other image, and
// one more shard moves only about 1/(N + 1) of them.
#include "core/error.h"
#include "core/shard.h"

#include <QtTest>

#include <map>

Q_DECLARE_METATYPE(std::string)

namespace {

ld::EnvironmentLookup environment(const std::map<std::string, std::string>& vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

std::string imageName(int i) { return "batch" + std::to_string(i % 7) + "/IMG_" + std::to_string(100000 + i) + ".jpg"; }

}  // namespace

class TestShard : public QObject {
    Q_OBJECT

private slots:
    void parsesShardSpecs_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("index");
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("error");  // empty: accepted
        QTest::newRow("first of four") << "0/4" << 0 << 4 << "";
        QTest::newRow("last of four") << "3/4" << 3 << 4 << "";
        QTest::newRow("one shard") << "0/1" << 0 << 1 << "";
        QTest::newRow("K equals N") << "4/4" << 0 << 0 << "shards count from 0";
        QTest::newRow("zero shards") << "0/0" << 0 << 0 << "at least 1";
        QTest::newRow("no slash") << "3" << 0 << 0 << "is not K/N";
        QTest::newRow("negative") << "-1/4" << 0 << 0 << "is not K/N";
        QTest::newRow("spaces") << "1 /4" << 0 << 0 << "is not K/N";
        QTest::newRow("trailing text") << "1/4x" << 0 << 0 << "is not K/N";
        QTest::newRow("empty") << "" << 0 << 0 << "is not K/N";
    }
    void parsesShardSpecs() {
        QFETCH(QString, text);
        QFETCH(int, index);
        QFETCH(int, count);
        QFETCH(QString, error);
        try {
            const ld::ShardSpec s = ld::parseShardSpec(text.toStdString());
            QVERIFY2(error.isEmpty(), "accepted a bad spec");
            QCOMPARE(s.index, index);
            QCOMPARE(s.count, count);
            QCOMPARE(QString::fromStdString(s.text()), text);
        } catch (const ld::Error& e) {
            QVERIFY2(!error.isEmpty(), e.what());
            QVERIFY2(QString(e.what()).contains(error), e.what());
            QVERIFY2(QString(e.what()).startsWith("--shard"), e.what());
        }
    }

    void readsTheSchedulersVariables_data() {
        QTest::addColumn<QString>("vars");  // NAME=VALUE;...
        QTest::addColumn<int>("completions");
        QTest::addColumn<QString>("expected");  // K/N, or the error's text
        QTest::newRow("none") << "" << 0 << "0/1";
        QTest::newRow("slurm 0-3") << "SLURM_ARRAY_TASK_ID=2;SLURM_ARRAY_TASK_COUNT=4;SLURM_ARRAY_TASK_MIN=0" << 0
                                   << "2/4";
        QTest::newRow("slurm 1-4") << "SLURM_ARRAY_TASK_ID=1;SLURM_ARRAY_TASK_COUNT=4;SLURM_ARRAY_TASK_MIN=1" << 0
                                   << "0/4";
        QTest::newRow("slurm 0-6:2") << "SLURM_ARRAY_TASK_ID=6;SLURM_ARRAY_TASK_COUNT=4;SLURM_ARRAY_TASK_MIN=0;"
                                        "SLURM_ARRAY_TASK_STEP=2"
                                     << 0 << "3/4";
        QTest::newRow("slurm without count") << "SLURM_ARRAY_TASK_ID=2" << 0 << "SLURM_ARRAY_TASK_COUNT: not set";
        QTest::newRow("slurm list with gaps") << "SLURM_ARRAY_TASK_ID=7;SLURM_ARRAY_TASK_COUNT=3;SLURM_ARRAY_TASK_MIN=1"
                                              << 0 << "give --shard K/N";
        QTest::newRow("slurm not a number") << "SLURM_ARRAY_TASK_ID=x;SLURM_ARRAY_TASK_COUNT=4" << 0
                                            << "not a whole number";
        QTest::newRow("slurm wins over k8s")
            << "SLURM_ARRAY_TASK_ID=1;SLURM_ARRAY_TASK_COUNT=2;JOB_COMPLETION_INDEX=0" << 5 << "1/2";
        QTest::newRow("kubernetes") << "JOB_COMPLETION_INDEX=4" << 5 << "4/5";
        QTest::newRow("kubernetes without count") << "JOB_COMPLETION_INDEX=4" << 0 << "give --shard-count";
        QTest::newRow("kubernetes past count") << "JOB_COMPLETION_INDEX=5" << 5 << "not below --shard-count 5";
    }
    void readsTheSchedulersVariables() {
        QFETCH(QString, vars);
        QFETCH(int, completions);
        QFETCH(QString, expected);
        std::map<std::string, std::string> env;
        for (const QString& kv : vars.split(';', Qt::SkipEmptyParts))
            env[kv.section('=', 0, 0).toStdString()] = kv.section('=', 1).toStdString();
        try {
            const ld::ShardSpec s = ld::shardSpecFromEnvironment(completions, environment(env));
            QCOMPARE(QString::fromStdString(s.text()), expected);
        } catch (const ld::Error& e) {
            QVERIFY2(QString(e.what()).contains(expected), e.what());
        }
    }

    // Published vectors: FNV-1a 64 (Fowler/Noll/Vo), jump hash (Lamping and Veach's code).
    void hashesMatchTheirReferences() {
        QCOMPARE(ld::stablePathHash(""), uint64_t(0xcbf29ce484222325ull));
        QCOMPARE(ld::stablePathHash("a"), uint64_t(0xaf63dc4c8601ec8cull));
        QCOMPARE(ld::stablePathHash("foobar"), uint64_t(0x85944171f73967e8ull));
        QCOMPARE(ld::jumpConsistentHash(0, 60), 0);
        QCOMPARE(ld::jumpConsistentHash(1, 60), 55);
        QCOMPARE(ld::jumpConsistentHash(2, 60), 46);
        QCOMPARE(ld::jumpConsistentHash(256, 1024), 520);
        QCOMPARE(ld::jumpConsistentHash(42, 1), 0);
    }

    void sharesAreBalanced() {
        const int images = 20000;
        for (int n : {2, 4, 7}) {
            std::vector<int> sizes(size_t(n), 0);
            for (int i = 0; i < images; ++i) ++sizes[size_t(ld::shardOfPath(imageName(i), n))];
            // Binomial spread: 5 standard deviations of 20000/n is at most 5 %.
            for (int s : sizes) QVERIFY2(std::abs(s - images / n) < images / n / 20, qPrintable(QString::number(s)));
        }
    }

    void addingImagesMovesNoOther() {
        std::map<std::string, int> before;
        for (int i = 0; i < 1000; i += 2) before[imageName(i)] = ld::shardOfPath(imageName(i), 4);
        // Images added between the old ones (their index in the listing shifts, their shard must not).
        for (int i = 0; i < 1000; ++i)
            if (before.count(imageName(i))) QCOMPARE(ld::shardOfPath(imageName(i), 4), before[imageName(i)]);
    }

    void oneMoreShardMovesAFewImages() {
        const int images = 20000;
        int moved = 0;
        for (int i = 0; i < images; ++i) {
            const int a = ld::shardOfPath(imageName(i), 4), b = ld::shardOfPath(imageName(i), 5);
            if (a != b) {
                ++moved;
                QCOMPARE(b, 4);  // only into the new shard, never between old ones
            }
        }
        // 1/5 in expectation; taking the index modulo N would move 4/5.
        QVERIFY2(std::abs(moved - images / 5) < images / 5 / 10, qPrintable(QString::number(moved)));
    }

    void ownershipCoversEveryImageOnce() {
        for (int i = 0; i < 500; ++i) {
            int owners = 0;
            for (int k = 0; k < 3; ++k) owners += ld::shardOwns({k, 3}, imageName(i)) ? 1 : 0;
            QCOMPARE(owners, 1);
            QVERIFY(ld::shardOwns({}, imageName(i)));  // unsharded: every image
        }
    }
};

QTEST_GUILESS_MAIN(TestShard)
#include "test_shard.moc"
