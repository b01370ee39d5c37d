// Over 600 lines: the window's wiring (menus, docks, status bar, and the signals between the
// document, the segment session, the services and the panels); the work lives in those.
#include "ui/main_window.h"

#include "core/error.h"
#include "core/formats/folder_dataset.h"
#include "core/image.h"
#include "core/project.h"
#include "inference/pipeline/model_provenance.h"
#include "ui/annotation_editor.h"
#include "ui/autosave.h"
#include "ui/batch_dialog.h"
#include "ui/batch_labeler.h"
#include "ui/export_dialog.h"
#include "ui/image_browser.h"
#include "ui/image_canvas.h"
#include "ui/inference_service.h"
#include "ui/label_document.h"
#include "ui/model_manager.h"
#include "ui/model_registry.h"
#include "ui/language.h"
#include "ui/mask_image.h"
#include "ui/progress_indicator.h"
#include "ui/segment_session.h"
#include "ui/task.h"
#include "ui/task_manager.h"
#include "ui/user_prompts.h"
#include "ui/prompt_panel.h"
#include "ui/review_controller.h"
#include "ui/review_loop.h"
#include "ui/sampler_panel.h"
#include "ui/shortcuts_dialog.h"
#include "ui/task_progress.h"
#include "ui/training_panel.h"
#include "ui/trajectory_strip.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDialog>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QThread>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

#include <filesystem>

namespace ld {

// An image decoded off the GUI thread for the canvas.
struct MainWindow::Rendered {
    int index = -1;
    QImage image;
};

namespace {
constexpr int kSpeckArea = 16;  // pixels: "remove specks" removes islands smaller than this
}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), doc_(new LabelDocument(this)), editor_(new AnnotationEditor(doc_, this)),
      service_(new InferenceService(this)), autosave_(new Autosave(doc_, this)),
      batch_(new BatchLabeler(doc_, service_, this)), tasks_(new TaskManager(this)),
      prompts_(UserPrompts::makeDefault()) {
    buildUi();
    segment_ = new SegmentSession(doc_, editor_, service_, prompt_, this);
    buildMenus();
    connectEngine();
    restoreSettings();
    updateTitle();
}

MainWindow::~MainWindow() {
    // Background jobs hold only copies, but none may outlive the window.
    tasks_->cancelAll();
}

void MainWindow::setPrompts(std::unique_ptr<UserPrompts> prompts) { prompts_ = std::move(prompts); }

void MainWindow::buildUi() {
    canvas_ = new ImageCanvas;
    browser_ = new ImageBrowser(doc_);
    review_ = new ReviewController(doc_, this);
    strip_ = new TrajectoryStrip;
    prompt_ = new PromptPanel(doc_);
    sampler_ = new SamplerPanel;
    progress_ = new ProgressIndicator;

    auto* center = new QSplitter(Qt::Vertical);
    center->addWidget(canvas_);
    center->addWidget(strip_);
    center->setStretchFactor(0, 1);
    auto* splitter = new QSplitter;
    splitter->addWidget(browser_);
    splitter->addWidget(center);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);

    auto* promptDock = new QDockWidget(tr("Prompts"), this);
    promptDock->setObjectName(QStringLiteral("promptDock"));
    promptDock->setWidget(prompt_);
    addDockWidget(Qt::RightDockWidgetArea, promptDock);
    auto* samplerDock = new QDockWidget(tr("Sampler"), this);
    samplerDock->setObjectName(QStringLiteral("samplerDock"));
    samplerDock->setWidget(sampler_);
    addDockWidget(Qt::RightDockWidgetArea, samplerDock);

    statusDevice_ = new QLabel;
    statusModel_ = new QLabel(tr("no model"));
    statusTiming_ = new QLabel;
    statusMemory_ = new QLabel;
    statusImage_ = new QLabel;
    statusBar()->addPermanentWidget(progress_);
    for (QLabel* l : {statusImage_, statusModel_, statusDevice_, statusTiming_, statusMemory_})
        statusBar()->addPermanentWidget(l);
    memoryTimer_.setInterval(2000);
    connect(&memoryTimer_, &QTimer::timeout, this, &MainWindow::updateMemory);
    memoryTimer_.start();
    updateMemory();
    resize(1400, 900);
}

QAction* MainWindow::action(const QString& name) const { return findChild<QAction*>(name); }

QAction* MainWindow::addAction(QMenu* menu, const char* name, const QString& text, const QKeySequence& key,
                              std::function<void()> slot) {
    QAction* a = menu->addAction(text);
    a->setObjectName(QString::fromLatin1(name));
    if (!key.isEmpty()) a->setShortcut(key);
    connect(a, &QAction::triggered, this, std::move(slot));
    return a;
}

void MainWindow::buildMenus() {
    buildFileMenu();
    buildEditMenu();
    buildViewMenu();
    buildLabelMenu();
    buildSettingsMenu();
    buildTrainingMenu();
    buildHelpMenu();
    // These keys mean something else while typing a phrase or renaming: they act only
    // when the canvas (or the trajectory strip under it) has the focus.
    for (const char* name : {"accept", "reject", "delete"}) {
        QAction* a = action(QString::fromLatin1(name));
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        canvas_->addAction(a);
        strip_->addAction(a);
    }

    buildToolBar();
}

void MainWindow::buildFileMenu() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    addAction(file, "openFolder", tr("Open &Folder…"), QKeySequence::Open, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a folder of images or a dataset"),
                                                              QSettings().value(QStringLiteral("lastFolder")).toString());
        if (!dir.isEmpty()) openPath(dir);
    });
    addAction(file, "openFile", tr("Open &Project or Dataset…"), QKeySequence(tr("Ctrl+Shift+O")), [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Open a project or a dataset"), QString(),
                                                       tr("Projects and datasets (*.labeldiff *.json);;All files (*)"));
        if (!f.isEmpty()) openPath(f);
    });
    addAction(file, "save", tr("&Save"), QKeySequence::Save, [this] { save(); });
    addAction(file, "saveAs", tr("Save &As…"), QKeySequence::SaveAs, [this] {
        const QString f = QFileDialog::getSaveFileName(this, tr("Save the project"), doc_->path(), tr("Projects (*.labeldiff)"));
        if (!f.isEmpty()) save(f);
    });
    file->addSeparator();
    addAction(file, "import", tr("&Import…"), QKeySequence(tr("Ctrl+I")), [this] { askImport(); });
    addAction(file, "export", tr("&Export…"), QKeySequence(tr("Ctrl+E")), [this] { askExport(); });
    file->addSeparator();
    addAction(file, "quit", tr("&Quit"), QKeySequence::Quit, [this] { close(); });
}

void MainWindow::buildEditMenu() {
    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = doc_->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setObjectName(QStringLiteral("undo"));
    undo->setShortcut(QKeySequence::Undo);
    edit->addAction(undo);
    QAction* redo = doc_->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setObjectName(QStringLiteral("redo"));
    redo->setShortcuts({QKeySequence::Redo, QKeySequence(tr("Ctrl+Y"))});
    edit->addAction(redo);
    edit->addSeparator();
    addAction(edit, "accept", tr("&Accept Proposal"), QKeySequence(Qt::Key_Return), [this] { acceptProposals(); });
    addAction(edit, "reject", tr("&Reject Proposal"), QKeySequence(Qt::Key_Backspace), [this] { rejectProposals(); });
    edit->addSeparator();
    auto* tools = new QActionGroup(this);
    const auto tool = [&](const char* name, const QString& text, Qt::Key key, ImageCanvas::Tool t) {
        QAction* a = addAction(edit, name, text, QKeySequence(key), [this, t] { canvas_->setTool(t); });
        a->setCheckable(true);
        tools->addAction(a);
        return a;
    };
    tool("toolSelect", tr("&Select / Pan"), Qt::Key_V, ImageCanvas::Tool::Select)->setChecked(true);
    tool("toolBrush", tr("&Brush"), Qt::Key_B, ImageCanvas::Tool::Brush);
    tool("toolEraser", tr("&Eraser"), Qt::Key_E, ImageCanvas::Tool::Eraser);
    tool("toolPolygon", tr("&Polygon"), Qt::Key_P, ImageCanvas::Tool::Polygon);
    addAction(edit, "brushBigger", tr("Bigger Brush"), QKeySequence(Qt::Key_BracketRight), [this] { canvas_->setBrushRadius(canvas_->brushRadius() * 1.25); });
    addAction(edit, "brushSmaller", tr("Smaller Brush"), QKeySequence(Qt::Key_BracketLeft), [this] { canvas_->setBrushRadius(canvas_->brushRadius() / 1.25); });
    edit->addSeparator();
    addAction(edit, "fillHoles", tr("&Fill Holes"), QKeySequence(tr("Ctrl+H")), [this] { editor_->fillHoles(); });
    addAction(edit, "removeSpecks", tr("Remove Spec&ks"), QKeySequence(tr("Ctrl+K")), [this] { editor_->removeSpecks(kSpeckArea); });
    addAction(edit, "changeCategory", tr("&Change Category to Current"), QKeySequence(tr("Ctrl+G")), [this] {
        editor_->changeCategory(prompt_->currentCategory());
    });
    addAction(edit, "delete", tr("&Delete Annotation"), QKeySequence::Delete, [this] { editor_->remove(); });
    addAction(edit, "markReviewed", tr("Mark Image &Reviewed"), QKeySequence(Qt::Key_R), [this] { editor_->markReviewed(); });
    // The review queue (issue 18): one keystroke per image, most uncertain first.
    addAction(edit, "nextUncertain", tr("&Next Uncertain Image"), QKeySequence(Qt::Key_N), [this] { review_->goToNextUncertain(); });
    addAction(edit, "acceptAndNext", tr("Accept Image and Next &Uncertain"), QKeySequence(Qt::Key_Space),
        [this] { review_->acceptAndNext(); });
}

void MainWindow::buildViewMenu() {
    QMenu* view = menuBar()->addMenu(tr("&View"));
    addAction(view, "zoomFit", tr("Zoom to &Fit"), QKeySequence(Qt::Key_F), [this] { canvas_->zoomToFit(); });
    addAction(view, "zoomActual", tr("&Actual Size"), QKeySequence(Qt::Key_1), [this] { canvas_->zoomActualSize(); });
    addAction(view, "zoomIn", tr("Zoom &In"), QKeySequence::ZoomIn, [this] { canvas_->zoomBy(1.25); });
    addAction(view, "zoomOut", tr("Zoom &Out"), QKeySequence::ZoomOut, [this] { canvas_->zoomBy(0.8); });
    view->addSeparator();
    const auto toggle = [&](const char* name, const QString& text, const QKeySequence& key, bool on, auto&& apply) {
        QAction* a = view->addAction(text);
        a->setObjectName(QString::fromLatin1(name));
        a->setCheckable(true);
        a->setChecked(on);
        if (!key.isEmpty()) a->setShortcut(key);
        connect(a, &QAction::toggled, this, apply);
        return a;
    };
    toggle("showAnnotations", tr("Show &Annotations"), QKeySequence(Qt::Key_A), true, [this](bool on) { canvas_->setAnnotationsVisible(on); });
    toggle("showFill", tr("F&ill Masks"), QKeySequence(tr("Shift+F")), true, [this](bool on) { canvas_->setFill(on); });
    toggle("showOutline", tr("&Outlines"), QKeySequence(Qt::Key_O), true, [this](bool on) { canvas_->setOutline(on); });
    toggle("showSoft", tr("&Soft Mask Layer"), QKeySequence(Qt::Key_M), false, [this](bool on) { canvas_->setSoftMaskVisible(on); });
    toggle("showUncertainty", tr("&Uncertainty Layer"), QKeySequence(Qt::Key_U), false, [this](bool on) { canvas_->setUncertaintyVisible(on); });
    toggle("highlightUncertain", tr("&Highlight Uncertain Proposals"), QKeySequence(tr("Shift+U")), true,
           [this](bool on) { canvas_->setHighlightUncertain(on); });
    addAction(view, "moreOpaque", tr("More Opaque"), QKeySequence(tr("Shift+Up")), [this] { canvas_->setFillOpacity(canvas_->fillOpacity() + 0.1); });
    addAction(view, "lessOpaque", tr("Less Opaque"), QKeySequence(tr("Shift+Down")), [this] { canvas_->setFillOpacity(canvas_->fillOpacity() - 0.1); });
    view->addSeparator();
    addAction(view, "nextImage", tr("&Next Image"), QKeySequence(Qt::Key_D), [this] { nextImage(); });
    addAction(view, "previousImage", tr("&Previous Image"), QKeySequence(Qt::Key_S), [this] { previousImage(); });
    addAction(view, "playTrajectory", tr("Play &Trajectory"), QKeySequence(Qt::Key_T), [this] { strip_->play(); });
}

void MainWindow::buildLabelMenu() {
    QMenu* label = menuBar()->addMenu(tr("&Label"));
    addAction(label, "segment", tr("&Segment Phrase"), QKeySequence(tr("Ctrl+Return")), [this] {
        if (!prompt_->phrase().isEmpty()) segment({prompt_->phrase()});
    });
    addAction(label, "segmentCategories", tr("Segment All &Categories"), QKeySequence(tr("Ctrl+Shift+Return")), [this] {
        QStringList all;
        for (const auto& c : doc_->project().categories) all << QString::fromStdString(LabelDocument::promptOf(c));
        if (!all.isEmpty()) segment(all);
    });
    addAction(label, "cancel", tr("&Cancel"), QKeySequence(Qt::Key_Escape), [this] {
        if (progress_->task()) progress_->task()->requestCancel();
    });
    addAction(label, "newSeed", tr("&New Seed"), QKeySequence(tr("Ctrl+R")), [this] { sampler_->newSeed(); });
    addAction(label, "batch", tr("&Label All Images…"), QKeySequence(tr("Ctrl+L")), [this] { askBatch(); });
}

void MainWindow::buildSettingsMenu() {
    QMenu* settings = menuBar()->addMenu(tr("&Settings"));
    QMenu* language = settings->addMenu(tr("&Language"));
    auto* languages = new QActionGroup(this);
    const QString current = savedLanguage();
    for (const QString& code : availableLanguages()) {
        QAction* a = language->addAction(languageName(code));
        a->setCheckable(true);
        a->setChecked(code == current || (current.isEmpty() && code == QLatin1String("en")));
        languages->addAction(a);
        connect(a, &QAction::triggered, this, [this, code] { Q_EMIT languageChangeRequested(code); });
    }
    settings->addAction(tr("CPU &threads…"), this, [this] {
        const int cores = std::max(1, QThread::idealThreadCount());
        bool ok = false;
        const int n = QInputDialog::getInt(this, tr("CPU threads"),
                                           tr("Threads for the model on the CPU (0: automatic, the cores other programs leave free, "
                                              "up to %n, chosen again for each image):",
                                              nullptr, cores),
                                           cpuThreads(), 0, cores, 1, &ok);
        if (ok) setCpuThreads(n);
    });
}

void MainWindow::buildTrainingMenu() {
    // Training panel and model manager: docks, hidden until asked for. Training runs on
    // the panel's own thread; "make active" loads the model through the inference service.
    auto* registry = new ModelRegistry(this);
    auto* training = new TrainingPanel(registry);
    training->setProjectProvider([this] { return TrainingPanel::ProjectSnapshot{doc_->project(), doc_->imagesDir()}; });
    auto* trainingDock = new QDockWidget(tr("Training"), this);
    trainingDock->setObjectName(QStringLiteral("trainingDock"));
    trainingDock->setWidget(training);
    addDockWidget(Qt::BottomDockWidgetArea, trainingDock);
    trainingDock->hide();
    auto* manager = new ModelManager(registry);
    auto* managerDock = new QDockWidget(tr("Models"), this);
    managerDock->setObjectName(QStringLiteral("modelManagerDock"));
    managerDock->setWidget(manager);
    addDockWidget(Qt::RightDockWidgetArea, managerDock);
    managerDock->hide();
    connect(training, &TrainingPanel::makeActiveRequested, this, [this](const QString& dir) { loadModel(dir); });
    connect(training, &TrainingPanel::taskStarted, tasks_, &TaskManager::track);
    connect(manager, &ModelManager::activateRequested, this, [this](const QString& dir) { loadModel(dir); });
    connect(service_, &InferenceService::modelLoaded, training, [this, training] { training->setActiveModel(service_->modelDir()); });
    QMenu* train = menuBar()->addMenu(tr("&Training"));
    QAction* showTraining = trainingDock->toggleViewAction();
    showTraining->setObjectName(QStringLiteral("trainingPanel"));
    showTraining->setText(tr("&Training Panel"));
    showTraining->setShortcut(QKeySequence(tr("Ctrl+Shift+T")));
    train->addAction(showTraining);
    QAction* showModels = managerDock->toggleViewAction();
    showModels->setObjectName(QStringLiteral("modelManager"));
    showModels->setText(tr("&Model Manager"));
    showModels->setShortcut(QKeySequence(tr("Ctrl+Shift+M")));
    train->addAction(showModels);
    // "Improve the model from my reviews" and the project's model history (issue 18).
    new ReviewLoop(this, train);
}

void MainWindow::buildHelpMenu() {
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    addAction(help, "shortcuts", tr("&Keyboard Shortcuts"), QKeySequence(Qt::Key_F1), [this] {
        ShortcutsDialog(menuBar(), this).exec();
    });
    addAction(help, "about", tr("&About LabelDiff"), QKeySequence(), [this] {
        QMessageBox::about(this, tr("About LabelDiff"),
                           tr("LabelDiff %1\nLabel images by text prompt with label diffusion.").arg(QApplication::applicationVersion()));
    });
}

void MainWindow::buildToolBar() {
    auto* toolbar = addToolBar(tr("Tools"));
    toolbar->setObjectName(QStringLiteral("tools"));
    for (const char* name : {"toolSelect", "toolBrush", "toolEraser", "toolPolygon"}) toolbar->addAction(action(QString::fromLatin1(name)));
    toolbar->addSeparator();
    for (const char* name : {"segment", "accept", "reject", "cancel"}) toolbar->addAction(action(QString::fromLatin1(name)));
    toolbar->addSeparator();
    for (const char* name : {"undo", "redo"}) toolbar->addAction(action(QString::fromLatin1(name)));
    auto* brushSize = new QSpinBox;
    brushSize->setRange(1, 500);
    brushSize->setPrefix(tr("brush "));
    brushSize->setSuffix(tr(" px"));
    brushSize->setValue(int(canvas_->brushRadius()));
    toolbar->addWidget(brushSize);
    connect(brushSize, &QSpinBox::valueChanged, this, [this](int v) { canvas_->setBrushRadius(v); });
    connect(canvas_, &ImageCanvas::brushRadiusChanged, brushSize, [brushSize](double r) {
        QSignalBlocker b(brushSize);
        brushSize->setValue(int(std::lround(r)));
    });
}

void MainWindow::connectEngine() {
    connect(browser_, &ImageBrowser::currentChanged, this, &MainWindow::showImage);
    connect(review_, &ReviewController::showImage, this, [this](int64_t id) { browser_->setCurrentIndex(doc_->imageIndex(id)); });
    connect(review_, &ReviewController::queueEmpty, this,
            [this] { statusBar()->showMessage(tr("No proposals left to review."), 5000); });
    // One indicator for every task; a model load starting beside a batch or a segment run
    // leaves the indicator to what the person is waiting for.
    connect(tasks_, &TaskManager::started, this, [this](TaskProgress* t) {
        if (t != loadTask_ || !progress_->task() || progress_->task()->isFinished()) progress_->track(t);
    });

    connect(doc_, &LabelDocument::annotationsChanged, this, [this](int64_t id) {
        if (id == currentImageId()) refreshAnnotations();
    });
    connect(doc_, &LabelDocument::categoriesChanged, this, [this] {
        refreshAnnotations();
        refreshProposals();
    });
    connect(doc_, &LabelDocument::dirtyChanged, this, &MainWindow::updateTitle);
    connect(doc_, &LabelDocument::saved, this, &MainWindow::updateTitle);
    connect(editor_, &AnnotationEditor::selectionChanged, canvas_, &ImageCanvas::setSelected);
    connect(canvas_, &ImageCanvas::clicked, editor_, &AnnotationEditor::select);
    connect(canvas_, &ImageCanvas::strokeFinished, this, [this](const QVector<QPointF>& pts, double radius, bool erase) {
        std::vector<StrokePoint> points;
        for (const QPointF& p : pts) points.push_back({p.x(), p.y()});
        editor_->stroke(points, radius, erase, prompt_->currentCategory());
    });
    connect(canvas_, &ImageCanvas::polygonFinished, this, [this](const QVector<QPointF>& pts) {
        std::vector<StrokePoint> points;
        for (const QPointF& p : pts) points.push_back({p.x(), p.y()});
        editor_->polygon(points, prompt_->currentCategory());
    });
    connect(autosave_, &Autosave::failed, this, [this](const QString& m) { statusBar()->showMessage(m, 10000); });

    connect(prompt_, &PromptPanel::segmentPhrase, this, [this](const QString& p) { segment({p}); });
    connect(prompt_, &PromptPanel::segmentPhrases, this, [this](const QStringList& p) { segment(p); });
    connect(sampler_, &SamplerPanel::loadModelRequested, this, [this](const QString& dir) { loadModel(dir); });
    connect(sampler_, &SamplerPanel::thresholdChanged, this, &MainWindow::onThreshold);

    connect(service_, &InferenceService::modelLoaded, this, [this](const QString& name, const QString& device) {
        endLoadTask(tr("loaded"));
        statusModel_->setText(tr("model: %1").arg(name));
        statusDevice_->setText(device.startsWith(QLatin1String("cpu"))
                                   ? tr("device: %1, %n thread(s)", nullptr, service_->threads()).arg(device)
                                   : tr("device: %1").arg(device));
        sampler_->setModelStatus(tr("%1 on %2").arg(name, device));
        statusBar()->showMessage(tr("Model %1 loaded").arg(name), 5000);
        if (const ProjectImage* img = doc_->image(currentImageId())) service_->prepare(doc_->imagePath(*img));
        Q_EMIT modelReady(name);
    });
    connect(service_, &InferenceService::modelFailed, this, [this](const QString&, const QString& message) {
        endLoadTask(tr("failed"));
        showModelInUse();
        report(service_->hasModel() ? tr("%1\n\nStill using %2.").arg(message, service_->modelName()) : message);
    });
    // Announced after modelLoaded's own message, which it replaces.
    connect(service_, &InferenceService::deviceNote, this, [this](const QString& note) {
        statusBar()->showMessage(note, 15000);
        sampler_->setModelStatus(tr("%1 on %2").arg(service_->modelName(), service_->device()) + QStringLiteral(" — ") + note);
    });
    connect(service_, &InferenceService::modelLoadCancelled, this, [this](const QString& dir) {
        endLoadTask(tr("cancelled"));
        showModelInUse();
        statusBar()->showMessage(tr("Loading %1 cancelled").arg(QDir::toNativeSeparators(dir)), 5000);
    });
    connect(segment_, &SegmentSession::started, this, [this] {
        strip_->clear();
        strip_->setLive(true);
    });
    connect(segment_, &SegmentSession::framesArrived, this, [this](const QVector<TrajectoryImage>& frames) {
        strip_->addFrames(frames);
        if (frames.back().phraseIndex == 0) canvas_->setTrajectoryFrame(frames.back().x0);
        Q_EMIT framesArrived(int(frames.size()));
    });
    connect(segment_, &SegmentSession::proposalsChanged, this, &MainWindow::refreshProposals);
    connect(segment_, &SegmentSession::ended, this, &MainWindow::onSegmentEnded);
    connect(strip_, &TrajectoryStrip::frameSelected, this, [this](const QImage& x0) {
        // Scrubbing shows the step over the image; at the last step the proposal speaks.
        if (strip_->isLive()) return;
        const bool last = strip_->currentStep() == strip_->frameCount() - 1;
        canvas_->setTrajectoryFrame(last && !segment_->proposals().empty() ? QImage() : x0);
    });
    connect(batch_, &BatchLabeler::finished, this, [this](const QString& summary) {
        statusBar()->showMessage(summary, 10000);
        Q_EMIT batchFinished(summary);
    });
}


void MainWindow::reportUncaught(const QString& message) {
    autosave_->saveNow();
    report(message);
}

void MainWindow::report(const QString& message) {
    statusBar()->showMessage(message, 15000);
    Q_EMIT failed(message);
    prompts_->warn(this, message);
}

// ---- opening ---------------------------------------------------------------------------

void MainWindow::openPath(const QString& path) {
    if (!maybeSave()) return;
    const std::string p = QFileInfo(path).absoluteFilePath().toStdString();
    startOpening(tr("Opening %1").arg(QDir::toNativeSeparators(path)), [p] { return openProjectOrDataset(p); });
}

void MainWindow::startOpening(const QString& title, std::function<OpenedProject()> open) {
    if (openTask_) openTask_->cancel();
    statusBar()->showMessage(title + QStringLiteral("…"));
    openTask_ = tasks_->create(title, this);
    connect(openTask_, &Task::failed, this, &MainWindow::report);
    runTask<OpenedProject>(openTask_, [open](TaskContext&) { return open(); },
                           [this](OpenedProject r) { onOpened(std::move(r)); });
}

void MainWindow::onOpened(OpenedProject r) {
    // Every image left out (too large, unreadable): say which, rather than open nothing.
    if (r.project.images.empty() && !r.warnings.empty()) {
        QStringList why;
        for (const auto& [what, n] : r.warnings.all()) why << QString::fromStdString(what);
        return report(tr("Nothing to open in %1: %2")
                          .arg(QDir::toNativeSeparators(QString::fromStdString(r.imagesDir)), why.join(QStringLiteral("; "))));
    }
    segment_->setImage(0);
    strip_->clear();
    canvas_->clearImage();
    shownIndex_ = -1;
    const QString imagesDir = QString::fromStdString(r.imagesDir);
    doc_->reset(std::move(r.project), QString::fromStdString(r.projectPath), imagesDir, r.unsaved);
    QSettings().setValue(QStringLiteral("lastFolder"), imagesDir);
    QString message = tr("%n image(s)", nullptr, int(doc_->project().images.size()));
    if (!r.warnings.empty())
        message += tr(", %n warning(s) while reading: %1", nullptr, r.warnings.total())
                       .arg(QString::fromStdString(r.warnings.all().begin()->first));
    statusBar()->showMessage(message, 10000);
    {
        // Showing the project's τ is not an edit of it.
        QSignalBlocker block(sampler_);
        sampler_->setThreshold(doc_->project().threshold);
    }
    Q_EMIT opened();
    showFirstImage();
}

void MainWindow::showFirstImage() {
    if (doc_->project().images.empty()) return;
    // The list may already have row 0 current, and then it would not signal a change.
    if (browser_->currentIndex() == 0) showImage(0);
    else browser_->setCurrentIndex(0);
}

QListWidget* MainWindow::imageList() const { return browser_->list(); }
int MainWindow::currentImageIndex() const { return shownIndex_ >= 0 ? shownIndex_ : browser_->currentIndex(); }
int64_t MainWindow::currentImageId() const {
    const int i = currentImageIndex();
    const auto& images = doc_->project().images;
    return i >= 0 && i < int(images.size()) ? images[size_t(i)].id : 0;
}

void MainWindow::showImage(int index) {
    const auto& images = doc_->project().images;
    if (index < 0 || index >= int(images.size())) return;
    if (renderTask_ && renderTask_->isRunning()) {
        pendingIndex_ = index;
        return;
    }
    const std::string path = doc_->imagePath(images[size_t(index)]).toStdString();
    // Not announced: decoding one image is over before a progress bar would mean anything.
    renderTask_ = new Task(tr("Reading image"), this, tasks_->pool());
    connect(renderTask_, &Task::failed, this, [this, index](const QString& message) { onRenderFailed(index, message); });
    runTask<Rendered>(renderTask_, [path, index](TaskContext&) {
        Rendered r;
        r.index = index;
        const cv::Mat rgb = loadImageRgb(path);
        r.image = QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
        if (r.image.isNull()) throw Error(path, "too large to display");
        return r;
    }, [this](Rendered r) { onRendered(r); });
}

bool MainWindow::takePendingImage(int renderedIndex) {
    if (pendingIndex_ < 0) return false;
    const int next = pendingIndex_;
    pendingIndex_ = -1;
    if (next == renderedIndex) return false;
    showImage(next);
    return true;
}

void MainWindow::onRenderFailed(int index, const QString& message) {
    if (takePendingImage(index) || index >= int(doc_->project().images.size())) return;
    canvas_->clearImage();
    shownIndex_ = index;
    editor_->setImage(0);
    report(message);
}

void MainWindow::onRendered(const Rendered& rendered) {
    if (takePendingImage(rendered.index)) return;
    if (rendered.index >= int(doc_->project().images.size())) return;  // a stale answer for a closed project
    strip_->clear();
    shownIndex_ = rendered.index;
    const ProjectImage& img = doc_->project().images[size_t(rendered.index)];
    canvas_->setImage(rendered.image);
    segment_->setImage(img.id);  // a running segmentation was for the previous image
    editor_->setImage(img.id);
    review_->setCurrentImage(img.id);
    refreshAnnotations();
    statusImage_->setText(tr("%1  %2 × %3").arg(QString::fromStdString(img.fileName)).arg(rendered.image.width()).arg(rendered.image.height()));
    if (service_->hasModel()) service_->prepare(doc_->imagePath(img));
    Q_EMIT imageShown(rendered.index);
}

void MainWindow::nextImage() { browser_->step(+1); }
void MainWindow::previousImage() { browser_->step(-1); }

QColor MainWindow::categoryColor(int64_t categoryId) const {
    if (const ProjectCategory* c = doc_->category(categoryId)) return QColor(c->color[0], c->color[1], c->color[2]);
    return QColor(0, 200, 255);
}

void MainWindow::refreshAnnotations() {
    const int64_t id = currentImageId();
    const ProjectImage* img = doc_->image(id);
    if (!img || !canvas_->hasImage()) return;
    std::vector<CanvasAnnotation> items;
    for (const ProjectAnnotation& a : doc_->annotationsOf(id)) {
        CanvasAnnotation c;
        c.id = a.id;
        try {
            c.mask = toMask(a.segmentation, canvas_->image().height(), canvas_->image().width());
        } catch (const std::exception& e) {
            statusBar()->showMessage(QString::fromStdString(e.what()), 10000);
            continue;
        }
        c.color = categoryColor(a.categoryId);
        const ProjectCategory* cat = doc_->category(a.categoryId);
        c.label = cat ? QString::fromStdString(cat->name) : QString();
        c.unreviewed = a.provenance.source == Provenance::Source::Model && !a.provenance.reviewed;
        if (c.unreviewed) c.label += tr(" (model, not reviewed)");
        if (a.provenance.uncertainty) c.disagreement = a.provenance.uncertainty->disagreement;
        items.push_back(std::move(c));
    }
    canvas_->setAnnotations(std::move(items));
    canvas_->setSelected(editor_->selected());
}

// ---- segmenting ------------------------------------------------------------------------

bool MainWindow::segment(const QStringList& phrases) {
    const ProjectImage* img = doc_->image(currentImageId());
    if (!img || !canvas_->hasImage()) {
        report(tr("Open an image to segment first."));
        return false;
    }
    if (!service_->hasModel()) {
        report(service_->isLoading() ? tr("The model is still loading.")
                                     : tr("No model is loaded: choose a model directory in the sampler settings."));
        return false;
    }
    if (phrases.isEmpty()) return false;
    if (sampler_->autoNewSeed()) sampler_->newSeed();
    SegmentRequest r;
    r.imagePath = doc_->imagePath(*img);
    r.imageId = img->id;
    for (const QString& p : phrases) r.phrases.push_back(p.simplified().toStdString());
    r.settings = sampler_->settings();
    // τ is the panel's until the result says what the model card prefers.
    r.settings.threshold = -1;
    tasks_->track(segment_->start(std::move(r)));
    return true;
}

void MainWindow::cancelSegment() { segment_->cancel(); }
const std::vector<Proposal>& MainWindow::proposals() const { return segment_->proposals(); }

void MainWindow::onSegmentEnded(SegmentSession::End end, const SegmentResultPtr& result, const QString& message) {
    strip_->setLive(false);
    if (end == SegmentSession::End::Cancelled) {
        statusBar()->showMessage(tr("Segmentation cancelled"), 5000);
        return Q_EMIT segmentFinished(false);
    }
    canvas_->setTrajectoryFrame({});
    if (end == SegmentSession::End::Failed) report(message);
    if (end != SegmentSession::End::Proposed) return Q_EMIT segmentFinished(false);
    const Proposal& first = segment_->proposals().front();
    // The model card's per-class τ for the first phrase becomes the slider's value.
    {
        QSignalBlocker block(sampler_);
        sampler_->setThreshold(first.tau);
    }
    QVector<QImage> members;
    for (const SoftMask& m : first.members) members.push_back(grayImage(m));
    SoftMask disagreement = first.uncertainty;
    // A standard deviation of 0.5 is total disagreement: scale it to the full grey range.
    if (!disagreement.empty()) disagreement = SoftMask::fromMat(disagreement.mat() * 2.0);
    strip_->setMembers(members, grayImage(disagreement));
    const auto& phrases = result->segmentation.phrases;
    const SegmentTimings& t = phrases.front().timings;
    statusTiming_->setText(tr("last: %1 ms (%2 ms/step)").arg(result->totalMs, 0, 'f', 0).arg(t.meanStepMs(), 0, 'f', 1));
    QStringList absent;
    for (const PhraseSegmentation& s : phrases)
        if (!s.present)
            absent << tr("'%1' (confidence %2 < %3)")
                          .arg(QString::fromStdString(s.phrase))
                          .arg(s.presence, 0, 'f', 2)
                          .arg(s.settings.presence, 0, 'f', 2);
    if (!absent.isEmpty())
        statusBar()->showMessage(tr("Not found: %1. Move τ to see the model's mask anyway.").arg(absent.join(", ")), 10000);
    strip_->scrubTo(strip_->frameCount() - 1);
    Q_EMIT proposalReady();
    Q_EMIT segmentFinished(true);
}

void MainWindow::refreshProposals() {
    const std::vector<Proposal>& proposals = segment_->proposals();
    std::vector<CanvasAnnotation> items;
    for (const Proposal& p : proposals) {
        CanvasAnnotation c;
        c.mask = p.mask;
        c.color = p.categoryId ? categoryColor(p.categoryId) : categoryColor(prompt_->currentCategory());
        items.push_back(std::move(c));
    }
    canvas_->setProposals(items);
    const Proposal* first = proposals.empty() ? nullptr : &proposals.front();
    canvas_->setSoftMask(first ? first->soft : SoftMask());
    canvas_->setUncertainty(first ? first->uncertainty : SoftMask());
    sampler_->setSoftMask(first ? first->soft : SoftMask());
}

void MainWindow::onThreshold(double tau) {
    doc_->setThreshold(tau);
    segment_->setThreshold(tau);
}

bool MainWindow::acceptProposals() { return segment_->accept(); }
void MainWindow::rejectProposals() { segment_->reject(); }

// ---- saving, exporting, importing ------------------------------------------------------

bool MainWindow::save(const QString& path) {
    if (doc_->path().isEmpty() && path.isEmpty()) return false;
    try {
        doc_->save(path);
    } catch (const std::exception& e) {
        report(tr("The project was not saved: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(doc_->path())), 5000);
    return true;
}

void MainWindow::exportTo(const QString& formatName, const QString& path, WriteOptions::Segmentation segmentation) {
    const DatasetFormat* format = findDatasetFormat(formatName.toStdString());
    if (!format || !(format->capabilities() & DatasetFormat::Write))
        return report(tr("Unknown export format “%1”").arg(formatName));
    if (exportTask_) return report(tr("An export is already running."));
    const Project project = doc_->project();
    const std::string imagesDir = doc_->imagesDir().toStdString();
    const std::string out = path.toStdString();
    exportTask_ = tasks_->create(tr("Exporting %1").arg(QFileInfo(path).fileName()), this);
    connect(exportTask_, &Task::failed, this, &MainWindow::report);
    connect(exportTask_, &Task::succeeded, this, [this, path] {
        statusBar()->showMessage(tr("Exported %1").arg(QDir::toNativeSeparators(path)), 8000);
        Q_EMIT exported(path);
    });
    exportTask_->start([format, project, imagesDir, out, segmentation](TaskContext&) {
        WriteOptions o;
        o.segmentation = segmentation;
        o.imagesDir = imagesDir;
        format->write(projectToDataset(project, imagesDir), out, o);
    });
}

void MainWindow::importFrom(const QString& formatName, const QString& path, const QString& imagesDir) {
    const DatasetFormat* format = findDatasetFormat(formatName.toStdString());
    if (!format || !(format->capabilities() & DatasetFormat::Read))
        return report(tr("Unknown import format “%1”").arg(formatName));
    if (!maybeSave()) return;
    const std::string p = path.toStdString();
    const std::string dir = imagesDir.toStdString();
    startOpening(tr("Importing %1").arg(QDir::toNativeSeparators(path)),
                 [format, p, dir] { return importDataset(*format, p, dir); });
}

void MainWindow::askExport() {
    ExportDialog d(this);
    if (d.exec() != QDialog::Accepted) return;
    const QString out = QFileDialog::getSaveFileName(this, tr("Export to"), doc_->imagesDir());
    if (!out.isEmpty()) exportTo(d.format(), out, d.segmentation());
}

void MainWindow::askImport() {
    QStringList filters;
    QStringList names;
    for (const DatasetFormat* f : datasetFormats()) {
        if (!(f->capabilities() & DatasetFormat::Read)) continue;
        filters << QString::fromStdString(f->description()) + QStringLiteral(" (*)");
        names << QString::fromStdString(f->name());
    }
    QString chosen;
    const QString path = QFileDialog::getOpenFileName(this, tr("Import annotations"), doc_->imagesDir(),
                                                      filters.join(QStringLiteral(";;")), &chosen);
    if (path.isEmpty()) return;
    const int i = int(filters.indexOf(chosen));
    importFrom(i >= 0 ? names[i] : QString(), path);
}

TaskProgress* MainWindow::startBatch(const BatchOptions& options) {
    QString error;
    TaskProgress* task = batch_->start(options, &error);
    if (!task) {
        report(error);
        return nullptr;
    }
    tasks_->track(task);
    return task;
}

void MainWindow::askBatch() {
    BatchDialog d(this);
    if (d.exec() != QDialog::Accepted) return;
    BatchOptions o;
    o.unannotatedOnly = d.unannotatedOnly();
    o.keepExisting = d.keepExisting();
    o.settings = sampler_->settings();
    o.settings.keepMembers = false;
    // The same task in a window of its own: progress, ETA and Cancel.
    if (TaskProgress* task = startBatch(o)) BatchDialog::follow(task, this);
}

// ---- recovery, closing, settings -------------------------------------------------------

void MainWindow::restoreRecovery(const Recovery& recovery) {
    try {
        Project p = Autosave::load(recovery);
        rejectProposals();
        canvas_->clearImage();
        shownIndex_ = -1;
        doc_->reset(std::move(p), recovery.projectPath, recovery.imagesDir, true);
        // The old file goes only once the restored state is in this instance's own autosave
        // (usually the same file, rewritten): a crash right now must not lose it.
        if (autosave_->saveNow() && autosave_->recoveryFile() != recovery.file) QFile::remove(recovery.file);
        // No image is opened for the person: the one on screen when LabelDiff stopped may be
        // what stopped it.
        statusBar()->showMessage(tr("Restored the autosave of %1. Pick an image to go on.")
                                     .arg(QDir::toNativeSeparators(recovery.projectPath)),
                                 10000);
        Q_EMIT opened();
    } catch (const std::exception& e) {
        report(tr("The autosave could not be restored: %1").arg(QString::fromStdString(e.what())));
    }
}

void MainWindow::offerRecovery() {
    const QList<Recovery> all = Autosave::pending();
    if (all.isEmpty()) return;
    const Recovery& r = all.front();
    const auto answer = prompts_->askRestore(this, r);
    if (answer == UserPrompts::RecoveryChoice::Discard) QFile::remove(r.file);
    if (answer == UserPrompts::RecoveryChoice::Restore) restoreRecovery(r);
}

bool MainWindow::maybeSave() {
    if (!doc_->isDirty()) return true;
    switch (prompts_->askSaveChanges(this)) {
        case UserPrompts::SaveChoice::Cancel: return false;
        case UserPrompts::SaveChoice::Save: return save();
        case UserPrompts::SaveChoice::KeepInRecovery:
            // No one to ask: the work stays in the recovery file rather than being lost.
            autosave_->saveNow();
            return true;
        case UserPrompts::SaveChoice::Discard: break;
    }
    autosave_->discard();
    return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    if (!doc_->isDirty()) autosave_->discard();
    storeSettings();
    // Stop sampling now; the service joins its thread when the window is destroyed.
    service_->cancelAll();
    event->accept();
}

void MainWindow::updateTitle() {
    const QString name = doc_->path().isEmpty() ? tr("LabelDiff") : QFileInfo(doc_->imagesDir()).fileName();
    setWindowTitle(tr("%1%2 — LabelDiff").arg(name, doc_->isDirty() ? QStringLiteral(" *") : QString()));
}

void MainWindow::updateMemory() {
    // Resident set size from /proc (Linux); elsewhere the label stays empty.
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly)) return;
    const QList<QByteArray> parts = f.readAll().split(' ');
    if (parts.size() < 2) return;
    const double mb = parts[1].toDouble() * 4096.0 / (1024.0 * 1024.0);
    statusMemory_->setText(tr("memory: %1 MB").arg(mb, 0, 'f', 0));
}

void MainWindow::restoreSettings() {
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    sampler_->loadSettings();
    if (auto* t = findChild<TrainingPanel*>()) t->loadSettings();
    for (const char* name : {"showAnnotations", "showFill", "showOutline", "showSoft", "showUncertainty"}) {
        const QString key = QStringLiteral("view/") + QString::fromLatin1(name);
        if (s.contains(key)) action(QString::fromLatin1(name))->setChecked(s.value(key).toBool());
    }
    canvas_->setFillOpacity(s.value(QStringLiteral("view/opacity"), 0.45).toDouble());
    canvas_->setBrushRadius(s.value(QStringLiteral("edit/brushRadius"), 8.0).toDouble());
    autosave_->setInterval(s.value(QStringLiteral("autosaveMs"), Autosave::kDefaultIntervalMs).toInt());
}

void MainWindow::storeSettings() {
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    sampler_->saveSettings();
    if (auto* t = findChild<TrainingPanel*>()) t->saveSettings();
    for (const char* name : {"showAnnotations", "showFill", "showOutline", "showSoft", "showUncertainty"})
        s.setValue(QStringLiteral("view/") + QString::fromLatin1(name), action(QString::fromLatin1(name))->isChecked());
    s.setValue(QStringLiteral("view/opacity"), canvas_->fillOpacity());
    s.setValue(QStringLiteral("edit/brushRadius"), canvas_->brushRadius());
}

MainWindow::Snapshot MainWindow::snapshot() const {
    Snapshot s;
    s.open = !doc_->path().isEmpty();
    s.project = doc_->project();
    s.path = doc_->path();
    s.imagesDir = doc_->imagesDir();
    s.dirty = doc_->isDirty();
    s.imageIndex = currentImageIndex();
    s.modelDir = service_->isLoading() ? sampler_->modelDir() : service_->modelDir();
    return s;
}

void MainWindow::restore(const Snapshot& s) {
    if (!s.modelDir.isEmpty()) loadModel(s.modelDir);
    if (!s.open) return;
    doc_->reset(s.project, s.path, s.imagesDir, s.dirty);
    {
        QSignalBlocker block(sampler_);
        sampler_->setThreshold(doc_->project().threshold);
    }
    Q_EMIT opened();
    if (s.imageIndex > 0 && s.imageIndex < int(doc_->project().images.size())) browser_->setCurrentIndex(s.imageIndex);
    else showFirstImage();
}

void MainWindow::loadModel(const QString& dir) {
    if (dir.isEmpty()) return report(tr("Choose a model directory first."));
    sampler_->setModelDir(dir);
    sampler_->setModelStatus(tr("Loading…"));
    statusModel_->setText(tr("loading model…"));
    service_->loadModel(dir, sampler_->device(), cpuThreads());
    // Cancel (Esc, the status bar's button) stops the load; the model in use stays.
    if (loadTask_) loadTask_->finish();
    loadTask_ = new TaskProgress(tr("Loading model %1").arg(QFileInfo(dir).fileName()), this);
    connect(loadTask_, &TaskProgress::cancelRequested, service_, &InferenceService::cancelLoad);
    connect(loadTask_, &TaskProgress::finished, loadTask_, &QObject::deleteLater);
    tasks_->track(loadTask_);
}

void MainWindow::endLoadTask(const QString& message) {
    if (loadTask_) loadTask_->finish(message);
    loadTask_ = nullptr;
}

// After a load that did not replace the model: the one still in use, or none.
void MainWindow::showModelInUse() {
    if (!service_->hasModel()) {
        statusModel_->setText(tr("no model"));
        sampler_->setModelStatus(tr("Not loaded"));
        return;
    }
    statusModel_->setText(tr("model: %1").arg(service_->modelName()));
    sampler_->setModelStatus(tr("%1 on %2").arg(service_->modelName(), service_->device()));
}

int MainWindow::cpuThreads() { return QSettings().value(QStringLiteral("cpuThreads"), 0).toInt(); }

void MainWindow::setCpuThreads(int threads) {
    QSettings().setValue(QStringLiteral("cpuThreads"), std::max(0, threads));
    if (service_->hasModel()) loadModel(service_->modelDir());
}

}  // namespace ld
