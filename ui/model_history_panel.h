#pragma once
// The review loop's last step in one dock: how many images are reviewed, "Improve the model
// from my reviews" with Pause and Resume, what the run is doing, "Switch to the new model"
// when it scored better on the held-out reviewed images, and the project's model history
// (which model, when, its held-out score, the one in use) with a one-click return to any
// of them. It shows ModelImprover and the document; switching is asked of the window.
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace ld {

class LabelDocument;
class ModelImprover;

class ModelHistoryPanel : public QWidget {
    Q_OBJECT
public:
    ModelHistoryPanel(LabelDocument* doc, ModelImprover* improver, QWidget* parent = nullptr);

    // The model the window uses now, marked in the history.
    void setModelInUse(const QString& dir);

    QPushButton* improveButton() const { return improve_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* resumeButton() const { return resume_; }
    QPushButton* switchButton() const { return switch_; }
    QPushButton* useButton() const { return use_; }
    QSpinBox* stepsBox() const { return steps_; }
    QTableWidget* historyTable() const { return table_; }
    QString statusText() const;

Q_SIGNALS:
    // A model to use: the improved one, or one chosen from the history.
    void useModelRequested(const QString& dir);
    void improveRequested();

private:
    void refresh();
    void refreshHistory();
    void useSelected();

    LabelDocument* doc_;
    ModelImprover* improver_;
    QString inUse_;
    QLabel* reviewed_;
    QSpinBox* steps_;
    QPushButton* improve_;
    QPushButton* pause_;
    QPushButton* resume_;
    QProgressBar* progress_;
    QLabel* status_;
    QPushButton* switch_;
    QTableWidget* table_;
    QPushButton* use_;
};

}  // namespace ld
