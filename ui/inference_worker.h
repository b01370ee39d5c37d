#pragma once
// The object that lives on the inference thread and owns the Sampler (LibTorch modules
// are not shared between threads). Requests arrive as queued slot calls, so the thread's
// event loop is the request queue; everything goes back to the UI as queued signals.
#include "ui/segment_request.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>

#include <opencv2/core/mat.hpp>

#include <atomic>
#include <memory>

namespace ld {

class Sampler;

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;

    // Frames are batched and sent at most this often; the last step is always sent.
    static constexpr int kFrameIntervalMs = 50;

public slots:
    // threads: CPU intra-op threads (0: the policy's default, inference/device.h).
    void loadModel(const QString& dir, const QString& device, int threads, quint64 generation);
    void run(const ld::SegmentRequest& request);
    // Decodes and encodes an image before anyone asks to segment it (see
    // InferenceService::prepare), unless a newer prepare was queued since.
    void prepare(const QString& imagePath, quint64 generation, const std::shared_ptr<std::atomic<quint64>>& latest);
    // Drops the model on this thread, where it was created.
    void shutdown();

signals:
    void modelLoaded(const QString& dir, const QString& name, const QString& device, int resolution,
                     double defaultThreshold, int threads, quint64 generation);
    void modelFailed(const QString& dir, const QString& message, quint64 generation);
    void started(quint64 id);
    void frames(quint64 id, const QVector<ld::TrajectoryImage>& frames);
    void finished(const ld::SegmentResultPtr& result);
    void failed(quint64 id, const QString& message);
    void cancelled(quint64 id);

private:
    // The last decoded image, keyed by path, size and modification time: a prepare and the
    // segment requests that follow it read the file once.
    const cv::Mat& image(const QString& path);

    std::unique_ptr<Sampler> sampler_;
    QString modelDir_;
    QString imagePath_;
    qint64 imageSize_ = -1;
    QDateTime imageModified_;
    cv::Mat image_;
};

}  // namespace ld
