#include "ui/task.h"

#include "ui/task_progress.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

#include <exception>

namespace ld {

void TaskContext::setTotal(int total) {
    post_([total](TaskProgress& p) { p.setTotal(total); });
}

void TaskContext::setProgress(int done, const QString& message) {
    post_([done, message](TaskProgress& p) { p.setProgress(done, message); });
}

void TaskContext::deliver(std::function<void()> apply) {
    post_([token = token_, apply = std::move(apply)](TaskProgress&) {
        if (!token->cancelled()) apply();
    });
}

Task::Task(const QString& title, QObject* parent, QThreadPool* pool)
    : QObject(parent),
      progress_(new TaskProgress(title, this)),
      pool_(pool ? pool : QThreadPool::globalInstance()),
      token_(std::make_shared<CancelToken>()) {
    // The status bar's Cancel button and any other view of the progress cancel the work.
    connect(progress_, &TaskProgress::cancelRequested, this, &Task::cancel);
}

Task::~Task() {
    // A task destroyed with its owner stops its work; the pool job then ends without it.
    token_->cancel();
}

QString Task::title() const { return progress_->title(); }

void Task::cancel() {
    token_->cancel();
    if (!progress_->isCancelRequested()) progress_->requestCancel();
}

void Task::start(std::function<void(TaskContext&)> work) {
    Q_ASSERT(state_ == State::Created);
    state_ = State::Running;
    QPointer<Task> self(this);
    QPointer<TaskProgress> progress(progress_);
    auto context = std::make_shared<TaskContext>();
    context->token_ = token_;
    // Progress and the ending cross to the GUI thread queued through the application object
    // (which outlives every task); the pointers are only dereferenced there, so a task
    // deleted meanwhile takes nothing.
    context->post_ = [progress](std::function<void(TaskProgress&)> apply) {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [progress, apply] {
                if (progress) apply(*progress);
            },
            Qt::QueuedConnection);
    };
    pool_->start([self, context, work = std::move(work)] {
        State state = State::Succeeded;
        QString message;
        try {
            work(*context);
            if (context->cancelled()) state = State::Cancelled;
        } catch (const Cancelled&) {
            state = State::Cancelled;
        } catch (const std::exception& e) {
            state = context->cancelled() ? State::Cancelled : State::Failed;
            message = QString::fromUtf8(e.what());
        } catch (...) {
            state = State::Failed;
            message = QStringLiteral("unknown error");
        }
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, state, message] {
                if (self) self->end(state, message);
            },
            Qt::QueuedConnection);
    });
}

void Task::end(State state, const QString& message) {
    state_ = state;
    switch (state) {
        case State::Succeeded: progress_->finish(); Q_EMIT succeeded(); break;
        case State::Cancelled: progress_->finish(tr("Cancelled")); Q_EMIT cancelled(); break;
        default: progress_->finish(message); Q_EMIT failed(message); break;
    }
    Q_EMIT ended(state);
    deleteLater();
}

}  // namespace ld
