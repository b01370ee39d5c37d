#include "ui/task_progress.h"

namespace ld {

TaskProgress::TaskProgress(const QString& title, QObject* parent) : QObject(parent), title_(title) { clock_.start(); }

double TaskProgress::elapsedSeconds() const { return double(clock_.elapsed()) / 1000.0; }

double TaskProgress::etaSeconds() const {
    if (total_ <= 0 || done_ <= 0) return -1;
    return elapsedSeconds() / done_ * (total_ - done_);
}

QString TaskProgress::formatDuration(double seconds) {
    if (seconds < 0) return {};
    const int s = int(seconds + 0.5);
    if (s >= 3600) return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

void TaskProgress::setTotal(int total) {
    total_ = total;
    Q_EMIT changed();
}

void TaskProgress::setProgress(int done, const QString& message) {
    done_ = done;
    if (!message.isNull()) message_ = message;
    Q_EMIT changed();
}

void TaskProgress::setMessage(const QString& message) {
    message_ = message;
    Q_EMIT changed();
}

void TaskProgress::requestCancel() {
    if (cancelRequested_ || finished_) return;
    cancelRequested_ = true;
    Q_EMIT cancelRequested();
    Q_EMIT changed();
}

void TaskProgress::finish(const QString& message) {
    if (finished_) return;
    finished_ = true;
    if (!message.isNull()) message_ = message;
    Q_EMIT changed();
    Q_EMIT finished(message_);
}

}  // namespace ld
