#pragma once
// The labelling session that test_crash_durability kills with SIGKILL: the real MainWindow,
// offscreen, started as LabelDiff starts (restoring a recovery file a crash left, else
// opening the folder's project), then edited the way a person edits (brush, eraser,
// categories, merges, τ, phrases, undo, redo, save; quickly, with a pause now and then)
// or labelling every image with a model in a loop while a person edits beside it. Every state the document reaches is
// acknowledged on stdout with the time, so that the test knows, after the kill, which
// edits were made and when:
//     <ms> state <fingerprint>     the document after an edit (or as opened / restored)
//     <ms> ready                   editing (or the batch) has begun
//     <ms> autosaved               a recovery file was written
//     <ms> failed <message>        anything the window reported
// <ms> is the monotonic clock (shared by every process on the machine). The edit that
// reaches a state and its acknowledgement happen in one event-loop step, so no autosave
// can write a state that was not acknowledged first.
#include "project_fingerprint.h"

#include "ui/annotation_editor.h"
#include "ui/autosave.h"
#include "ui/batch_labeler.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/task_progress.h"

#include <QApplication>
#include <QTimer>

#include <chrono>
#include <cstdio>
#include <random>

namespace ld::test {

inline qint64 monotonicMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct CrashSessionConfig {
    QString kind;  // "edit" or "batch"
    QString images, model;
    quint64 seed = 0;
    int autosaveMs = 300;
};

class CrashSession : public QObject {
public:
    explicit CrashSession(const CrashSessionConfig& config) : config_(config), rng_(config.seed) {
        LabelDocument* doc = w_.document();
        // Before the first `opened` the document is the empty one a window starts with.
        const auto state = [this] {
            if (open_) say("state", projectFingerprint(w_.document()->project()));
        };
        connect(doc->undoStack(), &QUndoStack::indexChanged, this, state);
        connect(doc, &LabelDocument::settingsChanged, this, state);
        connect(w_.autosave(), &Autosave::saved, this, [this] { say("autosaved"); });
        connect(&w_, &MainWindow::failed, this, [this](const QString& m) { say("failed", m.simplified()); });
        connect(&w_, &MainWindow::opened, this, [this, state] {
            open_ = true;
            state();
            w_.showImage(0);
        });
        connect(&w_, &MainWindow::imageShown, this, [this] {
            shown_ = true;
            begin();
        });
        connect(&w_, &MainWindow::modelReady, this, [this] {
            modelReady_ = true;
            begin();
        });
        connect(&w_, &MainWindow::batchFinished, this, [this] { QTimer::singleShot(0, this, [this] { startBatch(); }); });
        w_.autosave()->setInterval(config_.autosaveMs);
        edits_.setSingleShot(true);
        connect(&edits_, &QTimer::timeout, this, [this] {
            edit();
            // Now and then a person stops to look, for longer than an autosave interval.
            if (chance(0.1)) edits_.start(uniform(config_.autosaveMs, 4 * config_.autosaveMs));
            else if (config_.kind == QLatin1String("batch")) edits_.start(uniform(80, 300));
            else edits_.start(uniform(5, 60));
        });
    }

    void start() {
        if (config_.kind == QLatin1String("batch")) w_.loadModel(config_.model);
        // As LabelDiff starts: a crash's recovery file first, else the folder.
        if (!Autosave::pending().isEmpty()) w_.offerRecovery();
        else w_.openPath(config_.images);
    }

private:
    MainWindow w_;
    CrashSessionConfig config_;
    std::mt19937_64 rng_;
    QTimer edits_;
    bool open_ = false, shown_ = false, modelReady_ = false, begun_ = false;
    int categoriesMade_ = 0, phrasesTyped_ = 0;

    static void say(const char* what, const QString& detail = QString()) {
        std::printf("%lld %s %s\n", monotonicMs(), what, qPrintable(detail));
        std::fflush(stdout);
    }
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

    void begin() {
        const bool batch = config_.kind == QLatin1String("batch");
        if (begun_ || !shown_ || (batch && !modelReady_)) return;
        begun_ = true;
        if (batch) {
            for (const char* phrase : {"circle", "square"})
                if (!w_.promptPanel()->categoryForPhrase(QString::fromLatin1(phrase)))
                    w_.promptPanel()->addCategory(QString::fromLatin1(phrase));
            startBatch();
        }
        say("ready");
        edits_.start(0);
    }

    void startBatch() {
        BatchOptions o;
        o.unannotatedOnly = false;  // every round has work, whatever the last one left
        o.keepExisting = false;
        o.settings = w_.samplerPanel()->settings();
        o.settings.threshold = 0.0;  // an untrained model: masks that are not empty
        o.settings.steps = 2;
        o.settings.keepMembers = false;
        w_.startBatch(o);
    }

    int64_t randomCategory() {
        const auto& cats = w_.document()->project().categories;
        if (cats.empty()) return w_.promptPanel()->addCategory(QStringLiteral("c%1").arg(++categoriesMade_));
        return cats[size_t(uniform(0, int(cats.size()) - 1))].id;
    }
    void selectRandomAnnotation() {
        AnnotationEditor* e = w_.editor();
        const auto list = w_.document()->annotationsOf(e->imageId());
        e->select(list.empty() || chance(0.3) ? 0 : list[size_t(uniform(0, int(list.size()) - 1))].id);
    }
    std::vector<StrokePoint> randomStroke() {
        const ProjectImage* img = w_.document()->image(w_.editor()->imageId());
        std::vector<StrokePoint> points;
        if (!img) return points;
        const int n = uniform(1, 4);
        for (int i = 0; i < n; ++i) points.push_back({double(uniform(0, img->width - 1)), double(uniform(0, img->height - 1))});
        return points;
    }

    // One edit as a person makes it; some change nothing (an undo with nothing to undo),
    // and then nothing is acknowledged.
    void edit() {
        LabelDocument* doc = w_.document();
        AnnotationEditor* e = w_.editor();
        QUndoStack* undo = doc->undoStack();
        const int roll = uniform(0, 99);
        if (roll < 40) {
            selectRandomAnnotation();
            e->stroke(randomStroke(), uniform(2, 6), false, randomCategory());
        } else if (roll < 50) {
            selectRandomAnnotation();
            e->stroke(randomStroke(), uniform(2, 8), true, 0);
        } else if (roll < 56) {
            w_.promptPanel()->addCategory(QStringLiteral("c%1").arg(++categoriesMade_));
        } else if (roll < 60) {
            const auto& cats = doc->project().categories;
            if (cats.size() > 2) w_.promptPanel()->mergeCategory(cats.back().id, cats.front().id);
        } else if (roll < 66) {
            w_.samplerPanel()->setThreshold(uniform(5, 95) / 100.0);
        } else if (roll < 70) {
            doc->addPhraseToHistory("phrase " + std::to_string(++phrasesTyped_));
        } else if (roll < 82) {
            undo->undo();
        } else if (roll < 88) {
            undo->redo();
        } else if (roll < 92) {
            selectRandomAnnotation();
            e->remove();
        } else if (roll < 96) {
            w_.showImage(uniform(0, int(doc->project().images.size()) - 1));
        } else {
            w_.save();
        }
    }
};

// main() of the killed process.
inline int runCrashSession(int argc, char** argv) {
    // Recovery files and settings where the test points XDG_DATA_HOME and XDG_CONFIG_HOME.
    QApplication app(argc, argv);
    CrashSessionConfig c;
    c.kind = qEnvironmentVariable("LABELDIFF_CRASH_SESSION");
    c.images = qEnvironmentVariable("LABELDIFF_CRASH_IMAGES");
    c.model = qEnvironmentVariable("LABELDIFF_CRASH_MODEL");
    c.seed = qEnvironmentVariable("LABELDIFF_CRASH_SEED").toULongLong();
    c.autosaveMs = qEnvironmentVariableIntValue("LABELDIFF_CRASH_AUTOSAVE_MS");
    CrashSession session(c);
    session.start();
    return app.exec();
}

}  // namespace ld::test
