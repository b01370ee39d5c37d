#include "ui/autosave.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "ui/label_document.h"

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
    connect(doc_, &LabelDocument::documentReset, this, [this] {
        // The previous document's recovery belongs to it; a fresh one starts clean unless
        // it already differs from disk (restored or imported).
        changed_ = doc_->isDirty();
    });
    connect(doc_, &LabelDocument::saved, this, &Autosave::discard);
    timer_.start();
}

Autosave::~Autosave() = default;

QString Autosave::recoveryDir() {
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/recovery");
}

QString Autosave::recoveryFile() const {
    const QByteArray key = QCryptographicHash::hash(doc_->path().toUtf8(), QCryptographicHash::Sha1).toHex().left(16);
    return recoveryDir() + QStringLiteral("/") + QString::fromLatin1(key) + QStringLiteral(".json");
}

bool Autosave::saveNow() {
    if (!changed_ || !doc_->isDirty() || doc_->path().isEmpty()) return true;
    const QString file = recoveryFile();
    try {
        QDir().mkpath(recoveryDir());
        nlohmann::json j = {{"project_path", doc_->path().toStdString()},
                            {"images_dir", doc_->imagesDir().toStdString()},
                            {"saved_at", QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString()},
                            {"project", projectToJson(doc_->project())}};
        writeFileAtomic(file.toStdString(), j.dump());
    } catch (const std::exception& e) {
        emit failed(tr("Autosave failed: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
    changed_ = false;
    lastFile_ = file;
    emit saved(file);
    return true;
}

void Autosave::discard() {
    QFile::remove(recoveryFile());
    if (!lastFile_.isEmpty()) QFile::remove(lastFile_);
    lastFile_.clear();
    changed_ = false;
}

QList<Recovery> Autosave::pending() {
    QList<Recovery> out;
    const QDir dir(recoveryDir());
    for (const QFileInfo& fi : dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Time)) {
        try {
            const auto j = nlohmann::json::parse(readFile(fi.absoluteFilePath().toStdString()));
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
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(readFile(recovery.file.toStdString()));
    } catch (const nlohmann::json::exception& e) {
        throw Error(recovery.file.toStdString(), std::string("damaged recovery file: ") + e.what());
    }
    Warnings w;
    return projectFromJson(j.at("project"), recovery.file.toStdString(), w);
}

}  // namespace ld
