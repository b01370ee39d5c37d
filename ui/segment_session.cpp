#include "ui/segment_session.h"

#include "inference/pipeline/model_provenance.h"
#include "ui/annotation_editor.h"
#include "ui/inference_service.h"
#include "ui/label_document.h"
#include "ui/prompt_panel.h"
#include "ui/task_progress.h"

#include <QUndoStack>

namespace ld {

SegmentSession::SegmentSession(LabelDocument* doc, AnnotationEditor* editor, InferenceService* service,
                               PromptPanel* prompts, QObject* parent)
    : QObject(parent), doc_(doc), editor_(editor), service_(service), prompts_(prompts) {
    connect(service_, &InferenceService::frames, this, &SegmentSession::onFrames);
    connect(service_, &InferenceService::finished, this, [this](const SegmentResultPtr& r) {
        if (r->request.id == requestId_) onResult(r);
    });
    connect(service_, &InferenceService::failed, this, [this](quint64 id, const QString& message) {
        if (id == requestId_) finish(End::Failed, nullptr, message);
    });
    connect(service_, &InferenceService::cancelled, this, [this](quint64 id) {
        if (id == requestId_) finish(End::Cancelled, nullptr, QString());
    });
}

void SegmentSession::setImage(int64_t imageId) {
    // A running segmentation was for the previous image.
    cancel();
    reject();
    imageId_ = imageId;
}

TaskProgress* SegmentSession::start(SegmentRequest request) {
    cancel();
    QStringList phrases;
    for (const std::string& p : request.phrases) {
        doc_->addPhraseToHistory(p);
        phrases << QString::fromStdString(p);
    }
    reject();
    imageId_ = request.imageId;
    requestId_ = service_->submit(std::move(request));
    if (task_) task_->finish();
    task_ = new TaskProgress(tr("Segmenting “%1”").arg(phrases.join(QStringLiteral(", "))), this);
    connect(task_, &TaskProgress::cancelRequested, this, &SegmentSession::cancel);
    connect(task_, &TaskProgress::finished, task_, &QObject::deleteLater);
    Q_EMIT started();
    return task_;
}

void SegmentSession::cancel() {
    if (requestId_) service_->cancel(requestId_);
}

void SegmentSession::onFrames(quint64 id, const QVector<TrajectoryImage>& frames) {
    if (id != requestId_ || frames.isEmpty()) return;
    const TrajectoryImage& last = frames.back();
    if (task_) {
        task_->setTotal(last.steps);
        task_->setProgress(last.step + 1, last.phrase);
    }
    Q_EMIT framesArrived(frames);
}

void SegmentSession::onResult(const SegmentResultPtr& result) {
    const auto& phrases = result->segmentation.phrases;
    if (result->request.imageId != imageId_ || phrases.empty()) return finish(End::Stale, result, QString());
    proposals_.clear();
    const bool semantic = phrases.size() > 1 && !result->segmentation.labels.empty();
    for (size_t i = 0; i < phrases.size(); ++i) {
        const PhraseSegmentation& s = phrases[i];
        Proposal p;
        p.imageId = result->request.imageId;
        p.phrase = s.phrase;
        p.categoryId = prompts_->categoryForPhrase(QString::fromStdString(s.phrase));
        p.soft = s.soft;
        p.uncertainty = s.uncertainty;
        p.members = s.members;
        p.provenance = modelProvenance(s.settings, result->modelName.toStdString());
        if (semantic) {
            // Several phrases compete per pixel (DiGSeg's argmax); a phrase's soft mask
            // is kept outside its region at zero so τ still moves only its own pixels.
            cv::Mat own;
            s.soft.mat().copyTo(own, result->segmentation.labels == int(i + 1));
            p.soft = SoftMask::fromMat(own);
        }
        p.present = s.present;
        p.presence = s.presence;
        p.setThreshold(s.threshold);
        proposals_.push_back(std::move(p));
    }
    Q_EMIT proposalsChanged();
    finish(End::Proposed, result, QString());
}

void SegmentSession::finish(End end, const SegmentResultPtr& result, const QString& message) {
    requestId_ = 0;
    if (task_) {
        switch (end) {
            case End::Proposed: task_->finish(tr("done")); break;
            case End::Failed: task_->finish(tr("failed")); break;
            case End::Cancelled: task_->finish(tr("cancelled")); break;
            case End::Stale: task_->finish(); break;
        }
    }
    Q_EMIT ended(end, result, message);
}

void SegmentSession::setThreshold(double tau) {
    if (proposals_.empty()) return;
    for (Proposal& p : proposals_) {
        p.present = true;
        p.setThreshold(float(tau));
    }
    Q_EMIT proposalsChanged();
}

bool SegmentSession::accept() {
    if (proposals_.empty()) return false;
    QUndoStack* undo = doc_->undoStack();
    undo->beginMacro(tr("Accept proposal"));
    bool any = false;
    for (const Proposal& p : proposals_) {
        int64_t category = p.categoryId;
        // A single phrase without a category of its own goes to the current category
        // only when the user picked one; otherwise the phrase becomes a category.
        if (!category && proposals_.size() == 1) category = prompts_->currentCategory();
        if (!category) category = prompts_->addCategory(QString::fromStdString(p.phrase));
        editor_->select(0);
        any |= editor_->accept(p, category);
    }
    undo->endMacro();
    reject();
    return any;
}

void SegmentSession::reject() {
    if (proposals_.empty()) return;
    proposals_.clear();
    Q_EMIT proposalsChanged();
}

}  // namespace ld
