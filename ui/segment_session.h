#pragma once
// The interactive segmentation of the shown image, as one state machine: a request to the
// inference service (one at a time; a new one or another image replaces it), its progress,
// and the proposals it produced until they are accepted into the document or rejected.
// MainWindow only draws what it says.
#include "ui/proposal.h"
#include "ui/segment_request.h"

#include <QObject>
#include <QPointer>
#include <QVector>

#include <cstdint>
#include <vector>

namespace ld {

class AnnotationEditor;
class InferenceService;
class LabelDocument;
class PromptPanel;
class TaskProgress;

class SegmentSession : public QObject {
    Q_OBJECT
public:
    enum class End { Proposed, Stale, Failed, Cancelled };
    Q_ENUM(End)

    // Categories are the prompt panel's: which category a phrase means, which one is picked.
    SegmentSession(LabelDocument* doc, AnnotationEditor* editor, InferenceService* service, PromptPanel* prompts,
                   QObject* parent = nullptr);

    // The image proposals are for: another one cancels the run and drops the proposals.
    void setImage(int64_t imageId);
    // Submits `request` (its phrases join the prompt history), replacing a running one and
    // dropping the proposals; returns the run's progress for the status bar.
    TaskProgress* start(SegmentRequest request);
    void cancel();
    bool isRunning() const { return requestId_ != 0; }
    quint64 requestId() const { return requestId_; }

    const std::vector<Proposal>& proposals() const { return proposals_; }
    // Live re-threshold of the kept soft masks, no sampling; a person moving τ overrides
    // the presence gate.
    void setThreshold(double tau);
    // Into the document as one undoable step; false when nothing was added.
    bool accept();
    void reject();

Q_SIGNALS:
    void started();
    void framesArrived(const QVector<ld::TrajectoryImage>& frames);
    void proposalsChanged();
    // Proposed: `result` holds the run (timings, presence); Failed: `message` says why.
    void ended(ld::SegmentSession::End end, const ld::SegmentResultPtr& result, const QString& message);

private:
    void onFrames(quint64 id, const QVector<TrajectoryImage>& frames);
    void onResult(const SegmentResultPtr& result);
    void finish(End end, const SegmentResultPtr& result, const QString& message);

    LabelDocument* doc_;
    AnnotationEditor* editor_;
    InferenceService* service_;
    PromptPanel* prompts_;
    int64_t imageId_ = 0;
    quint64 requestId_ = 0;
    QPointer<TaskProgress> task_;
    std::vector<Proposal> proposals_;
};

}  // namespace ld
