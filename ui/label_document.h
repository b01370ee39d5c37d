#pragma once
// The open project as the UI edits it: core's ld::Project, where it is saved, and the
// undo stack through which every change goes (so the stack's clean state is the
// document's saved state). Only edit commands call the raw setters.
#include "core/opened_project.h"
#include "core/project.h"

#include <QObject>
#include <QString>
#include <QUndoStack>

#include <vector>

namespace ld {

class LabelDocument : public QObject {
    Q_OBJECT
public:
    // The file a folder's project is saved in; not *.json, so that folder scanning never
    // mistakes it for a dataset.
    static QString defaultFileName() { return QString::fromLatin1(kProjectFileName); }

    explicit LabelDocument(QObject* parent = nullptr);

    const Project& project() const { return project_; }
    QString path() const { return path_; }
    QString imagesDir() const { return imagesDir_; }
    QUndoStack* undoStack() { return &undo_; }
    bool isDirty() const { return !undo_.isClean() || unsavedLoad_ || unsavedSettings_; }

    // Replaces everything (opening, restoring an autosave). `unsaved`: the content is
    // not what `path` holds on disk (e.g. recovered or imported), so the document is dirty.
    void reset(Project project, const QString& path, const QString& imagesDir, bool unsaved);
    // Atomic save; throws ld::Error naming the file, and then the document stays dirty.
    void save(const QString& path = QString());

    QString imagePath(const ProjectImage& image) const;
    const ProjectImage* image(int64_t id) const { return project_.findImage(id); }
    int imageIndex(int64_t id) const;
    std::vector<ProjectAnnotation> annotationsOf(int64_t imageId) const;
    const ProjectAnnotation* annotation(int64_t id) const;
    const ProjectCategory* category(int64_t id) const { return project_.findCategory(id); }
    int64_t newAnnotationId();
    int64_t newCategoryId() const;

    // The prompt given to the model for a category (its name when it has none).
    static std::string promptOf(const ProjectCategory& c) { return c.prompt.empty() ? c.name : c.prompt; }

    // Raw setters for undo commands. Image status follows the annotations (Unlabelled when
    // none are left, Labelled when some appear) unless the command passes one.
    void setImageAnnotations(int64_t imageId, const std::vector<ProjectAnnotation>& annotations, ImageStatus status);
    void setCategories(const std::vector<ProjectCategory>& categories);
    // The proposals a person rejected on an image (issue 18's review records).
    void setImageRejected(int64_t imageId, const std::vector<RejectedProposal>& rejected);
    void addPhraseToHistory(const std::string& phrase);
    void setThreshold(double tau);
    // Not undoable, like the threshold: which model is in use is not an edit of the labels.
    void setModelHistory(const ModelHistory& history);

Q_SIGNALS:
    void documentReset();
    void annotationsChanged(int64_t imageId);
    void categoriesChanged();
    void dirtyChanged(bool dirty);
    // A change outside the undo stack (threshold, phrase history): for the autosave.
    void settingsChanged();
    void modelHistoryChanged();
    void saved(const QString& path);

private:
    Project project_;
    QString path_, imagesDir_;
    QUndoStack undo_;
    bool unsavedLoad_ = false;
    bool unsavedSettings_ = false;  // threshold or phrase history changed since the last save
    void markSettingsChanged();
    int64_t nextAnnotationId_ = 1;
};

}  // namespace ld
