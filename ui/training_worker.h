#pragma once
// The object that lives on the training thread and drives ld::Trainer (which owns its
// modules there). Runs arrive as queued slot calls; progress goes back to the UI as queued
// signals, step losses batched at most every kStepIntervalMs. Stop is the trainer's
// cancel: it writes a checkpoint (a complete model directory) that a later run resumes
// from — pausing is stop + resume. After each checkpoint the worker runs the sampler on a
// few validation images (ground truth vs prediction); compare() scores two models on the
// validation split with ld::evaluateModel. Nothing here runs on the UI thread.
#include "inference/pipeline/sampler.h"

#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QVector>

namespace ld {

struct TrainStep {
    qint64 step = 0;
    double loss = 0, lr = 0;
};

struct ValidationPreview {
    QString file, phrase;
    QImage image, truth, prediction;  // thumbnails: image, image + GT overlay, image + prediction overlay
    double iou = 0;
};

class TrainingWorker : public QObject {
    Q_OBJECT
public:
    explicit TrainingWorker(QObject* parent = nullptr);
    ~TrainingWorker() override;

    static constexpr int kStepIntervalMs = 100;
    static constexpr int kPreviewImages = 3;
    static constexpr int kPreviewSide = 96;

    // Thread-safe: the UI thread sets it, the trainer polls it between steps.
    CancelToken& cancelToken() { return cancel_; }

public Q_SLOTS:
    // configJson: a training config as `labeldiff-cli train` reads it (absolute paths).
    // resumeDir: a checkpoint directory, or empty for a fresh run.
    void train(const QString& configJson, const QString& resumeDir);
    // Scores `oldModel` and `newModel` on the validation split of the config's data.
    void compare(const QString& configJson, const QString& oldModel, const QString& newModel);

Q_SIGNALS:
    void started(qint64 step, qint64 steps, const QString& infoJson);
    void steps(const QVector<ld::TrainStep>& steps, qint64 totalSteps, double secondsPerStep, double eta);
    void validated(qint64 step, const QString& metricsJson);
    void checkpointWritten(qint64 step, const QString& path);
    void previews(qint64 step, const QVector<ld::ValidationPreview>& previews);
    void finished(bool cancelled, qint64 step, const QString& checkpoint, const QString& output,
                  const QString& validationJson);
    void failed(const QString& message);
    void compared(const QString& oldJson, const QString& newJson);
    void compareFailed(const QString& message);

private:
    QVector<ValidationPreview> makePreviews(const QString& modelDir, const QString& configJson);

    CancelToken cancel_;
};

}  // namespace ld

Q_DECLARE_METATYPE(ld::TrainStep)
Q_DECLARE_METATYPE(ld::ValidationPreview)
