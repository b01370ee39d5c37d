// Data-parallel collectives (inference/training/distributed.h) between real processes: the
// test starts itself twice as ranks 0 and 1 on localhost (TCPStore rendezvous, Gloo), and the
// averaged gradients, the broadcast weights and the summed values are checked against what
// one process computes. The launchers' variables and the per-rank share of a batch are
// checked in-process.
#include "support/free_port.h"
#include "core/error.h"
#include "inference/training/distributed.h"

#include <torch/torch.h>

#include <QCoreApplication>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>

namespace {

// Parameters of assorted shapes; rank r's gradient of parameter i is (i + 1)·(r + 1)·ramp,
// except: parameter 2 has a gradient on rank 0 only, parameter 3 on no rank.
std::vector<torch::Tensor> parametersWithGradients(int rank) {
    const std::vector<std::vector<int64_t>> shapes{{3, 4}, {1000}, {5, 1, 2}, {7}, {64, 33}, {2}};
    std::vector<torch::Tensor> out;
    for (size_t i = 0; i < shapes.size(); ++i) {
        torch::Tensor p = torch::full(shapes[i], double(rank + 10), torch::kFloat).requires_grad_();
        const bool has = i == 2 ? rank == 0 : i != 3;
        if (has)
            p.mutable_grad() = torch::arange(p.numel(), torch::kFloat).reshape(shapes[i]).mul(float((i + 1) * (rank + 1)));
        out.push_back(p);
    }
    return out;
}

// What a rank does: join, broadcast rank 0's weights, average gradients through 1 KiB
// buckets (several per call), sum two values; writes what it ends with to OUT/rank-R.pt.
int runRank(const QString& out) {
    auto dp = ld::dataParallelFromEnvironment(torch::kCPU);
    if (!dp) return 3;
    auto params = parametersWithGradients(dp->rank());
    dp->broadcast(params);
    dp->averageGradients(params, 1024);
    const auto summed = dp->sum({dp->rank() == 0 ? 1.0 : 4.0, double(dp->rank())});
    dp->barrier();
    std::vector<torch::Tensor> saved;
    for (auto& p : params) {
        saved.push_back(p.detach().clone());
        saved.push_back(p.grad().defined() ? p.grad().clone() : torch::full({1}, -12345.0f));
    }
    saved.push_back(torch::tensor(summed, torch::kDouble));
    torch::save(saved, (out + "/rank-" + QString::number(dp->rank()) + ".pt").toStdString());
    return 0;
}

ld::DistributedEnvironment environment(const std::map<std::string, std::string>& vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

}  // namespace

class TestDistributed : public QObject {
    Q_OBJECT

private slots:
    void readsTheLaunchersVariables_data() {
        QTest::addColumn<QString>("vars");
        QTest::addColumn<QString>("expected");  // "rank/world addr:port", "none", or the error
        QTest::newRow("not launched") << "" << "none";
        QTest::newRow("one rank") << "WORLD_SIZE=1;RANK=0" << "none";
        QTest::newRow("torchrun") << "WORLD_SIZE=4;RANK=3;MASTER_ADDR=node7;MASTER_PORT=29501" << "3/4 node7:29501";
        QTest::newRow("srun") << "SLURM_NTASKS=2;SLURM_PROCID=1;MASTER_ADDR=n1;MASTER_PORT=1234" << "1/2 n1:1234";
        QTest::newRow("torchrun wins") << "WORLD_SIZE=2;RANK=0;SLURM_NTASKS=8;SLURM_PROCID=5;MASTER_ADDR=a;MASTER_PORT=1"
                                       << "0/2 a:1";
        QTest::newRow("no rank") << "WORLD_SIZE=2;MASTER_ADDR=a;MASTER_PORT=1" << "RANK: not set";
        QTest::newRow("rank too big") << "WORLD_SIZE=2;RANK=2;MASTER_ADDR=a;MASTER_PORT=1" << "not below WORLD_SIZE";
        QTest::newRow("no address") << "WORLD_SIZE=2;RANK=1;MASTER_PORT=1" << "MASTER_ADDR: not set";
        QTest::newRow("bad port") << "WORLD_SIZE=2;RANK=1;MASTER_ADDR=a;MASTER_PORT=70000" << "not a port number";
        QTest::newRow("port not a number") << "WORLD_SIZE=2;RANK=1;MASTER_ADDR=a;MASTER_PORT=x" << "not a whole number";
        QTest::newRow("srun without an address") << "SLURM_NTASKS=4;SLURM_PROCID=0;MASTER_PORT=1" << "MASTER_ADDR: not set";
        QTest::newRow("no timeout") << "WORLD_SIZE=2;RANK=0;MASTER_ADDR=a;MASTER_PORT=1;LABELDIFF_DIST_TIMEOUT_S=0"
                                    << "at least 1 second";
    }
    void readsTheLaunchersVariables() {
        QFETCH(QString, vars);
        QFETCH(QString, expected);
        std::map<std::string, std::string> env;
        for (const QString& kv : vars.split(';', Qt::SkipEmptyParts))
            env[kv.section('=', 0, 0).toStdString()] = kv.section('=', 1).toStdString();
        try {
            const auto s = ld::distributedSettingsFromEnvironment(environment(env));
            const QString got = s ? QString("%1/%2 %3:%4")
                                        .arg(s->rank)
                                        .arg(s->worldSize)
                                        .arg(QString::fromStdString(s->masterAddr))
                                        .arg(s->masterPort)
                                  : QString("none");
            QCOMPARE(got, expected);
        } catch (const ld::Error& e) {
            QVERIFY2(QString(e.what()).contains(expected), e.what());
        }
    }

    // Which card a rank on a node takes, and how long it waits for the others.
    void localRankAndTimeout() {
        const auto torchrun = ld::distributedSettingsFromEnvironment(environment(
            {{"WORLD_SIZE", "8"}, {"RANK", "5"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "2"},
             {"LABELDIFF_DIST_TIMEOUT_S", "90"}}));
        QVERIFY(torchrun);
        QCOMPARE(torchrun->localRank, 1);
        QCOMPARE(torchrun->timeout.count(), qint64(90000));
        const auto srun = ld::distributedSettingsFromEnvironment(environment(
            {{"SLURM_NTASKS", "8"}, {"SLURM_PROCID", "6"}, {"SLURM_LOCALID", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "2"}}));
        QVERIFY(srun);
        QCOMPARE(srun->localRank, 2);
        QCOMPARE(srun->timeout.count(), qint64(30 * 60 * 1000));
    }

    // A batch splits into equal consecutive blocks that keep a phrase group on one rank.
    void batchShares_data() {
        QTest::addColumn<int>("batch");
        QTest::addColumn<int>("group");
        QTest::addColumn<int>("world");
        QTest::addColumn<QString>("expected");  // "first+count" per rank, or the error
        QTest::newRow("one rank") << 6 << 1 << 1 << "0+6";
        QTest::newRow("two ranks") << 8 << 1 << 2 << "0+4 4+4";
        QTest::newRow("groups of two") << 8 << 2 << 4 << "0+2 2+2 4+2 6+2";
        QTest::newRow("uneven") << 6 << 1 << 4 << "does not split into 4 ranks: make it a multiple of 4";
        QTest::newRow("a group split") << 4 << 4 << 2 << "whole 4-phrase groups: make it a multiple of 8";
    }
    void batchShares() {
        QFETCH(int, batch);
        QFETCH(int, group);
        QFETCH(int, world);
        QFETCH(QString, expected);
        try {
            QStringList got;
            for (int r = 0; r < world; ++r) {
                const ld::BatchShare s = ld::batchShare(batch, group, r, world);
                got << QString("%1+%2").arg(s.first).arg(s.count);
            }
            QCOMPARE(got.join(' '), expected);
        } catch (const ld::Error& e) {
            QVERIFY2(QString(e.what()).contains(expected), e.what());
        }
    }

    void twoProcessesAverageGradients() {
        QTemporaryDir dir;
        const int port = ld::test::freePort();
        QVERIFY(port > 0);
        std::vector<std::unique_ptr<QProcess>> ranks;
        for (int r = 0; r < 2; ++r) {
            auto p = std::make_unique<QProcess>();
            QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
            e.insert("LABELDIFF_TEST_RANK_OUT", dir.path());
            e.insert("RANK", QString::number(r));
            e.insert("WORLD_SIZE", "2");
            e.insert("MASTER_ADDR", "127.0.0.1");
            e.insert("MASTER_PORT", QString::number(port));
            e.insert("LABELDIFF_DIST_TIMEOUT_S", "60");
            e.remove("LOCAL_RANK");
            p->setProcessEnvironment(e);
            p->setProcessChannelMode(QProcess::MergedChannels);
            p->start(QCoreApplication::applicationFilePath(), {});
            QVERIFY(p->waitForStarted());
            ranks.push_back(std::move(p));
        }
        for (auto& p : ranks) {
            QVERIFY2(p->waitForFinished(120000), "a rank did not finish");
            QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0, p->readAll().constData());
        }
        const auto expected0 = parametersWithGradients(0), expected1 = parametersWithGradients(1);
        for (int r = 0; r < 2; ++r) {
            std::vector<torch::Tensor> got;
            torch::load(got, (dir.path() + "/rank-" + QString::number(r) + ".pt").toStdString());
            QCOMPARE(got.size(), expected0.size() * 2 + 1);
            for (size_t i = 0; i < expected0.size(); ++i) {
                // Every rank holds rank 0's weights.
                QVERIFY(torch::equal(got[2 * i], expected0[i].detach()));
                const torch::Tensor& grad = got[2 * i + 1];
                if (i == 3) {
                    QCOMPARE(grad.item<float>(), -12345.0f);  // no rank had one: still none
                    continue;
                }
                // Parameter 2: rank 1 had none and counts as zero, as a sample without that path would.
                const torch::Tensor g1 = i == 2 ? torch::zeros_like(expected0[i]) : expected1[i].grad();
                const torch::Tensor mean = (expected0[i].grad() + g1) / 2;
                QVERIFY2(torch::allclose(grad, mean, 0, 0), qPrintable(QString("gradient %1").arg(i)));
            }
            QVERIFY(torch::equal(got.back(), torch::tensor(std::vector<double>{5.0, 1.0}, torch::kDouble)));
        }
    }
};

int main(int argc, char** argv) {
    // Started by twoProcessesAverageGradients as one rank.
    const QByteArray rankOut = qgetenv("LABELDIFF_TEST_RANK_OUT");
    if (!rankOut.isEmpty()) {
        try {
            return runRank(QString::fromLocal8Bit(rankOut));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "rank failed: %s\n", e.what());
            return 2;
        }
    }
    QCoreApplication app(argc, argv);
    TestDistributed t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_distributed.moc"
