#include "ui/model_improver.h"

#include "ui/training_worker.h"

#include "core/formats/dataset_format.h"
#include "core/error.h"
#include "core/json_read.h"
#include "core/model_history.h"
#include "core/review_finetune.h"
#include "ui/label_document.h"
#include "ui/task_progress.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>

#include <cerrno>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ld {

using json = nlohmann::json;

namespace {

QString absoluteDir(const QString& dir) { return dir.isEmpty() ? dir : QDir::cleanPath(QFileInfo(dir).absoluteFilePath()); }

// The card's name, or the folder's when the card cannot say.
std::string modelName(const QString& dir) {
    try {
        const json card = readJsonFile(QDir(dir).filePath(QStringLiteral("model_card.json")).toStdString());
        if (card.is_object() && card.contains("name") && card["name"].is_string()) return card["name"].get<std::string>();
    } catch (const Error&) {
    }
    return QFileInfo(dir).fileName().toStdString();
}

double miouOf(const QString& evalJson) {
    const json j = json::parse(evalJson.toStdString(), nullptr, false);
    return j.is_object() ? j.value("miou", 0.0) : 0.0;
}

}  // namespace

ModelImprover::ModelImprover(LabelDocument* doc, QObject* parent)
    : QObject(parent), doc_(doc), worker_(new TrainingWorker) {
    thread_.setObjectName(QStringLiteral("model improvement"));
    worker_->moveToThread(&thread_);
    connect(worker_, &TrainingWorker::started, this, &ModelImprover::onStarted);
    connect(worker_, &TrainingWorker::steps, this, [this](const QVector<TrainStep>& steps, qint64 total, double, double) {
        if (steps.isEmpty()) return;
        step_ = steps.back().step;
        totalSteps_ = total;
        if (task_) task_->setProgress(int(step_), tr("step %1 / %2").arg(step_).arg(total));
    });
    connect(worker_, &TrainingWorker::finished, this,
            [this](bool cancelled, qint64 step, const QString& checkpoint, const QString& output, const QString&) {
                onFinished(cancelled, step, checkpoint, output);
            });
    connect(worker_, &TrainingWorker::failed, this, &ModelImprover::onFailed);
    connect(worker_, &TrainingWorker::compared, this, &ModelImprover::onCompared);
    connect(worker_, &TrainingWorker::compareFailed, this, &ModelImprover::onFailed);
    connect(doc_, &LabelDocument::documentReset, this, [this] {
        if (isBusy()) {
            discard_ = true;
            worker_->cancelToken().cancel();
        } else {
            setState(State::Idle, QString());
        }
    });
    thread_.start();
    // Lowered once, on the thread itself (a thread's nice value is its own on Linux), before
    // any work: the prefetch thread the trainer starts inherits it.
    QMetaObject::invokeMethod(
        worker_,
        [this] {
            const auto tid = id_t(syscall(SYS_gettid));
            setpriority(PRIO_PROCESS, tid, kNice);
            errno = 0;
            const int nice = getpriority(PRIO_PROCESS, tid);
            QMetaObject::invokeMethod(this, [this, nice] { threadNice_ = nice; }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

ModelImprover::~ModelImprover() {
    worker_->cancelToken().cancel();
    thread_.quit();
    thread_.wait();
    delete worker_;
}

void ModelImprover::setActiveModel(const QString& dir) { active_ = absoluteDir(dir); }

int ModelImprover::reviewedImages() const {
    int n = 0;
    for (const ProjectImage& im : doc_->project().images) n += im.status == ImageStatus::Reviewed;
    return n;
}

bool ModelImprover::candidateBeatsBase() const { return !candidate_.isEmpty() && beats(candidateMiou_, baseMiou_); }

void ModelImprover::setState(State s, const QString& status) {
    state_ = s;
    status_ = status;
    Q_EMIT stateChanged();
}

bool ModelImprover::start(QString* error) {
    const auto fail = [&](const QString& m) {
        if (error) *error = m;
        return false;
    };
    if (isBusy()) return fail(tr("The model is already being improved."));
    if (active_.isEmpty()) return fail(tr("No model is in use to improve."));
    const int reviewed = reviewedImages();
    if (reviewed < kMinReviewedImages)
        return fail(tr("Review at least %1 images first (%2 reviewed): some of them are held out to score the new "
                       "model.").arg(kMinReviewedImages).arg(reviewed));
    if (doc_->imagesDir().isEmpty()) return fail(tr("No project is open."));

    // The new model goes beside the project, named by when it was made.
    const QDir models(QDir(doc_->imagesDir()).filePath(QStringLiteral("labeldiff-models")));
    const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    QString output = models.filePath(QStringLiteral("improved-") + stamp);
    for (int k = 2; QFileInfo::exists(output) || QFileInfo::exists(output + QStringLiteral(".checkpoints")); ++k)
        output = models.filePath(QStringLiteral("improved-%1-%2").arg(stamp).arg(k));

    exportDir_ = std::make_unique<QTemporaryDir>();
    const QString data = exportDir_->filePath(QStringLiteral("reviewed.json"));
    try {
        const Project set = reviewedTrainingSet(doc_->project());
        findDatasetFormat("coco")->write(projectToDataset(set, doc_->imagesDir().toStdString()), data.toStdString(), {});
        ReviewFinetune r;
        r.baseModel = active_.toStdString();
        r.data = data.toStdString();
        r.imagesDir = doc_->imagesDir().toStdString();
        r.output = output.toStdString();
        r.steps = steps_;
        config_ = reviewFinetuneConfig(r);
    } catch (const std::exception& e) {
        return fail(QString::fromUtf8(e.what()));
    }
    if (overrides_.is_object() && !overrides_.empty()) config_.merge_patch(overrides_);
    base_ = active_;
    candidate_.clear();
    checkpoint_.clear();
    step_ = 0;
    totalSteps_ = config_.value("steps", int64_t(0));
    discard_ = false;
    task_ = new TaskProgress(tr("Improving the model from %n reviewed image(s)", nullptr, reviewed), this);
    task_->setTotal(int(totalSteps_));
    // The status bar's cancel means pause here: nothing is lost, Resume goes on.
    connect(task_, &TaskProgress::cancelRequested, this, &ModelImprover::pause);
    Q_EMIT taskStarted(task_);
    launch(QString());
    return true;
}

void ModelImprover::launch(const QString& resumeDir) {
    // Reset before queueing: a Pause pressed while the job waits must not be lost.
    worker_->cancelToken().reset();
    setState(State::Training, resumeDir.isEmpty() ? tr("Starting…") : tr("Resuming at step %1…").arg(step_));
    QMetaObject::invokeMethod(worker_, "train", Qt::QueuedConnection,
                              Q_ARG(QString, QString::fromStdString(config_.dump())), Q_ARG(QString, resumeDir));
}

bool ModelImprover::pause() {
    if (state_ != State::Training) return false;
    worker_->cancelToken().cancel();
    setState(State::Pausing, tr("Pausing: writing a checkpoint…"));
    return true;
}

bool ModelImprover::resume() {
    if (state_ != State::Paused || checkpoint_.isEmpty()) return false;
    if (!task_) {
        task_ = new TaskProgress(tr("Improving the model"), this);
        connect(task_, &TaskProgress::cancelRequested, this, &ModelImprover::pause);
        Q_EMIT taskStarted(task_);
    }
    task_->setTotal(int(totalSteps_));
    launch(checkpoint_);
    return true;
}

void ModelImprover::onStarted(qint64 step, qint64 steps, const QString& info) {
    step_ = step;
    totalSteps_ = steps;
    const json j = json::parse(info.toStdString(), nullptr, false);
    if (j.is_object()) {
        trainImages_ = j.value("train_images", 0);
        heldOut_ = j.value("val_images", 0);
    }
    setState(State::Training, tr("Training on %1 reviewed images, %2 held out to score it.").arg(trainImages_).arg(heldOut_));
}

void ModelImprover::onFinished(bool cancelled, qint64 step, const QString& checkpoint, const QString& output) {
    step_ = step;
    if (!checkpoint.isEmpty()) checkpoint_ = checkpoint;
    if (discard_) {
        if (task_) task_->finish(tr("Model improvement stopped: another project was opened"));
        setState(State::Idle, QString());
        return;
    }
    if (cancelled) {
        // The task ends so that the status bar is free; Resume starts another.
        if (task_) task_->finish(tr("Model improvement paused at step %1").arg(step));
        task_ = nullptr;
        setState(State::Paused, tr("Paused at step %1 of %2.").arg(step).arg(totalSteps_));
        return;
    }
    candidate_ = absoluteDir(output);
    if (task_) task_->setMessage(tr("scoring the old and the new model"));
    setState(State::Comparing, tr("Scoring both models on the %1 held-out reviewed images…").arg(heldOut_));
    QMetaObject::invokeMethod(worker_, "compare", Qt::QueuedConnection,
                              Q_ARG(QString, QString::fromStdString(config_.dump())), Q_ARG(QString, base_),
                              Q_ARG(QString, candidate_));
}

void ModelImprover::onCompared(const QString& oldJson, const QString& newJson) {
    if (discard_) return onFinished(false, step_, QString(), QString());
    baseMiou_ = miouOf(oldJson);
    candidateMiou_ = miouOf(newJson);
    recordHistory();
    const bool better = candidateBeatsBase();
    if (task_) task_->finish(tr("Model improvement finished"));
    task_ = nullptr;
    setState(State::Ready, better ? tr("The new model scores %1 on the %2 held-out reviewed images, the model in use %3.")
                                        .arg(candidateMiou_, 0, 'f', 3).arg(heldOut_).arg(baseMiou_, 0, 'f', 3)
                                  : tr("The new model scores %1 on the %2 held-out reviewed images, no better than the "
                                       "model in use (%3): keeping it.")
                                        .arg(candidateMiou_, 0, 'f', 3).arg(heldOut_).arg(baseMiou_, 0, 'f', 3));
    Q_EMIT improvementReady(candidate_, candidateMiou_, baseMiou_, better);
}

void ModelImprover::recordHistory() {
    ModelHistory h = doc_->project().modelHistory;
    const std::string base = base_.toStdString();
    int b = h.find(base);
    if (b < 0) {
        ModelHistoryEntry e;
        e.model = base;
        e.name = modelName(base_);
        e.added = utcTimestamp();
        b = h.record(e);
    }
    // The starting model's score is the first one measured; an improved model keeps its own.
    if (!h.entries[size_t(b)].heldOutMiou) {
        h.entries[size_t(b)].heldOutMiou = baseMiou_;
        h.entries[size_t(b)].reviewedImages = trainImages_ + heldOut_;
        h.entries[size_t(b)].heldOutImages = heldOut_;
    }
    ModelHistoryEntry e;
    e.model = candidate_.toStdString();
    e.name = QFileInfo(candidate_).fileName().toStdString();
    e.added = utcTimestamp();
    e.base = base;
    e.heldOutMiou = candidateMiou_;
    e.reviewedImages = trainImages_ + heldOut_;
    e.heldOutImages = heldOut_;
    e.steps = step_;
    h.record(e);
    if (h.active < 0) h.active = b;
    doc_->setModelHistory(h);
}

void ModelImprover::onFailed(const QString& message) {
    if (task_) task_->finish(tr("Model improvement failed"));
    task_ = nullptr;
    setState(discard_ ? State::Idle : (checkpoint_.isEmpty() ? State::Idle : State::Paused),
             discard_ ? QString() : tr("Failed: %1").arg(message));
    if (!discard_) Q_EMIT failed(message);
}

}  // namespace ld
