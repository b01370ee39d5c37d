#pragma once
// Autosave and crash recovery. While the document has unsaved changes it is written
// (atomically) every few seconds to a recovery file outside the project folder; saving
// or deliberately discarding removes it. A recovery file still there at start-up is
// therefore what a crash (or kill -9) left behind, and the window offers to restore it.
// Each instance holds a lock on the recovery file it writes, so that a second LabelDiff
// with the same project neither offers nor deletes the first one's file (it writes its
// own, suffixed with its process id).
#include "core/project.h"

#include <QDateTime>
#include <QLockFile>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>

namespace ld {

class LabelDocument;

struct Recovery {
    QString file;         // the recovery file itself
    QString projectPath;  // where the project would be saved
    QString imagesDir;
    QDateTime savedAt;
    int annotations = 0;
};

class Autosave : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultIntervalMs = 20000;

    explicit Autosave(LabelDocument* doc, QObject* parent = nullptr);
    ~Autosave() override;

    static QString recoveryDir();
    // The file this instance writes (and holds the lock of) for the current document.
    QString recoveryFile();
    void setInterval(int ms) { timer_.setInterval(ms); }
    int interval() const { return timer_.interval(); }

    // Recovery files left by sessions that did not end cleanly (none held by a running
    // instance), newest first.
    static QList<Recovery> pending();
    // Reads a recovery file (ld::Error naming it when it is damaged).
    static Project load(const Recovery& recovery);

public Q_SLOTS:
    // Writes now if there are changes since the last autosave; false on failure.
    bool saveNow();
    void discard();

Q_SIGNALS:
    void saved(const QString& file);
    void failed(const QString& message);

private:
    LabelDocument* doc_;
    QTimer timer_;
    bool changed_ = false;
    QString lastFile_;
    std::unique_ptr<QLockFile> lock_;  // on lockedFile_ + ".lock"
    QString lockedFile_;
    void release();
};

}  // namespace ld
