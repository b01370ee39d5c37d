#include "ui/inference_worker.h"

#include "core/image.h"
#include "inference/device.h"
#include "inference/model_card.h"
#include "inference/model_provenance.h"
#include "ui/mask_image.h"

#include <QFileInfo>

#include <exception>

namespace ld {

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) {}

InferenceWorker::~InferenceWorker() = default;

void InferenceWorker::loadModel(const QString& dir, const QString& device, int threads, quint64 generation) {
    try {
        SamplerOptions options;
        options.device = device.toStdString();
        options.threads = threads;
        // Release the old model first: two models at once may not fit.
        sampler_.reset();
        modelDir_.clear();
        sampler_ = Sampler::open(dir.toStdString(), options);
        modelDir_ = dir;
        const ModelCard& card = sampler_->card();
        const QString name = card.name.empty() ? QFileInfo(dir).fileName() : QString::fromStdString(card.name);
        emit modelLoaded(dir, name, QString::fromStdString(sampler_->deviceName()), sampler_->resolution(),
                         card.defaults.threshold, intraOpThreads(), generation);
    } catch (const std::exception& e) {
        sampler_.reset();
        emit modelFailed(dir, QString::fromStdString(e.what()), generation);
    }
}

void InferenceWorker::run(const SegmentRequest& request) {
    if (request.cancel && request.cancel->cancelled()) {
        emit cancelled(request.id);
        return;
    }
    if (!sampler_) {
        emit failed(request.id, tr("No model is loaded: choose a model directory in the sampler settings."));
        return;
    }
    emit started(request.id);
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
                    emit frames(request.id, pending);
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
        if (!pending.isEmpty()) emit frames(request.id, pending);
        result->totalMs = double(total.nsecsElapsed()) / 1e6;
        result->modelName = QString::fromStdString(model);
        result->device = QString::fromStdString(sampler_->deviceName());
        emit finished(result);
    } catch (const Cancelled&) {
        emit cancelled(request.id);
    } catch (const std::exception& e) {
        emit failed(request.id, QString::fromStdString(e.what()));
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
    sampler_.reset();
    image_ = cv::Mat();
    modelDir_.clear();
}

}  // namespace ld
