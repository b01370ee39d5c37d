#include "ui/inference_service.h"

#include "ui/inference_worker.h"

#include <QMetaObject>

namespace ld {

namespace {
void registerTypes() {
    qRegisterMetaType<SegmentRequest>();
    qRegisterMetaType<TrajectoryImage>();
    qRegisterMetaType<QVector<TrajectoryImage>>();
    qRegisterMetaType<SegmentResultPtr>();
}
}  // namespace

InferenceService::InferenceService(QObject* parent) : QObject(parent), worker_(new InferenceWorker) {
    registerTypes();
    thread_.setObjectName(QStringLiteral("inference"));
    worker_->moveToThread(&thread_);

    connect(worker_, &InferenceWorker::modelLoaded, this,
            [this](const QString& dir, const QString& name, const QString& device, int, double tau, int threads,
                   quint64 gen) {
                if (gen != generation_) return;
                loading_ = false;
                modelDir_ = dir;
                modelName_ = name;
                device_ = device;
                threads_ = threads;
                defaultThreshold_ = tau;
                Q_EMIT modelLoaded(name, device);
            });
    connect(worker_, &InferenceWorker::modelFailed, this,
            [this](const QString& dir, const QString& message, quint64 gen, bool modelKept) {
                if (gen != generation_) return;
                loading_ = false;
                if (!modelKept) {
                    modelDir_.clear();
                    modelName_.clear();
                }
                Q_EMIT modelFailed(dir, message);
            });
    connect(worker_, &InferenceWorker::modelLoadCancelled, this, [this](const QString& dir, quint64 gen) {
        if (gen != generation_) return;
        loading_ = false;
        Q_EMIT modelLoadCancelled(dir);
    });
    connect(worker_, &InferenceWorker::deviceNote, this, &InferenceService::deviceNote);
    connect(worker_, &InferenceWorker::started, this, &InferenceService::started);
    connect(worker_, &InferenceWorker::frames, this, &InferenceService::frames);
    connect(worker_, &InferenceWorker::finished, this, [this](const SegmentResultPtr& r) {
        done(r->request.id);
        Q_EMIT finished(r);
    });
    connect(worker_, &InferenceWorker::failed, this, [this](quint64 id, const QString& m) {
        done(id);
        Q_EMIT failed(id, m);
    });
    connect(worker_, &InferenceWorker::cancelled, this, [this](quint64 id) {
        done(id);
        Q_EMIT cancelled(id);
    });
    thread_.start();
}

InferenceService::~InferenceService() {
    cancelAll();
    cancelLoad();
    // The model must be destroyed on the thread that created it; queued behind the
    // (now cancelled) requests, which each end within one step.
    // Quitting from inside the queue (not thread_.quit() from here) guarantees that the
    // shutdown runs before the loop ends instead of being dropped with the queue.
    QMetaObject::invokeMethod(worker_, [w = worker_] {
        w->shutdown();
        QThread::currentThread()->quit();
    }, Qt::QueuedConnection);
    thread_.wait();
    delete worker_;
}

void InferenceService::loadModel(const QString& dir, const QString& device, int threads) {
    cancelLoad();  // the model chosen before this one is not wanted any more
    loading_ = true;
    const quint64 gen = ++generation_;
    loadCancel_ = std::make_shared<CancelToken>();
    QMetaObject::invokeMethod(
        worker_, [w = worker_, dir, device, threads, gen, c = loadCancel_] { w->loadModel(dir, device, threads, gen, c); },
        Qt::QueuedConnection);
}

void InferenceService::cancelLoad() {
    if (loadCancel_) loadCancel_->cancel();
}

quint64 InferenceService::submit(SegmentRequest request) {
    request.id = nextId_++;
    if (!request.cancel) request.cancel = std::make_shared<CancelToken>();
    tokens_.insert(request.id, request.cancel);
    QMetaObject::invokeMethod(worker_, [w = worker_, request] { w->run(request); }, Qt::QueuedConnection);
    return request.id;
}

void InferenceService::prepare(const QString& imagePath) {
    const quint64 gen = ++*latestPrepare_;
    QMetaObject::invokeMethod(worker_, [w = worker_, imagePath, gen, latest = latestPrepare_] { w->prepare(imagePath, gen, latest); },
                              Qt::QueuedConnection);
}

void InferenceService::cancel(quint64 id) {
    if (auto it = tokens_.find(id); it != tokens_.end()) it.value()->cancel();
}

void InferenceService::cancelAll() {
    for (const auto& t : tokens_) t->cancel();
}

void InferenceService::done(quint64 id) { tokens_.remove(id); }

}  // namespace ld
