// kill -9 at random moments: of a person editing in the window, of the window labelling
// every image with a model, and of `labeldiff-cli label`. After every kill whatever is on
// disk loads through the code LabelDiff itself uses (the project file, every recovery
// file, the label run's instances.json and state), and what LabelDiff would restore holds
// every edit acknowledged more than one autosave interval before the kill. Each kill
// continues from what the previous one left, as a person restarting after a crash does.
// The moments come from a seed printed at the start; LABELDIFF_CRASH_SEED=<seed> repeats
// them (the timing of the processes themselves does not repeat exactly).
// LibTorch first: its headers use the name `slots`, which Qt defines as a macro.
#include "support/tiny_model.h"

#include "core/formats/dataset_format.h"
#include "core/image.h"
#include "core/json_read.h"
#include "core/synthetic_scene.h"
#include "crash_session.h"
#include "project_fingerprint.h"
#include "ui/autosave.h"
#include "ui/label_document.h"
#include "ui/main_window.h"

#include "support/cli_process.h"

#include <QApplication>
#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <csignal>
#include <random>
#include <set>
#include <unistd.h>

using namespace ld;
using ld::test::monotonicMs;
using ld::test::projectFingerprint;

namespace {

// Short, so that 50 kills fit in a test run; the guarantee is in intervals, not seconds.
constexpr int kAutosaveMs = 250;
// The autosave that follows an edit by at most one interval also needs to be written
// (serialised, fsynced, renamed) and its timer may fire late on a loaded machine.
constexpr int kWriteAllowanceMs = 150;
// `label --save-every`: the label run's autosave interval, in images.
constexpr int kSaveEveryImages = 2;

struct Acknowledged {
    qint64 ms = 0;
    QString state;
};

// What a killed window said on stdout (crash_session.h).
struct SessionLog {
    QList<Acknowledged> states;
    qint64 ready = -1;
    int autosaves = 0;
    QStringList failures;
    QByteArray pending;

    void read(QProcess& p) {
        pending += p.readAllStandardOutput();
        for (int end; (end = int(pending.indexOf('\n'))) >= 0; pending.remove(0, end + 1)) {
            const QString line = QString::fromUtf8(pending.left(end));
            const QString ms = line.section(' ', 0, 0), what = line.section(' ', 1, 1), detail = line.section(' ', 2);
            if (what == QLatin1String("state")) states.push_back({ms.toLongLong(), detail});
            else if (what == QLatin1String("ready")) ready = ms.toLongLong();
            else if (what == QLatin1String("autosaved")) ++autosaves;
            else if (what == QLatin1String("failed")) failures << detail;
        }
    }
};

struct Figures {
    int kills = 0, acknowledged = 0, lost = 0, autosaves = 0, duringStartup = 0, completedRuns = 0;
    qint64 oldestLostMs = 0;  // the oldest acknowledged edit missing after a kill, before it
    qint64 longestDelayMs = 0;
    qint64 startupMs = 0;  // summed over `starts`: from process start to editing
    int starts = 0;
};

}  // namespace

class TestCrashDurability : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString model_;
    quint64 seed_ = 0;
    QString restored_;  // the fingerprint of what LabelDiff restores after the last kill

    QString projectFile(const QString& images) const { return QDir(images).filePath(LabelDocument::defaultFileName()); }

    // Every file a killed window can leave must load; returns the state LabelDiff restores
    // at its next start (the newest recovery file, else the project file).
    QString restoredState(const QString& images, QString* error) {
        try {
            const Project saved = loadProject(projectFile(images).toStdString());
            const QStringList files = QDir(Autosave::recoveryDir()).entryList({"*.json"}, QDir::Files);
            for (const QString& f : files) {
                Recovery r;
                r.file = QDir(Autosave::recoveryDir()).filePath(f);
                Autosave::load(r);
            }
            const QList<Recovery> pending = Autosave::pending();
            // A dead process holds no lock, and a file that loads is offered.
            if (pending.size() != files.size()) {
                *error = QStringLiteral("%1 recovery file(s), %2 offered").arg(files.size()).arg(pending.size());
                return {};
            }
            return projectFingerprint(pending.isEmpty() ? saved : Autosave::load(pending.front()));
        } catch (const std::exception& e) {
            *error = QString::fromStdString(e.what());
            return {};
        }
    }

    // The project LabelDiff makes of a folder of images, saved as LabelDiff saves it.
    void startProject(const QString& images) {
        MainWindow w;
        QSignalSpy opened(&w, &MainWindow::opened);
        w.openPath(images);
        QVERIFY(opened.wait(10000));
        QVERIFY(w.save());
        restored_ = projectFingerprint(w.document()->project());
    }

    void killWindow(const QString& kind, int kills, std::mt19937_64& rng, Figures& f) {
        const QString images = dir_.filePath(kind + "-images");
        QDir().mkpath(images);
        writeSyntheticDataset(images.toStdString(), 6, 80, 64, 21);
        QDir(Autosave::recoveryDir()).removeRecursively();
        startProject(images);
        if (QTest::currentTestFailed()) return;
        qint64 startupMs = 1500;  // replaced by the measured one after the first start
        for (int k = 0; k < kills; ++k) {
            QProcess child;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("LABELDIFF_CRASH_SESSION", kind);
            env.insert("LABELDIFF_CRASH_IMAGES", images);
            env.insert("LABELDIFF_CRASH_MODEL", model_);
            env.insert("LABELDIFF_CRASH_SEED", QString::number(rng()));
            env.insert("LABELDIFF_CRASH_AUTOSAVE_MS", QString::number(kAutosaveMs));
            env.insert("QT_QPA_PLATFORM", "offscreen");
            env.insert("LABELDIFF_UNATTENDED", "1");
            child.setProcessEnvironment(env);
            child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            const qint64 started = monotonicMs();
            child.start(QCoreApplication::applicationFilePath(), {});
            QVERIFY(child.waitForStarted(10000));
            // One kill in five lands while the window starts (restoring the last crash's
            // work); the others while it edits or labels.
            const bool duringStartup = std::bernoulli_distribution(0.2)(rng);
            const qint64 delay = std::uniform_int_distribution<qint64>(0, duringStartup ? startupMs : 1200)(rng);
            qint64 killAt = duringStartup ? started + delay : -1;
            SessionLog log;
            while (true) {
                child.waitForReadyRead(5);
                log.read(child);
                if (killAt < 0 && log.ready >= 0) {
                    startupMs = log.ready - started;
                    f.startupMs += startupMs;
                    ++f.starts;
                    killAt = log.ready + delay;
                }
                if (killAt >= 0 && monotonicMs() >= killAt) break;
                QVERIFY2(child.state() == QProcess::Running, "the session ended by itself");
                QVERIFY2(monotonicMs() - started < 60000, "the session never began editing");
            }
            const qint64 killedAt = monotonicMs();
            ::kill(pid_t(child.processId()), SIGKILL);
            QVERIFY(child.waitForFinished(10000));
            QCOMPARE(child.exitStatus(), QProcess::CrashExit);
            log.read(child);
            QVERIFY2(log.failures.isEmpty(), qPrintable(log.failures.join("; ")));

            QString error;
            const QString now = restoredState(images, &error);
            const QString where = QStringLiteral("%1 kill %2 (%3 ms %4)")
                                      .arg(kind).arg(k + 1).arg(delay).arg(duringStartup ? "after the start" : "after editing began");
            QVERIFY2(error.isEmpty(), qPrintable(where + ": " + error));
            // The window opened (or restored) what the previous kill left.
            if (!log.states.isEmpty())
                QVERIFY2(log.states.front().state == restored_,
                         qPrintable(where + QStringLiteral(": opened %1, the last kill left %2; states %3")
                                                .arg(log.states.front().state, restored_).arg(log.states.size())));

            // The states in order, the one it started from first.
            QList<Acknowledged> states{{started, restored_}};
            states += log.states;
            int found = -1;
            for (int i = int(states.size()) - 1; i >= 0 && found < 0; --i)
                if (states[i].state == now) found = i;
            QVERIFY2(found >= 0, qPrintable(where + ": LabelDiff would restore a state the session never acknowledged"));
            const qint64 cutoff = killedAt - kAutosaveMs - kWriteAllowanceMs;
            int required = 0;
            while (required + 1 < states.size() && states[required + 1].ms <= cutoff) ++required;
            const int lost = int(states.size()) - 1 - found;
            const qint64 oldestLost = lost > 0 ? killedAt - states[found + 1].ms : 0;
            QVERIFY2(found >= required,
                     qPrintable(QStringLiteral("%1: %2 acknowledged edit(s) lost, the oldest %3 ms before the kill "
                                               "(autosave every %4 ms)")
                                    .arg(where).arg(lost).arg(oldestLost).arg(kAutosaveMs)));
            restored_ = now;
            ++f.kills;
            f.duringStartup += duringStartup;
            f.acknowledged += int(log.states.size());
            f.lost += lost;
            f.autosaves += log.autosaves;
            f.oldestLostMs = std::max(f.oldestLostMs, oldestLost);
            f.longestDelayMs = std::max(f.longestDelayMs, delay);
        }

        // LabelDiff itself, started after the last kill, restores that state and can save it.
        {
            MainWindow w;
            QSignalSpy opened(&w, &MainWindow::opened);
            if (Autosave::pending().isEmpty()) w.openPath(images);
            else w.offerRecovery();
            QVERIFY(opened.count() > 0 || opened.wait(10000));
            QCOMPARE(projectFingerprint(w.document()->project()), restored_);
            QVERIFY(w.save());
            QVERIFY(Autosave::pending().isEmpty());
        }
        QDir(Autosave::recoveryDir()).removeRecursively();
    }

    QStringList labelArgs(const QString& images, const QString& out) const {
        return {"label", "--model", model_, "--images", images, "--out", out, "--prompt", "circle", "--prompt", "square",
                "--threshold", "0.5", "--threads", "1"};
    }
    static QByteArray cocoOf(const QString& out) {
        QFile f(out + "/instances.json");
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    // The label run's files after a kill load as --resume reads them, and every image the
    // run acknowledged (it prints an image once it is saved) is among the finished ones.
    static QString checkLabelOutput(const QString& out, const QSet<QString>& acknowledged) {
        try {
            const QString statePath = out + "/label-state.json", cocoPath = out + "/instances.json";
            if (!QFile::exists(statePath)) {
                if (QFile::exists(cocoPath)) {
                    ReadOptions ro;
                    ro.checkImagesOnDisk = false;
                    findDatasetFormat("coco")->read(cocoPath.toStdString(), ro);
                }
                return acknowledged.isEmpty() ? QString() : QStringLiteral("images acknowledged, but no state saved");
            }
            const nlohmann::json state = readJsonFile(statePath.toStdString());
            ReadOptions ro;
            ro.imagesDir = state.at("images_dir").get<std::string>();
            const Dataset d = findDatasetFormat("coco")->read(cocoPath.toStdString(), ro);
            std::set<int64_t> finished;
            for (const auto& id : state.at("finished")) finished.insert(id.get<int64_t>());
            for (const QString& name : acknowledged) {
                const auto it = std::find_if(d.images.begin(), d.images.end(),
                                             [&](const ImageInfo& i) { return i.fileName == name.toStdString(); });
                if (it == d.images.end() || !finished.count(it->id))
                    return name + QStringLiteral(" was acknowledged but is not among the finished images");
            }
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
        return {};
    }

    void killLabelRun(int kills, std::mt19937_64& rng, Figures& f) {
        const QString images = dir_.filePath("label-images");
        QDir().mkpath(images);
        cv::RNG pixels(5);
        for (int i = 0; i < 8; ++i) {
            cv::Mat rgb(40, 56, CV_8UC3);
            pixels.fill(rgb, cv::RNG::UNIFORM, 0, 255);
            saveImage(QStringLiteral("%1/img%2.png").arg(images).arg(i, 2, 10, QChar('0')).toStdString(), rgb);
        }
        const QString reference = dir_.filePath("label-whole");
        const qint64 t0 = monotonicMs();
        const auto whole = test::runCli(labelArgs(images, reference));
        const qint64 runMs = monotonicMs() - t0;
        QVERIFY2(whole.exitCode == 0, qPrintable(whole.err));
        const QByteArray expected = cocoOf(reference);

        const QString out = dir_.filePath("label-killed");
        while (f.kills < kills) {
            QProcess p;
            const QStringList resume = QDir(out).exists() ? QStringList{"--resume"} : QStringList{};
            p.start(QStringLiteral(LABELDIFF_CLI), labelArgs(images, out) + resume +
                                                     QStringList{"--save-every", QString::number(kSaveEveryImages)});
            QVERIFY(p.waitForStarted(10000));
            const qint64 delay = std::uniform_int_distribution<qint64>(0, runMs)(rng);
            const qint64 killAt = monotonicMs() + delay;
            while (p.state() == QProcess::Running && monotonicMs() < killAt) p.waitForFinished(int(std::max<qint64>(1, killAt - monotonicMs())));
            if (p.state() != QProcess::Running) {
                // It finished first: the result is the uninterrupted one; the next run starts over.
                QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAllStandardError().constData());
                QCOMPARE(cocoOf(out), expected);
                QDir(out).removeRecursively();
                ++f.completedRuns;
                continue;
            }
            ::kill(pid_t(p.processId()), SIGKILL);
            QVERIFY(p.waitForFinished(10000));
            QSet<QString> acknowledged;
            for (const QByteArray& line : p.readAllStandardOutput().split('\n')) {
                if (!line.startsWith("{\"image\"")) continue;
                acknowledged << QString::fromStdString(nlohmann::json::parse(line.toStdString()).at("image").get<std::string>());
            }
            const QString problem = checkLabelOutput(out, acknowledged);
            QVERIFY2(problem.isEmpty(), qPrintable(QStringLiteral("label kill %1 (%2 ms): %3").arg(f.kills + 1).arg(delay).arg(problem)));
            ++f.kills;
            f.acknowledged += int(acknowledged.size());
            f.longestDelayMs = std::max(f.longestDelayMs, delay);
        }
        // Killed however often, the run continues to the uninterrupted result.
        const auto rest = test::runCli(labelArgs(images, out) + QStringList{"--resume"});
        QVERIFY2(rest.exitCode == 0, qPrintable(rest.err));
        QCOMPARE(cocoOf(out), expected);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY(Autosave::recoveryDir().startsWith(qEnvironmentVariable("XDG_DATA_HOME")));
        seed_ = qEnvironmentVariableIsSet("LABELDIFF_CRASH_SEED") ? qEnvironmentVariable("LABELDIFF_CRASH_SEED").toULongLong()
                                                                  : std::random_device()();
        qInfo("seed %llu (LABELDIFF_CRASH_SEED=%llu repeats these kill moments)", seed_, seed_);
        model_ = QString::fromStdString(test::writeTinyModel(dir_.filePath("model").toStdString()));
    }

    void killedWorkLoadsAndKeepsItsEdits_data() {
        QTest::addColumn<QString>("situation");
        QTest::addColumn<int>("kills");
        QTest::newRow("GUI editing") << "edit" << 17;
        QTest::newRow("GUI batch") << "batch" << 13;
        QTest::newRow("label run") << "label" << 20;
    }

    void killedWorkLoadsAndKeepsItsEdits() {
        QFETCH(QString, situation);
        QFETCH(int, kills);
        std::seed_seq seq{quint32(seed_), quint32(seed_ >> 32), quint32(qHash(situation))};
        std::mt19937_64 rng(seq);
        Figures f;
        const qint64 t0 = monotonicMs();
        if (situation == QLatin1String("label")) killLabelRun(kills, rng, f);
        else killWindow(situation, kills, rng, f);
        if (QTest::currentTestFailed()) return;
        QCOMPARE(f.kills, kills);
        const double seconds = (monotonicMs() - t0) / 1000.0;
        if (situation == QLatin1String("label"))
            qInfo("label: %d kills, %d images acknowledged before them, all among the finished ones (saved every %d "
                  "images); %d runs finished before their kill; longest delay %lld ms; %.1f s",
                  f.kills, f.acknowledged, kSaveEveryImages, f.completedRuns, f.longestDelayMs, seconds);
        else
            qInfo("%s: %d kills (%d while starting, %lld ms on average to start), %d states acknowledged, %d autosaves; "
                  "%d acknowledged states lost, the oldest %lld ms before its kill (autosave every %d ms); longest delay "
                  "%lld ms; %.1f s",
                  qPrintable(situation), f.kills, f.duringStartup, f.starts ? f.startupMs / f.starts : 0, f.acknowledged,
                  f.autosaves, f.lost, f.oldestLostMs, kAutosaveMs, f.longestDelayMs, seconds);
    }
};

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsSet("LABELDIFF_CRASH_SESSION")) return ld::test::runCrashSession(argc, argv);
    // Recovery files and settings of its own, inherited by the sessions it starts: another
    // run of this test (a parallel ctest) must not restore this one's work, nor it theirs.
    QTemporaryDir home;
    if (!home.isValid()) return 1;
    for (const char* name : {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"})
        qputenv(name, home.path().toLocal8Bit());
    QApplication app(argc, argv);
    TestCrashDurability test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_crash_durability.moc"
