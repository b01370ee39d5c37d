// Data-parallel training through the real binary: `labeldiff-cli train --config C` started as
// two processes on localhost (torchrun's variables, TCPStore rendezvous, Gloo) gives after 20
// steps the weights, optimiser moments, EMA and losses of one process training on the whole
// batch, to float tolerance; a checkpoint the two ranks wrote resumes in one process and
// ends there too; one process on half the batch (what one rank alone sees) does not.
#include "support/free_port.h"
#include "core/formats/dataset_format.h"
#include "core/synthetic_scene.h"
#include "inference/io/safetensors.h"

#include "support/cli_process.h"
#include "support/tiny_training.h"

#include <QDirIterator>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

using json = nlohmann::json;

namespace {

json readJson(const QString& path) {
    std::ifstream in(path.toStdString());
    return json::parse(in);
}

// Every tensor of every .safetensors file under `dir`, by "relative/path.safetensors:name".
std::map<std::string, torch::Tensor> tensorsUnder(const QString& dir) {
    std::map<std::string, torch::Tensor> out;
    QDirIterator it(dir, {"*.safetensors"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const std::string rel = QDir(dir).relativeFilePath(path).toStdString();
        for (const auto& [name, t] : ld::loadSafetensors(path.toStdString())) out[rel + ":" + name] = t;
    }
    return out;
}

// The largest |a - b| over the tensors both folders hold; the names must agree.
double maxDifference(const QString& a, const QString& b, QString* where) {
    const auto ta = tensorsUnder(a), tb = tensorsUnder(b);
    if (ta.size() != tb.size() || ta.empty()) {
        *where = QString("%1 tensors vs %2").arg(ta.size()).arg(tb.size());
        return INFINITY;
    }
    double worst = 0;
    for (const auto& [name, t] : ta) {
        const auto other = tb.find(name);
        if (other == tb.end() || other->second.sizes() != t.sizes()) {
            *where = QString::fromStdString(name) + " missing or of another shape";
            return INFINITY;
        }
        const double d = (t.to(torch::kDouble) - other->second.to(torch::kDouble)).abs().max().item<double>();
        if (d > worst) {
            worst = d;
            *where = QString::fromStdString(name);
        }
    }
    return worst;
}

}  // namespace

class TestCliTrainDistributed : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString coco_;

    // A config that trains from scratch for 20 steps with a checkpoint every 10; augmentation,
    // condition dropout, absent phrases and EMA on, so that every random draw is shared out.
    QString writeConfig(const QString& name, int batch) {
        const QString root = dir_.filePath(name);
        QDir().mkpath(root);
        const json cfg = {{"output", (root + "/model").toStdString()},
                          {"checkpoint_dir", (root + "/checkpoints").toStdString()},
                          {"log", (root + "/train.jsonl").toStdString()},
                          {"seed", 11},
                          {"model", ld::test::tinyTrainingModel()},
                          {"data",
                           {{"train", coco_.toStdString()},
                            {"val", coco_.toStdString()},
                            {"absent_fraction", 0.25},
                            {"augment", true},
                            {"prefetch", 2}}},
                          {"objective", {{"type", "sample"}, {"timesteps", "long_tail"}, {"shift", 0.1}, {"p_drop", 0.2}}},
                          {"steps", 20},
                          {"batch", batch},
                          {"optim", {{"lr", 0.003}, {"warmup", 5}, {"ema", 0.9}, {"clip", 1.0}}},
                          {"checkpoint_every", 10},
                          {"validate_every", 0},
                          {"log_every", 5}};
        const QString path = root + "/train.json";
        std::ofstream(path.toStdString()) << cfg.dump(2);
        return path;
    }

    static std::unique_ptr<QProcess> startRank(const QStringList& args, int rank, int port) {
        auto p = std::make_unique<QProcess>();
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert("RANK", QString::number(rank));
        e.insert("WORLD_SIZE", "2");
        e.insert("MASTER_ADDR", "127.0.0.1");
        e.insert("MASTER_PORT", QString::number(port));
        e.insert("LABELDIFF_DIST_TIMEOUT_S", "120");
        e.remove("LOCAL_RANK");
        p->setProcessEnvironment(e);
        p->start(QStringLiteral(LABELDIFF_CLI), args);
        return p;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const std::string data = dir_.filePath("data").toStdString();
        ld::Dataset ds = ld::writeSyntheticDataset(data, 6, 64, 64, 5);
        coco_ = QString::fromStdString(data + "/instances.json");
        ld::findDatasetFormat("coco")->write(ds, coco_.toStdString(), {});
    }

    void twoRanksEqualOneProcess() {
        const QString one = writeConfig("one", 4), two = writeConfig("two", 4), half = writeConfig("half", 2);
        const auto single = ld::test::runCli({"train", "--config", one, "--quiet"});
        QVERIFY2(single.exitCode == 0, qPrintable(single.err));

        const int port = ld::test::freePort();
        QVERIFY(port > 0);
        std::vector<std::unique_ptr<QProcess>> ranks;
        for (int r = 0; r < 2; ++r) ranks.push_back(startRank({"train", "--config", two, "--quiet"}, r, port));
        QStringList outputs;
        for (auto& p : ranks) {
            const bool finished = p->waitForFinished(180000);
            if (!finished) p->kill();
            p->waitForFinished();
            outputs << QString::fromUtf8(p->readAllStandardOutput() + p->readAllStandardError());
            QVERIFY2(finished && p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0,
                     qPrintable(outputs.join("\n---\n")));
        }
        QVERIFY2(outputs[1].contains("rank 1 of 2 done at step 20"), qPrintable(outputs[1]));
        QVERIFY2(outputs[0].contains("model written to"), qPrintable(outputs[0]));

        // Rank 0 alone wrote the log, the checkpoints and the model, and says how many ranks ran.
        const QString log = dir_.filePath("two/train.jsonl");
        QFile logFile(log);
        QVERIFY(logFile.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = logFile.readAll().trimmed().split('\n');
        QCOMPARE(lines.count(), 1 + 4 + 2 + 1 + 1);  // start, 4 step windows, 2 checkpoints, final validation, done
        QCOMPARE(json::parse(lines.front().toStdString())["metrics"]["ranks"].get<int>(), 2);
        QCOMPARE(QDir(dir_.filePath("two/checkpoints")).entryList({"step-*"}, QDir::Dirs).size(), 2);

        // The same steps, to float tolerance: the mean over 4 samples vs the mean of two means of
        // 2, and convolutions over a batch of 4 vs 2, add in another order (float32 rounding,
        // ~1e-7 relative a step); AdamW's update divides by sqrt(v) + 1e-8, which can scale
        // such differences up where a gradient is near 0, by at most lr (3e-3) a step.
        const double tolerance = 2e-4;
        QString where;
        const double weights = maxDifference(dir_.filePath("one/checkpoints/step-0000020"),
                                             dir_.filePath("two/checkpoints/step-0000020"), &where);
        qInfo("2 ranks vs 1 process, step 20 (weights, moments, EMA): max |difference| %.3g in %s", weights,
              qPrintable(where));
        QVERIFY2(weights <= tolerance, qPrintable(QString("%1 in %2").arg(weights).arg(where)));
        const double model = maxDifference(dir_.filePath("one/model"), dir_.filePath("two/model"), &where);
        QVERIFY2(model <= tolerance, qPrintable(QString("final model: %1 in %2").arg(model).arg(where)));
        const auto lossesOne = readJson(dir_.filePath("one/checkpoints/step-0000020/training_state/state.json"))["losses"];
        const auto lossesTwo = readJson(dir_.filePath("two/checkpoints/step-0000020/training_state/state.json"))["losses"];
        QCOMPARE(lossesTwo.size(), size_t(20));
        for (size_t i = 0; i < 20; ++i)
            QVERIFY2(std::abs(lossesOne[i].get<double>() - lossesTwo[i].get<double>()) <= 1e-4 * lossesOne[i].get<double>(),
                     qPrintable(QString("loss at step %1: %2 vs %3").arg(i + 1).arg(lossesOne[i].get<double>())
                                    .arg(lossesTwo[i].get<double>())));

        // A checkpoint of the two ranks holds nothing of theirs: one process goes on from it.
        const QString resumed = writeConfig("resumed", 4);
        const auto r = ld::test::runCli({"train", "--config", resumed, "--quiet", "--resume",
                                         dir_.filePath("two/checkpoints/step-0000010")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const double afterResume = maxDifference(dir_.filePath("one/checkpoints/step-0000020"),
                                                 dir_.filePath("resumed/checkpoints/step-0000020"), &where);
        qInfo("2 ranks to step 10, then 1 process to 20, vs 1 process: max |difference| %.3g in %s", afterResume,
              qPrintable(where));
        QVERIFY2(afterResume <= tolerance, qPrintable(QString("%1 in %2").arg(afterResume).arg(where)));

        // What the tolerance tells apart: one process on one rank's half of the batch.
        const auto h = ld::test::runCli({"train", "--config", half, "--quiet"});
        QVERIFY2(h.exitCode == 0, qPrintable(h.err));
        const double halfBatch = maxDifference(dir_.filePath("one/checkpoints/step-0000020"),
                                               dir_.filePath("half/checkpoints/step-0000020"), &where);
        qInfo("half the batch in 1 process vs the whole: max |difference| %.3g", halfBatch);
        QVERIFY2(halfBatch > 20 * tolerance, qPrintable(QString::number(halfBatch)));
    }

    // A batch that does not split over the ranks is refused by each, before it waits for the other.
    void unevenBatchIsRefused() {
        const QString odd = writeConfig("odd", 3);
        const int port = ld::test::freePort();
        auto p = startRank({"train", "--config", odd, "--quiet"}, 1, port);
        QVERIFY(p->waitForFinished(60000));
        QCOMPARE(p->exitCode() != 0, true);
        const QString err = QString::fromUtf8(p->readAllStandardError());
        QVERIFY2(err.contains("batch") && err.contains("does not split into 2 ranks"), qPrintable(err));
    }
};

QTEST_GUILESS_MAIN(TestCliTrainDistributed)
#include "test_cli_train_distributed.moc"
