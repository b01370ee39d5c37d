#include "ui/review_loop.h"

#include "core/model_history.h"
#include "ui/batch_labeler.h"
#include "ui/inference_service.h"
#include "ui/label_document.h"
#include "ui/main_window.h"
#include "ui/model_history_panel.h"
#include "ui/model_improver.h"
#include "ui/progress_indicator.h"
#include "ui/sampler_panel.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QGuiApplication>
#include <QMenu>
#include <QMessageBox>
#include <QStatusBar>

#include <algorithm>

namespace ld {

namespace {
QString absoluteDir(const QString& dir) { return dir.isEmpty() ? dir : QDir::cleanPath(QFileInfo(dir).absoluteFilePath()); }
bool interactive() { return QGuiApplication::platformName() != QLatin1String("offscreen"); }
}  // namespace

ReviewLoop::ReviewLoop(MainWindow* window, QMenu* menu) : QObject(window), window_(window) {
    LabelDocument* doc = window->document();
    improver_ = new ModelImprover(doc, this);
    panel_ = new ModelHistoryPanel(doc, improver_);
    dock_ = new QDockWidget(tr("Improve from Reviews"), window);
    dock_->setObjectName(QStringLiteral("modelHistoryDock"));
    dock_->setWidget(panel_);
    window->addDockWidget(Qt::RightDockWidgetArea, dock_);
    dock_->hide();

    QAction* improveAction = menu->addAction(tr("&Improve the Model from My Reviews"));
    improveAction->setObjectName(QStringLiteral("improveModel"));
    improveAction->setShortcut(QKeySequence(tr("Ctrl+Shift+I")));
    connect(improveAction, &QAction::triggered, this, [this] {
        dock_->show();
        improve();
    });
    QAction* pause = menu->addAction(tr("&Pause or Resume the Improvement"));
    pause->setObjectName(QStringLiteral("pauseImprovement"));
    connect(pause, &QAction::triggered, this, [this] {
        if (!improver_->pause()) improver_->resume();
    });
    QAction* history = dock_->toggleViewAction();
    history->setObjectName(QStringLiteral("modelHistory"));
    history->setText(tr("Model &History"));
    menu->addAction(history);
    const auto updateActions = [this, pause] {
        pause->setEnabled(improver_->state() == ModelImprover::State::Training ||
                          improver_->state() == ModelImprover::State::Paused);
    };
    updateActions();

    connect(improver_, &ModelImprover::stateChanged, this, updateActions);
    connect(improver_, &ModelImprover::taskStarted, window, [window](TaskProgress* t) { window->progressIndicator()->track(t); });
    connect(improver_, &ModelImprover::improvementReady, this, &ReviewLoop::offer);
    connect(improver_, &ModelImprover::failed, window, [window](const QString& m) {
        window->statusBar()->showMessage(tr("Improving the model failed: %1").arg(m), 10000);
    });
    connect(panel_, &ModelHistoryPanel::improveRequested, this, &ReviewLoop::improve);
    connect(panel_, &ModelHistoryPanel::useModelRequested, this, &ReviewLoop::switchTo);
    connect(window->inference(), &InferenceService::modelLoaded, this, &ReviewLoop::onModelLoaded);
    // A model that does not arrive ends the switch; the one in use stays.
    const auto endSwitch = [this] { pending_.clear(); };
    connect(window->inference(), &InferenceService::modelFailed, this, endSwitch);
    connect(window->inference(), &InferenceService::modelLoadCancelled, this, endSwitch);
    // The model a project was last labelled with comes back with it.
    connect(doc, &LabelDocument::documentReset, this, [this, doc] {
        const ModelHistoryEntry* e = doc->project().modelHistory.activeEntry();
        if (!e) return;
        const QString dir = QString::fromStdString(e->model);
        if (!QFileInfo(QDir(dir).filePath(QStringLiteral("model_card.json"))).isFile()) return;
        if (absoluteDir(window_->inference()->modelDir()) == dir || pending_ == dir) return;
        window_->loadModel(dir);
    });
}

bool ReviewLoop::improve() {
    QString error;
    if (improver_->start(&error)) return true;
    window_->statusBar()->showMessage(error, 10000);
    if (interactive()) QMessageBox::information(window_, tr("Improve the model"), error);
    return false;
}

void ReviewLoop::switchTo(const QString& dir) {
    pending_ = absoluteDir(dir);
    window_->loadModel(pending_);
}

void ReviewLoop::onModelLoaded() {
    const QString dir = absoluteDir(window_->inference()->modelDir());
    improver_->setActiveModel(dir);
    panel_->setModelInUse(dir);
    LabelDocument* doc = window_->document();
    ModelHistory h = doc->project().modelHistory;
    if (dir != pending_) return;
    pending_.clear();
    const int i = h.find(dir.toStdString());
    if (i >= 0 && h.active != i) {
        h.active = i;
        doc->setModelHistory(h);
    }
    const bool reproposing = repropose();
    Q_EMIT switched(dir, reproposing);
}

void ReviewLoop::offer(const QString& model, double newMiou, double oldMiou, bool better) {
    const int heldOut = improver_->heldOutImages();
    if (!better) {
        window_->statusBar()->showMessage(improver_->statusText(), 10000);
        return;
    }
    dock_->show();
    if (!interactive()) return;  // the dock's "Switch to the new model" is the offer
    const auto answer = QMessageBox::question(
        window_, tr("A better model"),
        tr("The model improved from your reviews scores %1 mIoU on the %2 reviewed images it did not train on; the "
           "model in use scores %3.\n\nSwitch to it and propose again for the images not reviewed yet?")
            .arg(newMiou, 0, 'f', 3).arg(heldOut).arg(oldMiou, 0, 'f', 3));
    if (answer == QMessageBox::Yes) switchTo(model);
}

bool ReviewLoop::repropose() {
    const auto& images = window_->document()->project().images;
    if (std::none_of(images.begin(), images.end(), [](const ProjectImage& im) { return im.status != ImageStatus::Reviewed; }))
        return false;
    BatchOptions o;
    o.unannotatedOnly = false;
    o.keepExisting = false;  // the previous model's pending proposals give way
    o.skipReviewed = true;
    o.settings = window_->samplerPanel()->settings();
    o.settings.keepMembers = false;
    if (window_->batchLabeler()->isRunning()) return false;
    return window_->startBatch(o) != nullptr;
}

}  // namespace ld
