#include "ui/batch_labeler.h"

#include "ui/edit_commands.h"
#include "ui/inference_service.h"
#include "ui/label_document.h"
#include "ui/task_progress.h"
#include "ui/undo_history.h"

#include <algorithm>
#include <set>

namespace ld {

namespace {
std::set<int64_t> categoriesOf(const std::vector<ProjectAnnotation>& annotations) {
    std::set<int64_t> out;
    for (const auto& a : annotations) out.insert(a.categoryId);
    return out;
}
}  // namespace

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
        if (options.skipReviewed && img.status == ImageStatus::Reviewed) continue;
        queue_.push_back(img.id);
    }
    if (queue_.empty()) return fail(tr("There are no images to label with these options."));
    position_ = 0;
    labelled_ = 0;
    leftAlone_ = 0;
    failures_.clear();
    task_ = new TaskProgress(tr("Labelling all images"), this);
    task_->setTotal(int(queue_.size()));
    connect(task_, &TaskProgress::cancelRequested, this, [this] { service_->cancel(current_); });
    next();
    return task_;
}

void BatchLabeler::next() {
    if (!task_) return;
    // Images with nothing left to label are passed over without a trip to the worker.
    std::shared_ptr<BatchImageJob> job;
    for (; position_ < queue_.size(); ++position_) {
        if (const ProjectImage* img = doc_->image(queue_[position_])) {
            job = std::make_shared<BatchImageJob>(jobFor(*img));
            if (needsLabelling(*job)) break;
        }
    }
    task_->setProgress(int(position_));
    if (position_ >= queue_.size()) {
        QString summary = tr("Labelled %n image(s)", nullptr, labelled_);
        if (leftAlone_)
            summary += QStringLiteral("; ") +
                       tr("%n left as they were: edits undone on them can still be redone", nullptr, leftAlone_);
        if (!failures_.isEmpty()) summary += QStringLiteral("; ") + tr("%n failed: %1", nullptr, int(failures_.size())).arg(failures_.first());
        end(summary);
        return;
    }
    const ProjectImage* img = doc_->image(queue_[position_]);
    task_->setMessage(QString::fromStdString(img->fileName));
    SegmentRequest r;
    r.imagePath = doc_->imagePath(*img);
    r.imageId = img->id;
    r.phrases = prompts_;
    r.settings = options_.settings;
    r.trajectory = false;
    r.batch = std::move(job);
    current_ = service_->submit(r);
}

std::vector<ProjectAnnotation> BatchLabeler::kept(int64_t imageId) const {
    std::vector<ProjectAnnotation> list = doc_->annotationsOf(imageId);
    if (!options_.keepExisting)
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [](const ProjectAnnotation& a) { return isModelProposal(a.provenance); }),
                   list.end());
    return list;
}

BatchImageJob BatchLabeler::jobFor(const ProjectImage& image) const {
    BatchImageJob job;
    job.imageId = image.id;
    job.file = image.fileName;
    job.width = image.width;
    job.height = image.height;
    job.phrases = prompts_;
    job.categoryIds = categoryIds_;
    job.labelledCategories = categoriesOf(kept(image.id));
    job.settings = options_.settings;
    return job;
}

void BatchLabeler::onResult(const SegmentResultPtr& result) {
    const int64_t imageId = result->request.imageId;
    if (const ProjectImage* img = doc_->image(imageId)) {
        std::vector<ProjectAnnotation> list = kept(imageId);
        // A person may have labelled a category while the worker was busy: theirs stays alone.
        const std::set<int64_t> taken = categoriesOf(list);
        for (const Annotation& made : result->annotations) {
            if (taken.count(made.categoryId)) continue;
            ProjectAnnotation a;
            a.id = doc_->newAnnotationId();
            a.imageId = imageId;
            a.categoryId = made.categoryId;
            a.segmentation = made.segmentation;
            a.score = made.score;
            a.provenance = *made.provenance;
            list.push_back(std::move(a));
        }
        const ImageStatus status = ImageEditCommand::statusFor(img->status, list);
        // The person may be undoing and redoing meanwhile: their redo entries stay.
        auto* edit = new ImageEditCommand(doc_, imageId, std::move(list), status,
                                          tr("Label %1 by model").arg(QString::fromStdString(img->fileName)));
        if (pushKeepingRedo(doc_->undoStack(), edit) == HistoryPlacement::Refused) ++leftAlone_;
        else ++labelled_;
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
    Q_EMIT finished(summary);
}

}  // namespace ld
