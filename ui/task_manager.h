#pragma once
// The one place the UI's tasks are started and followed, like Qt Creator's
// ProgressManager: background jobs (ld::Task on the manager's pool) and work that runs
// on threads of its own (sampling on the inference thread, training on the training
// thread, each reporting into a TaskProgress) all announce themselves here, so that one
// status-bar indicator shows and cancels any of them, and closing the window cancels and
// waits for them all.
#include <QList>
#include <QObject>
#include <QPointer>
#include <QThreadPool>

namespace ld {

class Task;
class TaskProgress;

class TaskManager : public QObject {
    Q_OBJECT
public:
    explicit TaskManager(QObject* parent = nullptr);
    ~TaskManager() override;

    // A task owned by `owner` (gone with it), announced when it starts.
    Task* create(const QString& title, QObject* owner);
    // Follows progress reported by work the manager does not run.
    void track(TaskProgress* progress);

    QList<TaskProgress*> running() const;
    QThreadPool* pool() { return &pool_; }
    // Cancels every task it runs or follows, then waits up to `msecs` for its own jobs.
    bool cancelAll(int msecs = 30000);

Q_SIGNALS:
    void started(ld::TaskProgress* progress);

private:
    QList<QPointer<TaskProgress>> running_;
    QThreadPool pool_;
};

}  // namespace ld
