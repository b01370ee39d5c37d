#include "ui/inference_worker.h"

#include "core/image.h"
#include "inference/io/model_card.h"
#include "inference/runtime/device_name.h"
#include "inference/runtime/gpu_arbiter.h"
#include "inference/runtime/out_of_memory.h"
#include "inference/runtime/threads.h"
#include "inference/pipeline/model_provenance.h"
#include "ui/mask_image.h"

#include <QFileInfo>

#include <exception>

namespace ld {

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent), mailbox_(std::make_shared<Mailbox>()) {
    mailbox_->worker = this;
    // A training run let a card go: a model sent to the CPU for it goes back.
    released_ = GpuArbiter::process().subscribe([m = mailbox_](const std::string&, GpuArbiter::Party party) {
        if (party != GpuArbiter::Party::Training) return;
        std::lock_guard<std::mutex> lock(m->mutex);
        if (m->worker) QMetaObject::invokeMethod(m->worker, [w = m->worker] { w->returnToGpu(); }, Qt::QueuedConnection);
    });
}

InferenceWorker::~InferenceWorker() {
    {
        std::lock_guard<std::mutex> lock(mailbox_->mutex);
        mailbox_->worker = nullptr;
    }
    if (released_) GpuArbiter::process().unsubscribe(released_);
}

void InferenceWorker::loadModel(const QString& dir, const QString& device, int threads, quint64 generation,
                                const std::shared_ptr<CancelToken>& cancel) {
    generation_ = generation;
    open(dir, device, threads, cancel.get(), QString());
}

void InferenceWorker::open(const QString& dir, const QString& device, int threads, const CancelToken* cancel,
                           const QString& why) {
    GpuArbiter::Lease lease;
    const auto load = [&] {
        SamplerOptions options;
        options.device = device.toStdString();
        options.threads = threads;
        const std::string chosen = resolveDeviceName(options.device);
        if (chosen.rfind("cuda", 0) == 0) {
            lease = GpuArbiter::process().acquireForInference(chosen, [m = mailbox_] {
                std::lock_guard<std::mutex> lock(m->mutex);
                if (m->worker) QMetaObject::invokeMethod(m->worker, [w = m->worker] { w->yieldGpu(); }, Qt::QueuedConnection);
            });
            if (lease.fellBack()) options.device = "cpu";
        }
        return Sampler::open(dir.toStdString(), options, cancel);
    };
    // The model in use keeps the thread count it was loaded with.
    const auto keepPrevious = [&] {
        if (sampler_) configureThreads(threads_);
    };
    try {
        throwIfCancelled(cancel);
        std::unique_ptr<Sampler> loaded;
        try {
            loaded = load();
        } catch (const std::exception& e) {
            if (!sampler_ || !isOutOfMemory(e)) throw;
            // Both models do not fit: the old one goes, the new one is tried again.
            sampler_.reset();
            lease_.release();
            modelDir_.clear();
            loaded = load();
        }
        sampler_ = std::move(loaded);  // the old model is freed before its card is released
        lease_ = std::move(lease);
        modelDir_ = dir;
        device_ = device;
        threads_ = threads;
        const ModelCard& card = sampler_->card();
        const QString name = card.name.empty() ? QFileInfo(dir).fileName() : QString::fromStdString(card.name);
        Q_EMIT modelLoaded(dir, name, QString::fromStdString(sampler_->deviceName()), sampler_->resolution(),
                         card.defaults.threshold, intraOpThreads(), generation_);
        const QString note = lease_.fellBack() ? QString::fromStdString(lease_.note()) : why;
        if (!note.isEmpty()) Q_EMIT deviceNote(note);
    } catch (const Cancelled&) {
        keepPrevious();
        Q_EMIT modelLoadCancelled(dir, generation_);
    } catch (const std::exception& e) {
        keepPrevious();
        Q_EMIT modelFailed(dir, QString::fromStdString(e.what()), generation_, sampler_ != nullptr);
    }
}

void InferenceWorker::yieldGpu() {
    if (!sampler_ || !lease_.holdsGpu()) return;
    const QString gpu = QString::fromStdString(lease_.device());
    // The card goes before the CPU copy is built: the training run is waiting for it.
    sampler_.reset();
    lease_.release();
    const QString requested = device_;
    const QString dir = modelDir_;
    open(dir, QStringLiteral("cpu"), threads_, nullptr,
         tr("A training run needs %1: the model runs on the CPU until it ends").arg(gpu));
    device_ = requested;  // where to go back to
    onCpuForTraining_ = sampler_ != nullptr;
}

void InferenceWorker::returnToGpu() {
    if (!sampler_ || (!onCpuForTraining_ && !lease_.fellBack())) return;
    onCpuForTraining_ = false;
    const QString dir = modelDir_, device = device_;
    open(dir, device, threads_, nullptr, tr("The training run let the GPU go: the model is back on it"));
}

void InferenceWorker::run(const SegmentRequest& request) {
    if (request.cancel && request.cancel->cancelled()) {
        Q_EMIT cancelled(request.id);
        return;
    }
    if (!sampler_) {
        Q_EMIT failed(request.id, tr("No model is loaded: choose a model directory in the sampler settings."));
        return;
    }
    Q_EMIT started(request.id);
    try {
        const cv::Mat& rgb = image(request.imagePath);

        QVector<TrajectoryImage> pending;
        QElapsedTimer sinceSent;
        sinceSent.start();
        TrajectoryCallback onStep;
        if (request.trajectory) {
            onStep = [&](const TrajectoryFrame& f) {
                TrajectoryImage t;
                t.phraseIndex = f.phraseIndex;
                t.phrase = QString::fromStdString(f.phrase);
                t.step = f.step;
                t.steps = f.steps;
                t.timestep = f.timestep;
                t.x0 = grayImage(f.x0);
                t.xt = grayImage(f.xt);
                pending.push_back(std::move(t));
                // Batching keeps the UI's event queue short however fast the steps are.
                if (f.step + 1 == f.steps || sinceSent.elapsed() >= kFrameIntervalMs) {
                    Q_EMIT frames(request.id, pending);
                    pending.clear();
                    sinceSent.restart();
                }
            };
        }

        auto result = std::make_shared<SegmentResult>();
        result->request = request;
        result->imageWidth = rgb.cols;
        result->imageHeight = rgb.rows;
        const std::string model = provenanceModel(sampler_->card(), modelDir_.toStdString());
        QElapsedTimer total;
        total.start();
        if (request.batch) {
            BatchImageJob job = *request.batch;
            job.model = model;
            BatchImageResult labelled = labelImage(*sampler_, rgb, job, request.cancel.get());
            result->segmentation = std::move(labelled.segmentation);
            result->annotations = std::move(labelled.annotations);
        } else if (request.phrases.size() == 1) {
            result->segmentation.phrases.push_back(
                sampler_->segment(rgb, request.phrases.front(), request.settings, onStep, request.cancel.get()));
        } else {
            result->segmentation = sampler_->segmentPhrases(rgb, request.phrases, request.settings,
                                                            request.backgroundThreshold, onStep, request.cancel.get());
        }
        if (!pending.isEmpty()) Q_EMIT frames(request.id, pending);
        result->totalMs = double(total.nsecsElapsed()) / 1e6;
        result->modelName = QString::fromStdString(model);
        result->device = QString::fromStdString(sampler_->deviceName());
        Q_EMIT finished(result);
    } catch (const Cancelled&) {
        Q_EMIT cancelled(request.id);
    } catch (const std::exception& e) {
        Q_EMIT failed(request.id, QString::fromStdString(e.what()));
    }
}

const cv::Mat& InferenceWorker::image(const QString& path) {
    const QFileInfo info(path);
    if (path != imagePath_ || info.size() != imageSize_ || info.lastModified() != imageModified_ || image_.empty()) {
        image_ = cv::Mat();
        imagePath_ = path;
        imageSize_ = info.size();
        imageModified_ = info.lastModified();
        image_ = loadImageRgb(path.toStdString());
    }
    return image_;
}

void InferenceWorker::prepare(const QString& imagePath, quint64 generation,
                              const std::shared_ptr<std::atomic<quint64>>& latest) {
    if (!sampler_ || generation != latest->load()) return;
    try {
        sampler_->prepare(image(imagePath));
    } catch (const std::exception&) {
        // Nobody asked for a result yet: the segment request that may follow reports the
        // same error, naming the file, where the user sees it.
    }
}

void InferenceWorker::shutdown() {
    {
        std::lock_guard<std::mutex> lock(mailbox_->mutex);
        mailbox_->worker = nullptr;
    }
    GpuArbiter::process().unsubscribe(released_);
    released_ = 0;
    sampler_.reset();
    lease_.release();
    image_ = cv::Mat();
    modelDir_.clear();
}

}  // namespace ld
