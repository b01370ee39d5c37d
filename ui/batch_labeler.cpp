#include "ui/batch_labeler.h"

#include "inference/model_provenance.h"
#include "ui/edit_commands.h"
#include "ui/inference_service.h"
#include "ui/label_document.h"
#include "ui/task_progress.h"

#include <QFileInfo>

#include <opencv2/core.hpp>

#include <algorithm>

namespace ld {

BatchLabeler::BatchLabeler(LabelDocument* doc, InferenceService* service, QObject* parent)
    : QObject(parent), doc_(doc), service_(service) {
    connect(service_, &InferenceService::finished, this, [this](const SegmentResultPtr& r) {
        if (task_ && r->request.id == current_) onResult(r);
    });
    connect(service_, &InferenceService::failed, this, [this](quint64 id, const QString& message) {
        if (!task_ || id != current_) return;
        failures_ << message;
        ++position_;
        next();
    });
    connect(service_, &InferenceService::cancelled, this, [this](quint64 id) {
        if (task_ && id == current_)
            end(tr("Batch labelling cancelled after %n image(s)", nullptr, labelled_));
    });
    // A different document invalidates the queue of image ids.
    connect(doc_, &LabelDocument::documentReset, this, [this] {
        if (task_) {
            service_->cancel(current_);
            end(tr("Batch labelling stopped: another project was opened"));
        }
    });
}

TaskProgress* BatchLabeler::start(const BatchOptions& options, QString* error) {
    const auto fail = [&](const QString& m) -> TaskProgress* {
        if (error) *error = m;
        return nullptr;
    };
    if (task_) return fail(tr("Batch labelling is already running."));
    if (!service_->hasModel()) return fail(tr("No model is loaded: choose a model directory in the sampler settings."));
    if (doc_->project().categories.empty()) return fail(tr("Add at least one category to label with."));
    options_ = options;
    categoryIds_.clear();
    prompts_.clear();
    for (const auto& c : doc_->project().categories) {
        categoryIds_.push_back(c.id);
        prompts_.push_back(LabelDocument::promptOf(c));
    }
    queue_.clear();
    for (const auto& img : doc_->project().images) {
        if (options.unannotatedOnly && !doc_->annotationsOf(img.id).empty()) continue;
        queue_.push_back(img.id);
    }
    if (queue_.empty()) return fail(tr("There are no images to label with these options."));
    position_ = 0;
    labelled_ = 0;
    failures_.clear();
    task_ = new TaskProgress(tr("Labelling all images"), this);
    task_->setTotal(int(queue_.size()));
    connect(task_, &TaskProgress::cancelRequested, this, [this] { service_->cancel(current_); });
    next();
    return task_;
}

void BatchLabeler::next() {
    if (!task_) return;
    task_->setProgress(int(position_));
    if (position_ >= queue_.size()) {
        QString summary = tr("Labelled %n image(s)", nullptr, labelled_);
        if (!failures_.isEmpty()) summary += QStringLiteral("; ") + tr("%n failed: %1", nullptr, int(failures_.size())).arg(failures_.first());
        end(summary);
        return;
    }
    const ProjectImage* img = doc_->image(queue_[position_]);
    if (!img) {
        ++position_;
        next();
        return;
    }
    task_->setMessage(QString::fromStdString(img->fileName));
    SegmentRequest r;
    r.imagePath = doc_->imagePath(*img);
    r.imageId = img->id;
    r.phrases = prompts_;
    r.settings = options_.settings;
    r.trajectory = false;
    // With several categories a pixel below τ for all of them is background.
    if (options_.settings.threshold >= 0) r.backgroundThreshold = options_.settings.threshold;
    current_ = service_->submit(r);
}

void BatchLabeler::onResult(const SegmentResultPtr& result) {
    const int64_t imageId = result->request.imageId;
    const ProjectImage* img = doc_->image(imageId);
    const auto& phrases = result->segmentation.phrases;
    if (img && !phrases.empty()) {
        std::vector<ProjectAnnotation> list = doc_->annotationsOf(imageId);
        if (!options_.keepExisting) {
            // Only the model's own unreviewed proposals may be replaced.
            list.erase(std::remove_if(list.begin(), list.end(),
                                      [](const ProjectAnnotation& a) {
                                          return a.provenance.source == Provenance::Source::Model && !a.provenance.reviewed;
                                      }),
                       list.end());
        }
        const cv::Mat& labels = result->segmentation.labels;
        const bool semantic = phrases.size() > 1 && !labels.empty();
        for (size_t i = 0; i < phrases.size() && i < categoryIds_.size(); ++i) {
            // With several categories the per-pixel argmax keeps them from overlapping.
            BinaryMask mask = semantic ? BinaryMask::fromMat(labels == int(i + 1)) : phrases[i].mask;
            if (mask.empty() || area(mask) == 0) continue;
            if (mask.width() != img->width || mask.height() != img->height) {
                failures_ << tr("%1: the model returned a %2×%3 mask for a %4×%5 image")
                                 .arg(QString::fromStdString(img->fileName))
                                 .arg(mask.width()).arg(mask.height()).arg(img->width).arg(img->height);
                continue;
            }
            ProjectAnnotation a;
            a.id = doc_->newAnnotationId();
            a.imageId = imageId;
            a.categoryId = categoryIds_[i];
            a.segmentation = Segmentation::fromMask(mask);
            a.score = cv::mean(phrases[i].soft.mat(), mask.mat())[0];
            a.provenance = modelProvenance(phrases[i].settings, result->modelName.toStdString());
            list.push_back(std::move(a));
        }
        const ImageStatus status = ImageEditCommand::statusFor(img->status, list);
        doc_->undoStack()->push(new ImageEditCommand(doc_, imageId, std::move(list), status,
                                                     tr("Label %1 by model").arg(QString::fromStdString(img->fileName))));
        ++labelled_;
    }
    ++position_;
    if (task_ && task_->isCancelRequested()) {
        end(tr("Batch labelling cancelled after %n image(s)", nullptr, labelled_));
        return;
    }
    next();
}

void BatchLabeler::end(const QString& summary) {
    TaskProgress* t = task_;
    task_ = nullptr;
    current_ = 0;
    if (t) {
        t->setProgress(int(position_));
        t->finish(summary);
        t->deleteLater();
    }
    emit finished(summary);
}

}  // namespace ld
