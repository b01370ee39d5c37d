#include "ui/label_document.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace ld {

LabelDocument::LabelDocument(QObject* parent) : QObject(parent) {
    connect(&undo_, &QUndoStack::cleanChanged, this, [this] { Q_EMIT dirtyChanged(isDirty()); });
}

void LabelDocument::reset(Project project, const QString& path, const QString& imagesDir, bool unsaved) {
    undo_.clear();
    project_ = std::move(project);
    path_ = path;
    imagesDir_ = imagesDir;
    unsavedLoad_ = unsaved;
    unsavedSettings_ = false;
    nextAnnotationId_ = 1;
    for (const auto& a : project_.annotations) nextAnnotationId_ = std::max(nextAnnotationId_, a.id + 1);
    Q_EMIT documentReset();
    Q_EMIT dirtyChanged(isDirty());
}

void LabelDocument::save(const QString& path) {
    const QString target = path.isEmpty() ? path_ : path;
    Project copy = project_;
    // Image paths are stored relative to the project file's folder.
    const QDir projectDir = QFileInfo(target).absoluteDir();
    if (QFileInfo(projectDir.absolutePath()) != QFileInfo(imagesDir_)) {
        for (auto& img : copy.images)
            img.fileName = projectDir.relativeFilePath(QDir(imagesDir_).filePath(QString::fromStdString(img.fileName))).toStdString();
    }
    saveProject(copy, target.toStdString());
    if (target != path_) {
        project_ = std::move(copy);
        imagesDir_ = projectDir.absolutePath();
    }
    path_ = target;
    unsavedLoad_ = false;
    unsavedSettings_ = false;
    undo_.setClean();
    Q_EMIT dirtyChanged(isDirty());
    Q_EMIT saved(path_);
}

QString LabelDocument::imagePath(const ProjectImage& image) const {
    return QDir(imagesDir_).filePath(QString::fromStdString(image.fileName));
}

int LabelDocument::imageIndex(int64_t id) const {
    for (size_t i = 0; i < project_.images.size(); ++i)
        if (project_.images[i].id == id) return int(i);
    return -1;
}

std::vector<ProjectAnnotation> LabelDocument::annotationsOf(int64_t imageId) const {
    std::vector<ProjectAnnotation> out;
    for (const auto& a : project_.annotations)
        if (a.imageId == imageId) out.push_back(a);
    return out;
}

const ProjectAnnotation* LabelDocument::annotation(int64_t id) const {
    for (const auto& a : project_.annotations)
        if (a.id == id) return &a;
    return nullptr;
}

int64_t LabelDocument::newAnnotationId() { return nextAnnotationId_++; }

int64_t LabelDocument::newCategoryId() const {
    int64_t id = 1;
    for (const auto& c : project_.categories) id = std::max(id, c.id + 1);
    return id;
}

void LabelDocument::setImageAnnotations(int64_t imageId, const std::vector<ProjectAnnotation>& annotations,
                                        ImageStatus status) {
    auto& all = project_.annotations;
    // Keep the image's annotations where they were, so that ids stay in file order.
    auto first = std::find_if(all.begin(), all.end(), [&](const auto& a) { return a.imageId == imageId; });
    const auto at = first - all.begin();
    all.erase(std::remove_if(all.begin(), all.end(), [&](const auto& a) { return a.imageId == imageId; }), all.end());
    all.insert(all.begin() + std::min<std::ptrdiff_t>(at, std::ptrdiff_t(all.size())), annotations.begin(),
               annotations.end());
    for (const auto& a : annotations) nextAnnotationId_ = std::max(nextAnnotationId_, a.id + 1);
    for (auto& img : project_.images)
        if (img.id == imageId) img.status = status;
    Q_EMIT annotationsChanged(imageId);
}

void LabelDocument::setImageRejected(int64_t imageId, const std::vector<RejectedProposal>& rejected) {
    for (auto& img : project_.images)
        if (img.id == imageId) img.rejected = rejected;
    Q_EMIT annotationsChanged(imageId);
}

void LabelDocument::setCategories(const std::vector<ProjectCategory>& categories) {
    project_.categories = categories;
    Q_EMIT categoriesChanged();
}

void LabelDocument::addPhraseToHistory(const std::string& phrase) {
    auto& h = project_.phraseHistory;
    if (!h.empty() && h.back() == phrase) return;
    h.erase(std::remove(h.begin(), h.end(), phrase), h.end());
    h.push_back(phrase);
    // A long history is noise in the menu, and the project file keeps it.
    if (h.size() > 50) h.erase(h.begin(), h.begin() + std::ptrdiff_t(h.size() - 50));
    markSettingsChanged();
}

void LabelDocument::setThreshold(double tau) {
    if (project_.threshold == tau) return;
    project_.threshold = tau;
    markSettingsChanged();
}

void LabelDocument::setModelHistory(const ModelHistory& history) {
    if (project_.modelHistory == history) return;
    project_.modelHistory = history;
    Q_EMIT modelHistoryChanged();
    markSettingsChanged();
}

void LabelDocument::markSettingsChanged() {
    const bool was = isDirty();
    unsavedSettings_ = true;
    Q_EMIT settingsChanged();
    if (!was) Q_EMIT dirtyChanged(true);
}

}  // namespace ld
