// Interactivity of the labelling window, measured under its real event loop (run it under
// Xvfb, as a user's desktop would; QT_QPA_PLATFORM=offscreen works too):
//   - startup: process start → window shown → model loaded → first image shown;
//   - "Segment" (the Ctrl+Return action) → first trajectory frame, and → proposal;
//   - the longest UI-thread stall while segmenting, batch labelling and training: a 1 ms
//     timer on the UI thread, whose longest gap between two ticks is the stall a user feels.
//
//   bench_gui [--model DIR] [--images DIR] [--phrase TEXT] [--repeats N] [--train-steps N]
//             [--think-ms MS]   (the pause between an image appearing and the click; 1000)
//             [--train-masks DIR --train-config C.json --train-output DIR]
// The training phase fine-tunes --model on a small synthetic dataset; with --train-masks it
// fine-tunes on that mask folder instead, with C.json's keys over the panel's (e.g.
// experiments/membranes/finetune-default.train.json), and keeps the model in --train-output.
// Prints one JSON object. --model defaults to the shipped default model, --images to the
// bundled samples.
#include "core/default_model.h"
#include "core/synthetic_scene.h"
#include "core/formats/dataset_format.h"
#include "ui/batch_labeler.h"
#include "ui/inference_service.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/user_prompts.h"
#include "ui/model_registry.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/task_progress.h"
#include "ui/training_panel.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEvent>
#include <QImageReader>
#include <QSignalSpy>
#include <QTest>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using nlohmann::json;

// Seconds since this process was started by the kernel (/proc/self/stat field 22).
double secondsSinceProcessStart() {
    std::ifstream in("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) return -1;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
    }
    timespec now{};
    clock_gettime(CLOCK_BOOTTIME, &now);
    return now.tv_sec + now.tv_nsec * 1e-9 - std::stod(field) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Times every event the UI thread dispatches, so that a stall names its handler.
class ProbeApplication : public QApplication {
public:
    using QApplication::QApplication;
    bool notify(QObject* receiver, QEvent* event) override {
        if (QThread::currentThread() != thread()) return QApplication::notify(receiver, event);
        if (depth_++ > 0) {
            const bool r = QApplication::notify(receiver, event);
            --depth_;
            return r;
        }
        const int type = event->type();
        QElapsedTimer t;
        t.start();
        const bool r = QApplication::notify(receiver, event);
        --depth_;
        const double ms = t.nsecsElapsed() * 1e-6;
        if (ms > 16.0) {
            std::string who = receiver->metaObject()->className();
            if (!receiver->objectName().isEmpty()) who += "/" + receiver->objectName().toStdString();
            slow.push_back({{"ms", ms}, {"receiver", who}, {"event", type}});
        }
        return r;
    }
    json takeSlow() {
        json s = slow;
        slow = json::array();
        return s;
    }

private:
    int depth_ = 0;
    json slow = json::array();
};

ProbeApplication* probeApp = nullptr;

// The longest gap between two ticks of a 1 ms timer on the UI thread.
class StallProbe : public QObject {
public:
    StallProbe() {
        timer_.setTimerType(Qt::PreciseTimer);
        timer_.setInterval(1);
        connect(&timer_, &QTimer::timeout, this, [this] {
            if (clock_.isValid()) {
                const double gap = clock_.nsecsElapsed() * 1e-6;
                worst_ = std::max(worst_, gap);
                gaps_.push_back(gap);
            }
            clock_.start();
        });
    }
    void start() {
        worst_ = 0;
        gaps_.clear();
        clock_.invalidate();
        timer_.start();
        probeApp->takeSlow();
    }
    json stop() {
        timer_.stop();
        std::sort(gaps_.begin(), gaps_.end());
        const double p99 = gaps_.empty() ? 0 : gaps_[std::min(gaps_.size() - 1, gaps_.size() * 99 / 100)];
        const auto over16 = std::count_if(gaps_.begin(), gaps_.end(), [](double g) { return g > 16.0; });
        return {{"longest_stall_ms", worst_}, {"p99_gap_ms", p99}, {"gaps_over_16ms", over16},
                {"ticks", gaps_.size()}, {"slow_events", probeApp->takeSlow()}};
    }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    double worst_ = 0;
    std::vector<double> gaps_;
};

bool wait(QSignalSpy& spy, int ms) { return spy.count() > 0 || spy.wait(ms); }

int fail(const std::string& what) {
    std::cerr << "bench_gui: " << what << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    ProbeApplication app(argc, argv);
    probeApp = &app;
    QStandardPaths::setTestModeEnabled(true);  // no settings or recovery files of the user's
    QImageReader::setAllocationLimit(0);
    QString modelDir = QString::fromStdString(ld::defaultModelDirectory().string());
    QString images = QStringLiteral(LABELDIFF_SOURCE_DIR "/resources/samples");
    QString phrase = QStringLiteral("window");
    int repeats = 5, trainSteps = 20, thinkMs = 1000;
    QString trainMasks, trainConfig, trainOutput;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == "--model") modelDir = args[i + 1];
        else if (args[i] == "--images") images = args[i + 1];
        else if (args[i] == "--phrase") phrase = args[i + 1];
        else if (args[i] == "--repeats") repeats = args[i + 1].toInt();
        else if (args[i] == "--train-steps") trainSteps = args[i + 1].toInt();
        else if (args[i] == "--think-ms") thinkMs = args[i + 1].toInt();
        else if (args[i] == "--train-masks") trainMasks = args[i + 1];
        else if (args[i] == "--train-config") trainConfig = args[i + 1];
        else if (args[i] == "--train-output") trainOutput = args[i + 1];
        else return fail("unknown option " + args[i].toStdString());
    }
    json out;
    out["platform"] = QApplication::platformName().toStdString();

    // Startup, as the GUI's main() does it.
    const double atMain = secondsSinceProcessStart();
    QElapsedTimer clock;
    clock.start();
    ld::MainWindow window;
    window.setPrompts(ld::UserPrompts::unattended());  // a measurement must not wait on a dialog
    window.resize(1400, 900);
    window.show();
    QSignalSpy ready(&window, &ld::MainWindow::modelReady), shown(&window, &ld::MainWindow::imageShown),
        failed(&window, &ld::MainWindow::failed);
    const double atShown = clock.nsecsElapsed() * 1e-9;
    window.loadModel(QDir(modelDir).absolutePath());
    window.openPath(QDir(images).absolutePath());
    StallProbe probe;
    probe.start();
    if (!wait(shown, 60000)) return fail("no image shown: " + (failed.isEmpty() ? std::string() : failed.first().first().toString().toStdString()));
    const double atImage = clock.nsecsElapsed() * 1e-9;
    if (!wait(ready, 120000)) return fail("the model did not load");
    const double atModel = clock.nsecsElapsed() * 1e-9;
    out["startup"] = {{"process_to_main_s", atMain},
                      {"main_to_window_shown_s", atShown},
                      {"main_to_first_image_s", atImage},
                      {"main_to_model_loaded_s", atModel},
                      {"stalls", probe.stop()}};
    std::cerr << "startup: " << out["startup"].dump() << std::endl;

    // Segment: the first proposal of each repeat on a different image, as a labeller
    // moving through a folder sees it.
    window.promptPanel()->setPhrase(phrase);
    QAction* segment = window.action("segment");
    if (!segment) return fail("no segment action");
    json runs = json::array();
    const int imageCount = int(window.document()->project().images.size());
    for (int r = 0; r < repeats; ++r) {
        QSignalSpy imageNow(&window, &ld::MainWindow::imageShown);
        window.showImage(r % std::max(1, imageCount));
        wait(imageNow, 30000);
        // A person looks at the image before clicking; the window uses that time.
        QTest::qWait(thinkMs);
        QSignalSpy frames(&window, &ld::MainWindow::framesArrived), done(&window, &ld::MainWindow::segmentFinished);
        probe.start();
        QElapsedTimer click;
        click.start();
        segment->trigger();
        if (!wait(frames, 60000)) return fail("no trajectory frame");
        const double firstFrame = click.nsecsElapsed() * 1e-6;
        if (!wait(done, 120000)) return fail("segmentation did not finish");
        const double finished = click.nsecsElapsed() * 1e-6;
        runs.push_back({{"image", r % std::max(1, imageCount)},
                        {"click_to_first_frame_ms", firstFrame},
                        {"click_to_proposal_ms", finished},
                        {"stalls", probe.stop()}});
        std::cerr << "segment: " << runs.back().dump() << std::endl;
        window.rejectProposals();
    }
    out["segment"] = runs;

    // Batch labelling of every image: one category per phrase.
    {
        std::vector<ld::ProjectCategory> categories;
        for (const char* name : {"window", "car", "street", "vegetation"}) {
            ld::ProjectCategory c;
            c.id = int64_t(categories.size()) + 1;
            c.name = name;
            categories.push_back(c);
        }
        window.document()->setCategories(categories);
        ld::BatchOptions options;
        options.unannotatedOnly = false;
        options.settings = window.samplerPanel()->settings();
        QSignalSpy batchDone(&window, &ld::MainWindow::batchFinished);
        probe.start();
        QElapsedTimer t;
        t.start();
        if (!window.startBatch(options)) return fail("the batch did not start");
        if (!wait(batchDone, 600000)) return fail("the batch did not finish");
        out["batch"] = {{"images", imageCount}, {"seconds", t.nsecsElapsed() * 1e-9}, {"stalls", probe.stop()}};
        std::cerr << "batch: " << out["batch"].dump() << std::endl;
    }

    // Training: fine-tuning the model on a small synthetic dataset from the training panel.
    {
        QTemporaryDir dir;
        const auto ds = ld::writeSyntheticDataset(dir.filePath("data").toStdString(), 8, 128, 128, 7);
        const QString coco = dir.filePath("data/instances.json");
        ld::findDatasetFormat("coco")->write(ds, coco.toStdString(), {});
        ld::ModelRegistry registry;
        ld::TrainingPanel panel(&registry);
        panel.resize(1400, 860);
        panel.show();
        QSignalSpy summary(&panel, &ld::TrainingPanel::summaryReady);
        if (trainMasks.isEmpty()) panel.setDataset(ld::TrainingPanel::DataKind::Coco, coco);
        else panel.setDataset(ld::TrainingPanel::DataKind::MaskFolder, QDir(trainMasks).absolutePath());
        wait(summary, 30000);
        panel.setBaseModel(ld::TrainingPanel::BaseKind::Directory, QDir(modelDir).absolutePath());
        panel.setOutputDir(trainOutput.isEmpty() ? dir.filePath("tuned") : QDir(trainOutput).absolutePath());
        json overrides{{"threads", 1}, {"optim", {{"warmup", 2}}}};
        if (!trainConfig.isEmpty()) {
            std::ifstream in(trainConfig.toStdString());
            json c = json::parse(in);
            for (const char* key : {"base_model", "output", "checkpoint_dir", "log"}) c.erase(key);
            c["data"].erase("train");  // the panel's dataset
            overrides = c;
        }
        panel.setConfigOverrides(overrides);
        panel.stepsBox()->setValue(trainSteps);
        panel.batchBox()->setValue(4);
        panel.validateEveryBox()->setValue(std::max(1, trainSteps / 2));
        panel.checkpointEveryBox()->setValue(0);
        QSignalSpy trained(&panel, &ld::TrainingPanel::trainingFinished),
            trainFailed(&panel, &ld::TrainingPanel::trainingFailed);
        probe.start();
        QElapsedTimer t;
        t.start();
        if (!panel.start()) return fail("training did not start");
        if (!wait(trained, 3600000))
            return fail("training did not finish: " +
                        (trainFailed.isEmpty() ? std::string() : trainFailed.first().first().toString().toStdString()));
        out["training"] = {{"steps", trainSteps}, {"seconds", t.nsecsElapsed() * 1e-9}, {"stalls", probe.stop()}};
    }
    std::cout << out.dump(2) << std::endl;
    return 0;
}
