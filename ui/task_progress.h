#pragma once
// One long task (segmenting, batch labelling, exporting) as the UI follows it: progress,
// ETA, a cancel request, and its end. Whoever runs the work updates it; the status-bar
// indicator and the batch dialog only read it, so every task looks and cancels the same.
#include <QElapsedTimer>
#include <QObject>
#include <QString>

namespace ld {

class TaskProgress : public QObject {
    Q_OBJECT
public:
    explicit TaskProgress(const QString& title, QObject* parent = nullptr);

    QString title() const { return title_; }
    QString message() const { return message_; }
    int done() const { return done_; }
    int total() const { return total_; }  // 0: unknown (busy indicator)
    bool isFinished() const { return finished_; }
    bool isCancelRequested() const { return cancelRequested_; }
    // Seconds left from the mean pace so far; < 0 while unknown.
    double etaSeconds() const;
    double elapsedSeconds() const;
    // "1:05" style, or an empty string while unknown.
    static QString formatDuration(double seconds);

public Q_SLOTS:
    void setTotal(int total);
    void setProgress(int done, const QString& message = QString());
    void setMessage(const QString& message);
    // Asks the owner to stop; the task still ends through finish().
    void requestCancel();
    void finish(const QString& message = QString());

Q_SIGNALS:
    void changed();
    void cancelRequested();
    void finished(const QString& message);

private:
    QString title_, message_;
    int done_ = 0, total_ = 0;
    bool finished_ = false, cancelRequested_ = false;
    QElapsedTimer clock_;
};

}  // namespace ld
