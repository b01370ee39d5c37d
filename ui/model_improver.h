#pragma once
// "Improve the model from my reviews": fine-tunes the model in use on the images a person
// reviewed (core/review_finetune.h), in the background on a training thread of its own at
// a lower CPU priority, so that labelling goes on meanwhile. Pause is the trainer's stop
// (a checkpoint is written; the thread is idle); Resume continues from that checkpoint.
// When the run ends, the old and the new model are scored on the reviewed images the run
// held out, both land in the project's model history (core/model_history.h), and the new
// one is offered when it beats the old. The work is TrainingWorker's, as for the training
// panel; nothing here runs on the UI thread but the bookkeeping.
#include "ui/task_progress.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>

#include <nlohmann/json.hpp>

#include <memory>

class QTemporaryDir;

namespace ld {

class LabelDocument;
class TrainingWorker;

class ModelImprover : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Training, Pausing, Paused, Comparing, Ready };
    // The training thread's nice value: below the person's work, above a build's nice 19.
    static constexpr int kNice = 10;

    explicit ModelImprover(LabelDocument* doc, QObject* parent = nullptr);
    ~ModelImprover() override;  // a run in progress stops (checkpoint written), then the thread joins

    // The model in use (the inference service's); what a run fine-tunes.
    void setActiveModel(const QString& dir);
    QString activeModel() const { return active_; }
    void setSteps(int steps) { steps_ = steps; }
    int steps() const { return steps_; }
    // Keys merged (JSON merge patch) over the fine-tune's config, e.g. a smaller batch.
    void setConfigOverrides(const nlohmann::json& overrides) { overrides_ = overrides; }
    // Reviewed images in the open project (what a run would train on and hold out).
    int reviewedImages() const;

    bool start(QString* error = nullptr);
    bool pause();
    bool resume();

    State state() const { return state_; }
    bool isBusy() const { return state_ == State::Training || state_ == State::Pausing || state_ == State::Comparing; }
    qint64 step() const { return step_; }
    qint64 totalSteps() const { return totalSteps_; }
    int heldOutImages() const { return heldOut_; }
    QString lastCheckpoint() const { return checkpoint_; }
    // The last finished run's model and the two scores on its held-out images.
    QString candidate() const { return candidate_; }
    double candidateMiou() const { return candidateMiou_; }
    double baseMiou() const { return baseMiou_; }
    bool candidateBeatsBase() const;
    QString statusText() const { return status_; }
    // The nice value the training thread runs at, once it is set (for the panel and tests).
    int threadNice() const { return threadNice_; }
    TaskProgress* task() const { return task_; }

Q_SIGNALS:
    void stateChanged();
    void taskStarted(ld::TaskProgress* task);
    // A finished run, scored: `better` when the new model beats the one it started from.
    void improvementReady(const QString& model, double newMiou, double oldMiou, bool better);
    void failed(const QString& message);

private:
    void setState(State s, const QString& status);
    void launch(const QString& resumeDir);
    void onStarted(qint64 step, qint64 steps, const QString& info);
    void onFinished(bool cancelled, qint64 step, const QString& checkpoint, const QString& output);
    void onCompared(const QString& oldJson, const QString& newJson);
    void onFailed(const QString& message);
    void recordHistory();

    LabelDocument* doc_;
    QThread thread_;
    TrainingWorker* worker_;
    State state_ = State::Idle;
    QString active_, base_, status_;
    int steps_ = 100;
    nlohmann::json overrides_ = nlohmann::json::object();
    nlohmann::json config_;
    std::unique_ptr<QTemporaryDir> exportDir_;
    qint64 step_ = 0, totalSteps_ = 0;
    int trainImages_ = 0, heldOut_ = 0;
    int threadNice_ = 0;
    bool discard_ = false;  // another project was opened: the run no longer belongs to it
    QString checkpoint_, candidate_;
    double candidateMiou_ = 0, baseMiou_ = 0;
    QPointer<TaskProgress> task_;
};

}  // namespace ld
