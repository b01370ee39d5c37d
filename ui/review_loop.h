#pragma once
// The review loop's last step in the window: the "Improve the model from my reviews" dock
// and menu actions, the offer to switch when a run's model beats the one in use, and what
// switching means — the model loaded, recorded as in use in the project's model history,
// and the images not reviewed yet proposed again by it (reviewed ones are left alone).
// A project opened with a history goes back to the model it was last labelled with.
#include <QObject>
#include <QString>

class QDockWidget;
class QMenu;

namespace ld {

class MainWindow;
class ModelHistoryPanel;
class ModelImprover;

class ReviewLoop : public QObject {
    Q_OBJECT
public:
    // Adds the dock and the actions ("improveModel", "pauseImprovement", "modelHistory") to
    // `menu`; owned by the window.
    ReviewLoop(MainWindow* window, QMenu* menu);

    ModelImprover* improver() const { return improver_; }
    ModelHistoryPanel* panel() const { return panel_; }
    QDockWidget* dock() const { return dock_; }

    bool improve();  // starts a run, or says why not
    // Loads `dir`; once it is in use, records it in the history and proposes again for the
    // images not reviewed yet.
    void switchTo(const QString& dir);
    // Whether a model was asked for and has not arrived yet.
    bool isSwitching() const { return !pending_.isEmpty(); }

Q_SIGNALS:
    // The switched-to model is in use; `reproposing`: a batch over the unreviewed images began.
    void switched(const QString& dir, bool reproposing);

private:
    void onModelLoaded();
    void offer(const QString& model, double newMiou, double oldMiou, bool better);
    bool repropose();

    MainWindow* window_;
    ModelImprover* improver_;
    ModelHistoryPanel* panel_;
    QDockWidget* dock_;
    QString pending_;  // asked for by switchTo
};

}  // namespace ld
