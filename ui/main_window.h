#pragma once
// The labelling window: image browser, canvas with the trajectory strip under it, the
// prompt and sampler panels, menus with shortcuts, and a status bar with the running
// task, device, model, memory and last timing. It wires the document, the editor, the
// inference service, the batch labeller and the autosave together; each does its own job.
#include "core/formats/dataset_format.h"
#include "core/opened_project.h"
#include "core/project.h"
#include "ui/proposal.h"
#include "ui/segment_session.h"
#include "ui/segment_request.h"
#include "ui/task.h"

#include <QImage>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QAction;
class QLabel;
class QListWidget;
class QActionGroup;
class QKeySequence;
class QMenu;

namespace ld {

class AnnotationEditor;
class Autosave;
class BatchLabeler;
class ImageBrowser;
class ImageCanvas;
class InferenceService;
class LabelDocument;
class ProgressIndicator;
class PromptPanel;
class ReviewController;
class SamplerPanel;
class TaskManager;
class TaskProgress;
class UserPrompts;
class TrajectoryStrip;
struct BatchOptions;
struct Recovery;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // The open work, to carry it into a rebuilt window (undo history excepted).
    struct Snapshot {
        Project project;
        QString path, imagesDir;
        bool dirty = false;
        bool open = false;
        int imageIndex = -1;
        QString modelDir;
    };

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Snapshot snapshot() const;
    void restore(const Snapshot& snapshot);
    void storeSettings();

    // Opens a project file, a dataset file, or a folder (its project.labeldiff if there
    // is one) in the background; `opened` or `failed` follows.
    void openPath(const QString& path);
    // Loads a model directory on the inference thread; modelReady or failed follows.
    void loadModel(const QString& dir);
    // CPU threads for the model (0: the default policy); stored in the settings and
    // applied by reloading the model.
    void setCpuThreads(int threads);
    static int cpuThreads();
    // Segments phrases on the current image; the proposal follows (proposalReady).
    bool segment(const QStringList& phrases);
    void cancelSegment();
    bool acceptProposals();
    void rejectProposals();
    // Saves the project (atomic); a failure is reported and the document stays dirty.
    bool save(const QString& path = QString());
    // Exports through a registered dataset format in the background; exported or failed.
    void exportTo(const QString& format, const QString& path,
                  WriteOptions::Segmentation segmentation = WriteOptions::Segmentation::Rle);
    // Reads a dataset in a registered format to continue someone's work.
    void importFrom(const QString& format, const QString& path, const QString& imagesDir = QString());
    TaskProgress* startBatch(const BatchOptions& options);
    void restoreRecovery(const Recovery& recovery);
    // Offers the newest recovery file a crashed session left (through the prompts).
    void offerRecovery();
    // How questions are asked (dialogs; unattended answers that keep the work).
    void setPrompts(std::unique_ptr<UserPrompts> prompts);

    LabelDocument* document() const { return doc_; }
    AnnotationEditor* editor() const { return editor_; }
    InferenceService* inference() const { return service_; }
    Autosave* autosave() const { return autosave_; }
    // An error that escaped an action (GuardedApplication): the work is autosaved at once,
    // then the message is shown.
    void reportUncaught(const QString& message);
    ImageCanvas* canvas() const { return canvas_; }
    ImageBrowser* browser() const { return browser_; }
    ReviewController* review() const { return review_; }
    QListWidget* imageList() const;
    PromptPanel* promptPanel() const { return prompt_; }
    SamplerPanel* samplerPanel() const { return sampler_; }
    TrajectoryStrip* trajectory() const { return strip_; }
    ProgressIndicator* progressIndicator() const { return progress_; }
    TaskManager* tasks() const { return tasks_; }
    BatchLabeler* batchLabeler() const { return batch_; }
    const std::vector<Proposal>& proposals() const;
    SegmentSession* segmentSession() const { return segment_; }
    int currentImageIndex() const;
    int64_t currentImageId() const;
    QAction* action(const QString& objectName) const;

Q_SIGNALS:
    void opened();
    void failed(const QString& message);
    void imageShown(int index);
    void modelReady(const QString& name);
    void framesArrived(int count);
    void proposalReady();
    void segmentFinished(bool ok);
    void exported(const QString& path);
    void batchFinished(const QString& summary);
    void languageChangeRequested(const QString& code);

public Q_SLOTS:
    void showImage(int index);
    void nextImage();
    void previousImage();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    struct Rendered;
    void buildUi();
    void buildMenus();
    void buildFileMenu();
    void buildEditMenu();
    void buildViewMenu();
    void buildLabelMenu();
    void buildSettingsMenu();
    void buildTrainingMenu();
    void buildHelpMenu();
    void buildToolBar();
    QAction* addAction(QMenu* menu, const char* name, const QString& text, const QKeySequence& key,
                       std::function<void()> slot);
    void connectEngine();
    void startOpening(const QString& title, std::function<OpenedProject()> open);
    void onOpened(OpenedProject opened);
    void onRendered(const Rendered& rendered);
    void onRenderFailed(int index, const QString& message);
    // Shows the image asked for while another was being read; true when it did.
    bool takePendingImage(int renderedIndex);
    void showFirstImage();
    void refreshAnnotations();
    void refreshProposals();
    void onThreshold(double tau);
    void onSegmentEnded(SegmentSession::End end, const SegmentResultPtr& result, const QString& message);
    void report(const QString& message);
    void showModelInUse();
    void endLoadTask(const QString& message);
    bool maybeSave();
    void updateTitle();
    void updateMemory();
    void restoreSettings();
    void askBatch();
    void askExport();
    void askImport();
    QColor categoryColor(int64_t categoryId) const;

    LabelDocument* doc_;
    AnnotationEditor* editor_;
    InferenceService* service_;
    Autosave* autosave_;
    BatchLabeler* batch_;
    ImageCanvas* canvas_;
    ImageBrowser* browser_;
    ReviewController* review_ = nullptr;
    TrajectoryStrip* strip_;
    PromptPanel* prompt_;
    SamplerPanel* sampler_;
    ProgressIndicator* progress_;
    QLabel* statusDevice_;
    QLabel* statusModel_;
    QLabel* statusTiming_;
    QLabel* statusMemory_;
    QLabel* statusImage_;
    QTimer memoryTimer_;

    TaskManager* tasks_;
    std::unique_ptr<UserPrompts> prompts_;
    QPointer<Task> openTask_;
    QPointer<Task> renderTask_;
    QPointer<Task> exportTask_;
    int pendingIndex_ = -1;  // a request that arrived while another image was rendering
    int shownIndex_ = -1;

    SegmentSession* segment_ = nullptr;
    QPointer<TaskProgress> loadTask_;  // the model load in progress
};

}  // namespace ld
