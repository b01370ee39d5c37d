#include "ui/training_worker.h"

#include "inference/training/trainer.h"
#include "inference/training/training_data.h"
#include "inference/training/training_eval.h"

#include <QElapsedTimer>
#include <QPainter>

#include <nlohmann/json.hpp>

#include <exception>

namespace ld {

using json = nlohmann::json;

namespace {

void registerTypes() {
    static const bool once = [] {
        qRegisterMetaType<TrainStep>();
        qRegisterMetaType<QVector<TrainStep>>();
        qRegisterMetaType<ValidationPreview>();
        qRegisterMetaType<QVector<ValidationPreview>>();
        return true;
    }();
    (void)once;
}

QImage toQImage(const cv::Mat& rgb) {
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

// image with `mask` (CV_8UC1 or CV_32FC1 in [0,1], image size) overlaid in `color`.
QImage overlay(const QImage& image, const cv::Mat& mask, const QColor& color) {
    QImage m(image.size(), QImage::Format_ARGB32);
    m.fill(Qt::transparent);
    for (int y = 0; y < mask.rows && y < m.height(); ++y)
        for (int x = 0; x < mask.cols && x < m.width(); ++x) {
            const double v = mask.type() == CV_8UC1 ? mask.at<uchar>(y, x) / 255.0 : double(mask.at<float>(y, x));
            if (v >= 0.5) m.setPixelColor(x, y, QColor(color.red(), color.green(), color.blue(), 150));
        }
    QImage out = image.convertToFormat(QImage::Format_ARGB32);
    QPainter p(&out);
    p.drawImage(0, 0, m);
    p.end();
    return out.scaled(TrainingWorker::kPreviewSide, TrainingWorker::kPreviewSide, Qt::KeepAspectRatio,
                      Qt::SmoothTransformation);
}

}  // namespace

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent) { registerTypes(); }
TrainingWorker::~TrainingWorker() = default;

// The panel resets the token before it queues a job (train, compare): resetting it here
// would lose a Stop pressed while the job waited in the queue.
void TrainingWorker::train(const QString& configJson, const QString& resumeDir) {
    try {
        const TrainConfig cfg = TrainConfig::fromJson(json::parse(configJson.toStdString()), "", "training panel");
        QVector<TrainStep> pending;
        QElapsedTimer flushClock;
        flushClock.start();
        double secondsPerStep = 0, eta = -1;
        const auto flush = [&](qint64 total) {
            if (pending.isEmpty()) return;
            Q_EMIT steps(pending, total, secondsPerStep, eta);
            pending.clear();
            flushClock.restart();
        };
        const auto onProgress = [&](const TrainProgress& p) {
            if (p.event == TrainEvent::Step) {
                pending.push_back({p.step, p.loss, p.lr});
                secondsPerStep = p.secondsPerStep;
                eta = p.eta;
                if (flushClock.elapsed() >= kStepIntervalMs || p.step == p.steps) flush(p.steps);
                return;
            }
            flush(p.steps);
            if (p.event == TrainEvent::Start) {
                Q_EMIT started(p.step, p.steps, QString::fromStdString(p.metrics.dump()));
            } else if (p.event == TrainEvent::Validation) {
                Q_EMIT validated(p.step, QString::fromStdString(p.metrics.dump()));
            } else if (p.event == TrainEvent::Checkpoint) {
                const QString path = QString::fromStdString(p.path);
                Q_EMIT checkpointWritten(p.step, path);
                if (!cancel_.cancelled()) Q_EMIT previews(p.step, makePreviews(path, configJson));
            }
        };
        TrainResult r = Trainer(cfg).run(onProgress, &cancel_, resumeDir.toStdString());
        flush(cfg.steps);
        if (!r.cancelled && !r.output.empty())
            Q_EMIT previews(r.steps, makePreviews(QString::fromStdString(r.output), configJson));
        Q_EMIT finished(r.cancelled, r.steps, QString::fromStdString(r.lastCheckpoint), QString::fromStdString(r.output),
                      QString::fromStdString(r.validation.dump()));
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromUtf8(e.what()));
    }
}

QVector<ValidationPreview> TrainingWorker::makePreviews(const QString& modelDir, const QString& configJson) {
    QVector<ValidationPreview> out;
    try {
        const TrainConfig cfg = TrainConfig::fromJson(json::parse(configJson.toStdString()), "", "training panel");
        LabelledImages data;
        std::vector<size_t> idx;
        validationSplit(cfg.data, cfg.seed, data, idx);
        SamplerOptions so;
        so.device = cfg.device;
        const auto sampler = Sampler::open(modelDir.toStdString(), so, &cancel_);
        for (size_t i : idx) {
            if (out.size() >= kPreviewImages || cancel_.cancelled()) break;
            const LabelledImage& item = data.items[i];
            size_t c = 0;
            while (c < data.classes.size() && !item.has(c)) ++c;
            if (c == data.classes.size()) continue;
            ValidationPreview v;
            v.file = QString::fromStdString(item.file);
            v.phrase = QString::fromStdString(data.classes[c]);
            const PhraseSegmentation seg = sampler->segment(item.rgb, data.classes[c], SamplerSettings{}, {}, &cancel_);
            const QImage image = toQImage(item.rgb);
            v.image = image.scaled(kPreviewSide, kPreviewSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            v.truth = overlay(image, item.masks[c], QColor(40, 200, 80));
            v.prediction = overlay(image, seg.soft.mat(), QColor(230, 60, 60));
            v.iou = iou(seg.mask, BinaryMask::fromMat(item.masks[c] >= 128));
            out.push_back(v);
        }
    } catch (const std::exception&) {
        // Previews are a courtesy: a cancelled or failed one leaves the row as it was.
    }
    return out;
}

void TrainingWorker::compare(const QString& configJson, const QString& oldModel, const QString& newModel) {
    try {
        const TrainConfig cfg = TrainConfig::fromJson(json::parse(configJson.toStdString()), "", "training panel");
        LabelledImages data;
        std::vector<size_t> idx;
        validationSplit(cfg.data, cfg.seed, data, idx);
        if (idx.empty()) throw std::runtime_error("the validation split is empty");
        EvalOptions eo;
        eo.threshold = -1;
        const auto score = [&](const QString& dir) {
            return evaluateModel(dir.toStdString(), data, idx, eo, &cancel_).toJson();
        };
        const json a = score(oldModel);
        const json b = score(newModel);
        Q_EMIT compared(QString::fromStdString(a.dump()), QString::fromStdString(b.dump()));
    } catch (const std::exception& e) {
        Q_EMIT compareFailed(QString::fromUtf8(e.what()));
    }
}

}  // namespace ld
