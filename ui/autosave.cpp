#include "ui/autosave.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "ui/label_document.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QStandardPaths>

#include <nlohmann/json.hpp>

namespace ld {

Autosave::Autosave(LabelDocument* doc, QObject* parent) : QObject(parent), doc_(doc) {
    timer_.setInterval(kDefaultIntervalMs);
    connect(&timer_, &QTimer::timeout, this, &Autosave::saveNow);
    connect(doc_->undoStack(), &QUndoStack::indexChanged, this, [this] { changed_ = true; });
    connect(doc_, &LabelDocument::settingsChanged, this, [this] { changed_ = true; });
    connect(doc_, &LabelDocument::documentReset, this, [this] {
        // The previous document's recovery belongs to it; a fresh one starts clean unless
        // it already differs from disk (restored or imported). The file last written is
        // the previous document's too: never discarded on this one's behalf.
        changed_ = doc_->isDirty();
        lastFile_.clear();
    });
    connect(doc_, &LabelDocument::saved, this, &Autosave::discard);
    timer_.start();
}

Autosave::~Autosave() { release(); }

QString Autosave::recoveryDir() {
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/recovery");
}

namespace {

// A lock that another live process holds is never taken over however old it is (the
// default treats locks older than 30 s as stale); a dead holder's lock is stale at once.
std::unique_ptr<QLockFile> tryLock(const QString& file) {
    auto lock = std::make_unique<QLockFile>(file + QStringLiteral(".lock"));
    lock->setStaleLockTime(0);
    return lock->tryLock(0) ? std::move(lock) : nullptr;
}

}  // namespace

QString Autosave::recoveryFile() {
    const QByteArray key = QCryptographicHash::hash(doc_->path().toUtf8(), QCryptographicHash::Sha1).toHex().left(16);
    const QString shared = recoveryDir() + QStringLiteral("/") + QString::fromLatin1(key);
    const QString own = shared + QStringLiteral("-") + QString::number(QCoreApplication::applicationPid());
    if (lock_ && (lockedFile_ == shared + QStringLiteral(".json") || lockedFile_ == own + QStringLiteral(".json")))
        return lockedFile_;
    release();
    QDir().mkpath(recoveryDir());
    for (const QString& candidate : {shared, own}) {
        if (auto lock = tryLock(candidate + QStringLiteral(".json"))) {
            lock_ = std::move(lock);
            lockedFile_ = candidate + QStringLiteral(".json");
            return lockedFile_;
        }
    }
    return own + QStringLiteral(".json");  // unlockable folder: still write, unprotected
}

void Autosave::release() {
    if (lock_) lock_->unlock();
    lock_.reset();
    lockedFile_.clear();
}

bool Autosave::saveNow() {
    // Undone back to what the project file holds: the recovery file has only edits the
    // person took back, and a crash must not restore them.
    if (changed_ && !doc_->isDirty() && !lastFile_.isEmpty()) {
        discard();
        return true;
    }
    if (!changed_ || !doc_->isDirty() || doc_->path().isEmpty()) return true;
    const QString file = recoveryFile();
    try {
        nlohmann::json j = {{"project_path", doc_->path().toStdString()},
                            {"images_dir", doc_->imagesDir().toStdString()},
                            {"saved_at", QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString()},
                            {"project", projectToJson(doc_->project())}};
        writeFileAtomic(file.toStdString(), j.dump());
    } catch (const std::exception& e) {
        Q_EMIT failed(tr("Autosave failed: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
    changed_ = false;
    lastFile_ = file;
    Q_EMIT saved(file);
    return true;
}

void Autosave::discard() {
    // Only this instance's own file: another instance's stays (and stays locked).
    if (!lastFile_.isEmpty()) QFile::remove(lastFile_);
    if (!lockedFile_.isEmpty()) QFile::remove(lockedFile_);
    lastFile_.clear();
    changed_ = false;
}

QList<Recovery> Autosave::pending() {
    QList<Recovery> out;
    const QDir dir(recoveryDir());
    for (const QFileInfo& fi : dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Time)) {
        if (!tryLock(fi.absoluteFilePath())) continue;  // a running instance's; released again here
        try {
            const auto j = readJsonFile(fi.absoluteFilePath().toStdString());
            Recovery r;
            r.file = fi.absoluteFilePath();
            r.projectPath = QString::fromStdString(j.at("project_path").get<std::string>());
            r.imagesDir = QString::fromStdString(j.at("images_dir").get<std::string>());
            r.savedAt = QDateTime::fromString(QString::fromStdString(j.value("saved_at", std::string())), Qt::ISODate);
            r.annotations = int(j.at("project").value("annotations", nlohmann::json::array()).size());
            out.push_back(r);
        } catch (const std::exception&) {
            // A damaged recovery file cannot be offered; keep it for a person to inspect.
        }
    }
    return out;
}

Project Autosave::load(const Recovery& recovery) {
    const nlohmann::json j = readJsonFile(recovery.file.toStdString());
    Warnings w;
    return projectFromJson(j.at("project"), recovery.file.toStdString(), w);
}

}  // namespace ld
