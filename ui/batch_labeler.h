#pragma once
// "Label all images": every chosen image is labelled with every category's prompt on the
// inference worker, one image at a time (so interactive requests can slip in between and
// Cancel acts at once), by the policy `labeldiff-cli label` shares (inference/
// batch_labelling.h): model-made, unreviewed annotations for the categories the image has
// none of. Work a person did (manual or reviewed annotations) is never touched.
#include "core/project.h"
#include "inference/pipeline/batch_labelling.h"
#include "ui/segment_request.h"

#include <QObject>
#include <QPointer>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace ld {

class InferenceService;
class LabelDocument;
class TaskProgress;

struct BatchOptions {
    bool unannotatedOnly = true;  // skip images that have any annotation
    bool keepExisting = true;     // false: replace earlier unreviewed model annotations
    bool skipReviewed = false;    // leave reviewed images alone (proposing again after a model switch)
    SamplerSettings settings;
};

class BatchLabeler : public QObject {
    Q_OBJECT
public:
    BatchLabeler(LabelDocument* doc, InferenceService* service, QObject* parent = nullptr);

    // Returns the task to follow (owned by this object), or nullptr with `error` set.
    TaskProgress* start(const BatchOptions& options, QString* error = nullptr);
    bool isRunning() const { return task_ != nullptr; }
    int labelled() const { return labelled_; }
    // Results not applied because a redo entry edits the same image (ui/undo_history.h).
    int leftAlone() const { return leftAlone_; }
    QStringList failures() const { return failures_; }

Q_SIGNALS:
    // Summary for the status bar, after the last image or a cancel.
    void finished(const QString& summary);

private:
    void next();
    // The image's annotations that stay: all, or all but the model's unreviewed proposals.
    std::vector<ProjectAnnotation> kept(int64_t imageId) const;
    BatchImageJob jobFor(const ProjectImage& image) const;
    void onResult(const SegmentResultPtr& result);
    void end(const QString& summary);

    LabelDocument* doc_;
    InferenceService* service_;
    BatchOptions options_;
    std::vector<int64_t> queue_;
    std::vector<int64_t> categoryIds_;
    std::vector<std::string> prompts_;
    size_t position_ = 0;
    quint64 current_ = 0;
    int labelled_ = 0;
    int leftAlone_ = 0;
    QStringList failures_;
    QPointer<TaskProgress> task_;
};

}  // namespace ld
