#include "ui/model_registry.h"

#include "inference/io/model_card.h"
#include "inference/io/model_check.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QLocale>
#include <QSettings>

#include <exception>

namespace ld {

namespace {
const QString kKnown = QStringLiteral("models/known");
const QString kDefault = QStringLiteral("models/default");
}  // namespace

ModelRegistry::ModelRegistry(QObject* parent) : QObject(parent) { reload(); }

void ModelRegistry::reload() {
    QSettings s;
    models_ = s.value(kKnown).toStringList();
    models_.removeDuplicates();
    default_ = s.value(kDefault).toString();
}

void ModelRegistry::store() const {
    QSettings s;
    s.setValue(kKnown, models_);
    s.setValue(kDefault, default_);
}

QString ModelRegistry::normalize(const QString& dir) {
    return dir.isEmpty() ? QString() : QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
}

bool ModelRegistry::contains(const QString& dir) const { return models_.contains(normalize(dir)); }

bool ModelRegistry::add(const QString& dir) {
    const QString d = normalize(dir);
    if (d.isEmpty()) return false;
    if (!models_.contains(d)) {
        models_ << d;
        store();
        Q_EMIT changed();
    }
    return true;
}

void ModelRegistry::remove(const QString& dir) {
    const QString d = normalize(dir);
    if (!models_.removeAll(d)) return;
    if (default_ == d) default_.clear();
    store();
    Q_EMIT changed();
}

void ModelRegistry::setDefault(const QString& dir) {
    const QString d = normalize(dir);
    if (!models_.contains(d)) models_ << d;
    default_ = d;
    store();
    Q_EMIT changed();
}

ModelCardInfo ModelRegistry::cardInfo(const QString& dir) {
    ModelCardInfo info;
    info.dir = normalize(dir);
    QFileInfo fi(info.dir);
    info.exists = fi.isDir();
    if (!info.exists) return info;
    QDirIterator it(info.dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        if (!it.filePath().contains(QLatin1String("/training_state/"))) info.bytes += it.fileInfo().size();
    }
    const QString cardPath = QDir(info.dir).filePath(QStringLiteral("model_card.json"));
    info.hasCard = QFileInfo::exists(cardPath);
    info.name = fi.fileName();
    if (!info.hasCard) return info;
    try {
        const ModelCard card = readModelCard(cardPath.toStdString());
        if (!card.name.empty()) info.name = QString::fromStdString(card.name);
        info.denoiser = card.denoiser == "pixart" ? tr("DiT (PixArt)")
                        : card.denoiser == "sd3"  ? tr("DiT (SD3 MMDiT)")
                                                  : tr("U-Net");
        for (const auto& [role, folder] : card.components)
            info.components << QStringLiteral("%1 → %2/").arg(QString::fromStdString(role), QString::fromStdString(folder));
        for (const auto& [cls, tau] : card.classThresholds)
            info.classes << QStringLiteral("%1 (τ %2)").arg(QString::fromStdString(cls)).arg(tau, 0, 'f', 2);
        const nlohmann::json& t = card.training;
        if (t.is_object() && !t.empty()) {
            QStringList p;
            if (t.contains("base_model") && t["base_model"].is_string() && !t["base_model"].get<std::string>().empty())
                p << tr("base: %1").arg(QString::fromStdString(t["base_model"].get<std::string>()));
            else if (t.contains("steps"))
                p << tr("trained from scratch");
            if (t.contains("steps") && t["steps"].is_number()) p << tr("%1 steps").arg(t["steps"].get<qint64>());
            if (t.contains("objective")) {
                const auto& o = t["objective"];
                const std::string name = o.is_string() ? o.get<std::string>() : o.is_object() ? o.value("type", std::string()) : std::string();
                if (!name.empty()) p << tr("objective: %1").arg(QString::fromStdString(name));
            }
            info.provenance = p.join(QStringLiteral(", "));
            if (t.contains("validation") && t["validation"].is_object()) {
                const auto& v = t["validation"];
                info.validation = tr("val mIoU %1, tuned %2 (%3 images)")
                                      .arg(v.value("miou", 0.0), 0, 'f', 3)
                                      .arg(v.value("tuned_miou", 0.0), 0, 'f', 3)
                                      .arg(v.value("images", 0));
            }
        }
    } catch (const std::exception& e) {
        info.error = QString::fromUtf8(e.what());
    }
    return info;
}

QString ModelRegistry::describe(const ModelCardInfo& i) {
    QStringList l;
    l << i.name << i.dir;
    if (!i.exists) return (l << tr("The directory does not exist.")).join(QLatin1Char('\n'));
    l << tr("Size: %1 MB").arg(double(i.bytes) / (1024.0 * 1024.0), 0, 'f', 2);
    if (!i.hasCard) l << tr("No model card: read as a bare diffusers folder.");
    if (!i.error.isEmpty()) l << tr("Card error: %1").arg(i.error);
    if (!i.denoiser.isEmpty()) l << tr("Denoiser: %1").arg(i.denoiser);
    if (!i.components.isEmpty()) l << tr("Components: %1").arg(i.components.join(QStringLiteral(", ")));
    l << tr("Classes: %1").arg(i.classes.isEmpty() ? tr("(open vocabulary)") : i.classes.join(QStringLiteral(", ")));
    if (!i.provenance.isEmpty()) l << tr("Provenance: %1").arg(i.provenance);
    if (!i.validation.isEmpty()) l << tr("Validation: %1").arg(i.validation);
    return l.join(QLatin1Char('\n'));
}

ModelIntegrity ModelRegistry::checkIntegrity(const QString& dir) {
    ModelIntegrity r;
    r.dir = normalize(dir);
    try {
        const ModelCheck m = checkModelDirectory(r.dir.toStdString());
        r.ok = true;
        r.report = tr("OK: every tensor loaded and every shape matches (%1 components, %2 parameters).")
                       .arg(m.components)
                       .arg(QLocale().toString(qlonglong(m.parameters)));
    } catch (const std::exception& e) {
        r.ok = false;
        r.report = QString::fromUtf8(e.what());
    }
    return r;
}

}  // namespace ld
