// LabelDiff's cluster scripts on a real Slurm: the test starts a one-node cluster from
// Debian's packages (munged, slurmctld, slurmd with a slurm.conf generated in a temporary
// folder, on ports of its own), submits packaging/cluster/submit-label.sh — a 4-task array
// over resources/samples and the merge job that depends on it — waits, and compares the
// merged folder with an unsharded run, byte for byte; then train-ddp.sbatch as two srun
// tasks (two data-parallel ranks) on the one node. Every daemon is stopped at the end, and
// dies with the test if the test dies (PR_SET_PDEATHSIG).
#include "support/free_port.h"
#include "core/formats/dataset_format.h"
#include "core/synthetic_scene.h"

#include "support/cli_process.h"
#include "support/tiny_model.h"
#include "support/tiny_training.h"

#include <fstream>

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

QString findProgram(const QString& name) {
    QString p = QStandardPaths::findExecutable(name);
    if (p.isEmpty()) p = QStandardPaths::findExecutable(name, {"/usr/sbin", "/usr/local/sbin", "/sbin"});
    return p;
}

QString tail(const QString& path, int lines = 15) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return path + ": (none)";
    const QStringList all = QString::fromUtf8(f.readAll()).split('\n');
    return path + ":\n" + all.mid(std::max(0, int(all.size()) - lines)).join('\n');
}

QMap<QString, QByteArray> folderContent(const QString& dir) {
    QMap<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (f.open(QIODevice::ReadOnly)) out[QDir(dir).relativeFilePath(path)] = f.readAll();
    }
    return out;
}

}  // namespace

class TestSlurmCluster : public QObject {
    Q_OBJECT
    QTemporaryDir dir_{QDir::tempPath() + "/ld-slurm-XXXXXX"};  // short: munge's socket path has a limit
    QString conf_;
    std::vector<std::unique_ptr<QProcess>> daemons_;

    QProcessEnvironment slurmEnvironment() const {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert("SLURM_CONF", conf_);
        // The test may itself run inside a Slurm job: its variables must not leak into ours.
        for (const QString& k : e.keys())
            if (k.startsWith("SLURM_") && k != "SLURM_CONF") e.remove(k);
        return e;
    }

    void startDaemon(const QString& program, const QStringList& args) {
        auto p = std::make_unique<QProcess>();
        p->setProcessEnvironment(slurmEnvironment());
        p->setStandardOutputFile(dir_.filePath(QFileInfo(program).fileName() + ".out"));
        p->setProcessChannelMode(QProcess::MergedChannels);
        // Dies with the test, even when the test is killed.
        p->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        p->start(program, args);
        QVERIFY2(p->waitForStarted(), qPrintable(program + " did not start"));
        daemons_.push_back(std::move(p));
    }

    // Runs a client command (sinfo, squeue, a submit script) with the cluster's SLURM_CONF.
    QString client(const QString& program, const QStringList& args, int* exitCode = nullptr,
                   const QMap<QString, QString>& env = {}) const {
        QProcess p;
        QProcessEnvironment e = slurmEnvironment();
        for (auto it = env.begin(); it != env.end(); ++it) e.insert(it.key(), it.value());
        p.setProcessEnvironment(e);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(program, args);
        p.waitForFinished(60000);
        if (exitCode) *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        return QString::fromUtf8(p.readAll()).trimmed();
    }

    // Waits until the job ends; its final state (COMPLETED, FAILED, ...), or the last seen.
    QString waitForJob(const QString& id, int timeoutMs) const {
        QElapsedTimer t;
        t.start();
        QString state;
        const QString scontrol = findProgram("scontrol");
        while (t.elapsed() < timeoutMs) {
            const QString show = client(scontrol, {"show", "job", id});
            state = QRegularExpression("JobState=(\\S+)").match(show).captured(1);
            if (state == "COMPLETED" || state == "FAILED" || state == "CANCELLED" || state == "TIMEOUT" ||
                state == "NODE_FAIL" || state == "OUT_OF_MEMORY")
                break;
            QThread::msleep(1000);
        }
        return state;
    }

    void stopDaemons() {
        // Jobs first: their processes belong to slurmstepd, which outlives slurmd.
        if (daemons_.size() == 3 && daemons_[1]->state() == QProcess::Running) {
            const QString squeue = findProgram("squeue");
            const QString jobs = client(squeue, {"-h", "-o", "%A"});
            if (!jobs.isEmpty()) client(findProgram("scancel"), jobs.split('\n', Qt::SkipEmptyParts));
            QElapsedTimer t;
            t.start();
            while (t.elapsed() < 20000 && !client(squeue, {"-h"}).isEmpty()) QThread::msleep(500);
        }
        // Reverse order: slurmd, slurmctld, then munged (which they authenticate through).
        for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
            QProcess& p = **it;
            if (p.state() == QProcess::NotRunning) continue;
            p.terminate();
            if (!p.waitForFinished(15000)) {
                p.kill();
                p.waitForFinished(5000);
            }
        }
        daemons_.clear();
    }

public:
    ~TestSlurmCluster() override { stopDaemons(); }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QStringList missing;
        QMap<QString, QString> programs;
        const QStringList needed{"munged", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scontrol", "scancel"};
        for (const QString& name : needed) {
            programs[name] = findProgram(name);
            if (programs[name].isEmpty()) missing << name;
        }
        if (!missing.isEmpty())
            QSKIP(qPrintable("Slurm is not installed here (missing: " + missing.join(", ") +
                             "); ./setup.sh installs munge, slurmctld, slurmd and slurm-client"));

        const QString d = dir_.path();
        QDir().mkpath(d + "/state");
        QDir().mkpath(d + "/spool");
        {
            QFile key(d + "/munge.key");
            QVERIFY(key.open(QIODevice::WriteOnly));
            QByteArray bytes(1024, 0);
            for (auto& b : bytes) b = char(QRandomGenerator::global()->bounded(256));
            key.write(bytes);
            key.close();
            key.setPermissions(QFileDevice::ReadOwner);
        }
        const QString host = QSysInfo::machineHostName().section('.', 0, 0);
        const int ctldPort = ld::test::freePort(), slurmdPort = ld::test::freePort();
        QVERIFY(ctldPort > 0 && slurmdPort > 0 && ctldPort != slurmdPort);
        const QString user = qEnvironmentVariable("USER", "root");
        conf_ = d + "/slurm.conf";
        QFile conf(conf_);
        QVERIFY(conf.open(QIODevice::WriteOnly));
        // No cgroups, no accounting, no MPI: what a one-node cluster in a container can run.
        const QString lines = QStringList{
            "ClusterName=labeldifftest",
            "SlurmctldHost=" + host + "(127.0.0.1)",
            "SlurmctldPort=" + QString::number(ctldPort),
            "SlurmdPort=" + QString::number(slurmdPort),
            "SlurmUser=" + (::geteuid() == 0 ? QString("root") : user),
            "SlurmdUser=" + (::geteuid() == 0 ? QString("root") : user),
            "AuthType=auth/munge",
            "AuthInfo=socket=" + d + "/munge.sock",
            "CredType=cred/munge",
            "StateSaveLocation=" + d + "/state",
            "SlurmdSpoolDir=" + d + "/spool",
            "SlurmctldPidFile=" + d + "/slurmctld.pid",
            "SlurmdPidFile=" + d + "/slurmd.pid",
            "SlurmctldLogFile=" + d + "/slurmctld.log",
            "SlurmdLogFile=" + d + "/slurmd.log",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "MailProg=/bin/true",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "ReturnToService=2",
            "MinJobAge=600",
            "NodeName=ldnode NodeAddr=127.0.0.1 CPUs=" + QString::number(QThread::idealThreadCount()) +
                " RealMemory=2000 State=UNKNOWN",
            "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        }.join('\n') + '\n';
        conf.write(lines.toUtf8());
        conf.close();

        startDaemon(programs["munged"], {"-F", "--force", "--key-file=" + d + "/munge.key", "--socket=" + d + "/munge.sock",
                                         "--pid-file=" + d + "/munged.pid", "--log-file=" + d + "/munged.log",
                                         "--seed-file=" + d + "/munged.seed"});
        QElapsedTimer t;
        t.start();
        while (!QFile::exists(d + "/munge.sock") && t.elapsed() < 10000) QThread::msleep(100);
        QVERIFY2(QFile::exists(d + "/munge.sock"), qPrintable(tail(d + "/munged.out")));
        startDaemon(programs["slurmctld"], {"-D", "-f", conf_});
        startDaemon(programs["slurmd"], {"-D", "-N", "ldnode", "-f", conf_});

        QString state;
        t.restart();
        while (t.elapsed() < 60000) {
            state = client(programs["sinfo"], {"-h", "-n", "ldnode", "-o", "%T"});
            if (state == "idle") break;
            const bool oneDied = std::any_of(daemons_.begin(), daemons_.end(),
                                             [](const auto& p) { return p->state() == QProcess::NotRunning; });
            if (oneDied) break;
            QThread::msleep(500);
        }
        if (state != "idle") {
            const QString why = "the one-node cluster did not come up (node state '" + state + "')\n" +
                                tail(d + "/slurmctld.out") + "\n" + tail(d + "/slurmd.out");
            stopDaemons();
            // Where the daemons cannot run at all (not root in a container), say so; as root they must.
            if (::geteuid() != 0) QSKIP(qPrintable("Slurm's daemons cannot run here as a non-root user: " + why));
            QFAIL(qPrintable(why));
        }
    }

    void arrayJobAndMergeEqualUnshardedRun() {
        const QString model = QString::fromStdString(ld::test::writeTinyModel(dir_.filePath("model").toStdString()));
        const QString images = QStringLiteral(LABELDIFF_SOURCE_DIR "/resources/samples");
        const QStringList prompts{"--prompt", "circle", "--prompt", "square", "--threshold", "0.5"};
        const auto whole = ld::test::runCli(QStringList{"label", "--model", model, "--images", images, "--out",
                                                        dir_.filePath("whole"), "--threads", "1"} + prompts);
        QVERIFY2(whole.exitCode == 0, qPrintable(whole.err));

        const QString out = dir_.filePath("out");
        int code = 0;
        const QString submitted = client(QStringLiteral(LABELDIFF_SOURCE_DIR "/packaging/cluster/submit-label.sh"),
                                         {"4", "--cpus-per-task=1", "--mem=100M"}, &code,
                                         {{"IMAGES", images},
                                          {"OUT", out},
                                          {"MODEL", model},
                                          {"LABELDIFF_CLI", QStringLiteral(LABELDIFF_CLI)},
                                          {"LABEL_ARGS", prompts.join(' ')}});
        QVERIFY2(code == 0, qPrintable(submitted));
        const QRegularExpressionMatch m = QRegularExpression("merge job (\\d+)").match(submitted);
        QVERIFY2(m.hasMatch(), qPrintable(submitted));
        const QString mergeJob = m.captured(1);

        // Four tasks of a few seconds, two at a time on two cores, then the merge.
        const QString jobState = waitForJob(mergeJob, 150000);
        QString logs;
        for (const QString& f : QDir(out).entryList({"*.log"}, QDir::Files)) logs += tail(out + "/" + f, 6) + "\n";
        QVERIFY2(jobState == "COMPLETED", qPrintable("merge job " + mergeJob + ": " + jobState + "\n" + logs));

        // Four shard folders, each the shard its task id says.
        for (int k = 0; k < 4; ++k) {
            QFile state(out + QString("/shard-%1/label-state.json").arg(k));
            QVERIFY2(state.open(QIODevice::ReadOnly), qPrintable(state.fileName()));
            const QByteArray bytes = state.readAll();
            QVERIFY2(bytes.contains(QString("\"index\": %1").arg(k).toUtf8()) && bytes.contains("\"count\": 4"),
                     bytes.constData());
        }
        const auto a = folderContent(dir_.filePath("whole")), b = folderContent(out + "/merged");
        QCOMPARE(b.keys(), a.keys());
        for (const QString& name : a.keys()) QVERIFY2(a[name] == b[name], qPrintable(name + " differs"));
        QCOMPARE(int(QDir(out + "/merged/overlays").entryList(QDir::Files).size()), 8);
    }

    // train-ddp.sbatch as two tasks of one node: srun starts two ranks of `labeldiff-cli train`,
    // which meet at MASTER_ADDR (the node) and train one model; rank 0 writes it.
    void dataParallelTrainingJob() {
        const std::string root = dir_.filePath("train").toStdString();
        ld::Dataset ds = ld::writeSyntheticDataset(root + "/data", 4, 64, 64, 5);
        ld::findDatasetFormat("coco")->write(ds, root + "/data/instances.json", {});
        const nlohmann::json cfg = {{"output", root + "/model"},
                                    {"checkpoint_dir", root + "/checkpoints"},
                                    {"log", root + "/train.jsonl"},
                                    {"model", ld::test::tinyTrainingModel()},
                                    {"data", {{"train", root + "/data/instances.json"}, {"augment", false}}},
                                    {"steps", 10},
                                    {"batch", 4},
                                    {"checkpoint_every", 5},
                                    {"validate_every", 0},
                                    {"final_validation", false}};
        std::ofstream(root + "/train.json") << cfg.dump(2);
        int code = 0;
        const QString submitted = client(
            findProgram("sbatch"),
            {"--parsable", "--nodes=1", "--ntasks-per-node=2", "--cpus-per-task=1", "--mem=400M",
             "--chdir=" + QString::fromStdString(root), QStringLiteral(LABELDIFF_SOURCE_DIR "/packaging/cluster/train-ddp.sbatch")},
            &code,
            {{"CONFIG", QString::fromStdString(root + "/train.json")},
             {"LABELDIFF_CLI", QStringLiteral(LABELDIFF_CLI)},
             {"LABELDIFF_DIST_TIMEOUT_S", "60"},
             // Not the script's default from the job id: job ids start again in every test cluster.
             {"MASTER_PORT", QString::number(ld::test::freePort())}});
        QVERIFY2(code == 0, qPrintable(submitted));
        const QString job = submitted.section(';', 0, 0);
        const QString state = waitForJob(job, 120000);
        const QString log = tail(QString::fromStdString(root) + "/labeldiff-train-" + job + ".log", 20);
        QVERIFY2(state == "COMPLETED", qPrintable("training job " + job + ": " + state + "\n" + log));
        QVERIFY2(log.contains("rank 1 of 2 done at step 10") && log.contains("model written to"), qPrintable(log));
        QFile events(QString::fromStdString(root + "/train.jsonl"));
        QVERIFY(events.open(QIODevice::ReadOnly));
        const auto start = nlohmann::json::parse(events.readLine().toStdString());
        QCOMPARE(start["metrics"]["ranks"].get<int>(), 2);
        QVERIFY(QFile::exists(QString::fromStdString(root + "/model/model_card.json")));
    }

    void cleanupTestCase() {
        stopDaemons();
        // Nothing of ours is left running.
        QProcess pgrep;
        pgrep.start("pgrep", {"-f", dir_.path()});
        pgrep.waitForFinished();
        QCOMPARE(QString::fromUtf8(pgrep.readAll()).trimmed(), QString());
    }
};

QTEST_GUILESS_MAIN(TestSlurmCluster)
#include "test_slurm_cluster.moc"
