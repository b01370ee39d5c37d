#pragma once
// One piece of background work as the UI runs it, in the way of QgsTask or Qt Creator's
// asyncRun + ProgressManager: run off the GUI thread on a thread pool, a CancelToken of its
// own, progress routed into a TaskProgress (so the status bar shows and cancels every task
// alike), and the outcome back on the GUI thread as a typed call. A task deletes itself once
// it has ended and said so.
#include "inference/runtime/cancel_token.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

class QThreadPool;

namespace ld {

class TaskProgress;

// What the work sees: its cancel request, and progress it may report from any thread.
class TaskContext {
public:
    const CancelToken& cancelToken() const { return *token_; }
    bool cancelled() const { return token_->cancelled(); }
    void setTotal(int total);
    void setProgress(int done, const QString& message = QString());
    // Runs `apply` on the GUI thread, unless the task is gone or cancelled by then: how work
    // hands over partial results (thumbnails as they are made).
    void deliver(std::function<void()> apply);

private:
    friend class Task;
    std::shared_ptr<CancelToken> token_;
    std::function<void(std::function<void(TaskProgress&)>)> post_;
};

class Task : public QObject {
    Q_OBJECT
public:
    enum class State { Created, Running, Succeeded, Failed, Cancelled };
    Q_ENUM(State)

    // The work runs on `pool` (the global pool when null).
    explicit Task(const QString& title, QObject* parent = nullptr, QThreadPool* pool = nullptr);
    ~Task() override;

    QString title() const;
    TaskProgress* progress() const { return progress_; }
    State state() const { return state_; }
    bool isRunning() const { return state_ == State::Running; }

    // Runs `work` on the pool. An exception ends the task: ld::Cancelled (or any exception
    // once cancel() was called) as Cancelled, any other as Failed with its message. Start a
    // task once.
    void start(std::function<void(TaskContext&)> work);
    // Asks the work to stop: its token is set; the task still ends through the pool job.
    void cancel();

Q_SIGNALS:
    void succeeded();
    void failed(const QString& message);
    void cancelled();
    // After the three above, whichever it was.
    void ended(ld::Task::State state);

private:
    void end(State state, const QString& message);

    TaskProgress* progress_;
    QThreadPool* pool_;
    std::shared_ptr<CancelToken> token_;
    State state_ = State::Created;
};

// Runs `work(TaskContext&) -> R` as `task` and hands the value to `onResult` on the GUI
// thread when it succeeded (connect failed/cancelled for the other ends). Returns `task`.
template <class R, class Work, class OnResult>
Task* runTask(Task* task, Work work, OnResult onResult) {
    auto result = std::make_shared<std::optional<R>>();
    QObject::connect(task, &Task::succeeded, task, [result, onResult]() mutable { onResult(std::move(**result)); });
    task->start([result, work = std::move(work)](TaskContext& context) mutable { result->emplace(work(context)); });
    return task;
}

}  // namespace ld
