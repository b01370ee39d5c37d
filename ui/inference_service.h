#pragma once
// The UI's handle on the inference thread: starts it, queues requests to the worker that
// owns the model, cancels them, and on destruction cancels everything and joins, so that
// closing the window never waits for a whole sampling run nor leaves a thread behind.
// Every signal arrives on the UI thread.
#include "ui/segment_request.h"

#include <QHash>
#include <QObject>
#include <QThread>

#include <atomic>
#include <memory>

namespace ld {

class InferenceWorker;

class InferenceService : public QObject {
    Q_OBJECT
public:
    explicit InferenceService(QObject* parent = nullptr);
    ~InferenceService() override;

    // Replaces the model; modelLoaded, modelFailed or modelLoadCancelled follows. Queued
    // behind running work; a load still in progress is cancelled (it stops between two
    // tensors). Until the new model is complete the one in use stays, and stays after a
    // failed or cancelled load.
    // threads: CPU threads for the model's work (0: the default policy, inference/runtime/device.h).
    void loadModel(const QString& dir, const QString& device = QStringLiteral("auto"), int threads = 0);
    // Stops the load in progress, if any; modelLoadCancelled follows.
    void cancelLoad();
    bool hasModel() const { return !modelDir_.isEmpty(); }
    bool isLoading() const { return loading_; }
    QString modelDir() const { return modelDir_; }
    QString modelName() const { return modelName_; }
    QString device() const { return device_; }
    int threads() const { return threads_; }  // CPU threads in effect for the loaded model
    double defaultThreshold() const { return defaultThreshold_; }

    // Returns the request id. The request waits in the worker's queue behind earlier ones.
    quint64 submit(SegmentRequest request);
    // Stops a queued request before it starts, or a running one within one step.
    void cancel(quint64 id);
    void cancelAll();
    // Encodes the image in the background so that the first "segment" on it starts at the
    // denoising steps. Only the latest prepare runs: paging through a folder queues no
    // backlog in front of a segment request.
    void prepare(const QString& imagePath);
    int pending() const { return int(tokens_.size()); }
    bool isBusy() const { return !tokens_.isEmpty() || loading_; }

Q_SIGNALS:
    void modelLoaded(const QString& name, const QString& device);
    void modelFailed(const QString& dir, const QString& message);
    void modelLoadCancelled(const QString& dir);
    // Why the model runs where it does (a training run holds the GPU, or let it go).
    void deviceNote(const QString& note);
    void started(quint64 id);
    void frames(quint64 id, const QVector<ld::TrajectoryImage>& frames);
    void finished(const ld::SegmentResultPtr& result);
    void failed(quint64 id, const QString& message);
    void cancelled(quint64 id);

private:
    void done(quint64 id);

    QThread thread_;
    InferenceWorker* worker_;  // lives on thread_, deleted by the destructor after the join
    QHash<quint64, std::shared_ptr<CancelToken>> tokens_;
    quint64 nextId_ = 1;
    quint64 generation_ = 0;  // the latest loadModel; answers to older ones are ignored
    std::shared_ptr<CancelToken> loadCancel_;  // the latest loadModel's
    std::shared_ptr<std::atomic<quint64>> latestPrepare_ = std::make_shared<std::atomic<quint64>>(0);
    bool loading_ = false;
    QString modelDir_, modelName_, device_;
    double defaultThreshold_ = 0.5;
    int threads_ = 0;
};

}  // namespace ld
