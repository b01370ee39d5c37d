#pragma once
// The model manager: the registry's known model directories with each one's card
// (components, size, classes, provenance, validation figures); add from disk, remove,
// set default, make active, and an integrity check (every tensor loads, every shape
// matches) run on a background thread with its full report.
#include <QPointer>
#include <QWidget>

#include "ui/model_registry.h"
#include "ui/task.h"

class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace ld {


class ModelManager : public QWidget {
    Q_OBJECT
public:
    explicit ModelManager(ModelRegistry* registry, QWidget* parent = nullptr);
    ~ModelManager() override;

    QListWidget* list() const { return list_; }
    QString currentModel() const;
    void select(const QString& dir);
    QString details() const;  // the shown card text
    QString integrityReport() const { return report_; }
    bool isChecking() const { return checkTask_ != nullptr; }

    bool addModel(const QString& dir);
    void removeCurrent();
    void setCurrentDefault();
    void makeCurrentActive();
    bool checkCurrent();  // integrityChecked follows

Q_SIGNALS:
    void activateRequested(const QString& dir);
    void integrityChecked(const QString& dir, bool ok, const QString& report);

private:
    void refresh();
    void showDetails();

    ModelRegistry* registry_;
    QListWidget* list_;
    QPlainTextEdit* details_;
    QPushButton* check_;
    QString report_;
    QPointer<Task> checkTask_;
    QString reportDir_;  // the model report_ is about
};

}  // namespace ld
