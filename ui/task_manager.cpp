#include "ui/task_manager.h"

#include "ui/task.h"
#include "ui/task_progress.h"

namespace ld {

TaskManager::TaskManager(QObject* parent) : QObject(parent) {
    // File and image jobs, not compute: more would only contend for the same disk and the
    // cores the sampler and trainer use.
    pool_.setMaxThreadCount(2);
}

TaskManager::~TaskManager() { cancelAll(); }

Task* TaskManager::create(const QString& title, QObject* owner) {
    auto* task = new Task(title, owner, &pool_);
    track(task->progress());
    return task;
}

void TaskManager::track(TaskProgress* progress) {
    if (!progress || progress->isFinished()) return;
    running_.push_back(progress);
    connect(progress, &TaskProgress::finished, this, [this, p = QPointer<TaskProgress>(progress)] {
        running_.removeAll(p);
    });
    connect(progress, &QObject::destroyed, this, [this] { running_.removeAll(QPointer<TaskProgress>()); });
    Q_EMIT started(progress);
}

QList<TaskProgress*> TaskManager::running() const {
    QList<TaskProgress*> out;
    for (const auto& p : running_)
        if (p && !p->isFinished()) out.push_back(p);
    return out;
}

bool TaskManager::cancelAll(int msecs) {
    for (TaskProgress* p : running()) p->requestCancel();
    return pool_.waitForDone(msecs);
}

}  // namespace ld
