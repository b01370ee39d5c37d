#pragma once
// The object that lives on the inference thread and owns the Sampler (LibTorch modules
// are not shared between threads). Requests arrive as queued slot calls, so the thread's
// event loop is the request queue; everything goes back to the UI as queued signals.
#include "inference/runtime/gpu_arbiter.h"
#include "ui/segment_request.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>

#include <opencv2/core/mat.hpp>

#include <atomic>
#include <memory>
#include <mutex>

namespace ld {

class Sampler;

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;

    // Frames are batched and sent at most this often; the last step is always sent.
    static constexpr int kFrameIntervalMs = 50;

public Q_SLOTS:
    // threads: CPU intra-op threads (0: the policy's default, inference/runtime/device.h). The
    // model in use stays until the new one is complete: a cancelled or failed load leaves
    // it usable (only when both do not fit in memory does it go first).
    void loadModel(const QString& dir, const QString& device, int threads, quint64 generation,
                   const std::shared_ptr<ld::CancelToken>& cancel);
    void run(const ld::SegmentRequest& request);
    // Decodes and encodes an image before anyone asks to segment it (see
    // InferenceService::prepare), unless a newer prepare was queued since.
    void prepare(const QString& imagePath, quint64 generation, const std::shared_ptr<std::atomic<quint64>>& latest);
    // Drops the model on this thread, where it was created.
    void shutdown();
    // A training run wants the card the model is on (inference/runtime/gpu_arbiter.h): the model
    // is loaded again on the CPU and the card let go; returnToGpu moves it back once the
    // run released the card.
    void yieldGpu();
    void returnToGpu();

Q_SIGNALS:
    void modelLoaded(const QString& dir, const QString& name, const QString& device, int resolution,
                     double defaultThreshold, int threads, quint64 generation);
    // modelKept: the model loaded before is still in use.
    void modelFailed(const QString& dir, const QString& message, quint64 generation, bool modelKept);
    void modelLoadCancelled(const QString& dir, quint64 generation);
    // Why the model runs where it does, when that is not where it was asked to.
    void deviceNote(const QString& note);
    void started(quint64 id);
    void frames(quint64 id, const QVector<ld::TrajectoryImage>& frames);
    void finished(const ld::SegmentResultPtr& result);
    void failed(quint64 id, const QString& message);
    void cancelled(quint64 id);

private:
    // The last decoded image, keyed by path, size and modification time: a prepare and the
    // segment requests that follow it read the file once.
    const cv::Mat& image(const QString& path);
    void open(const QString& dir, const QString& device, int threads, const CancelToken* cancel, const QString& why);

    // How the arbiter's callbacks, on other threads, reach this object only while it lives.
    struct Mailbox {
        std::mutex mutex;
        InferenceWorker* worker = nullptr;
    };
    std::shared_ptr<Mailbox> mailbox_;
    int released_ = 0;  // the arbiter subscription
    GpuArbiter::Lease lease_;  // the card the model is on, if any
    QString device_;           // the device asked for (the model may be on the CPU meanwhile)
    bool onCpuForTraining_ = false;
    quint64 generation_ = 0;   // the load being answered

    std::unique_ptr<Sampler> sampler_;
    QString modelDir_;
    int threads_ = 0;  // the loaded model's thread request, restored after a load that did not replace it
    QString imagePath_;
    qint64 imageSize_ = -1;
    QDateTime imageModified_;
    cv::Mat image_;
};

}  // namespace ld
