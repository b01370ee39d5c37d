#pragma once
// The model directories the user knows about, persisted in QSettings ("models/known",
// "models/default"), and what the model manager shows of each: its card read as JSON
// (cheap, safe on the UI thread) and an integrity check that opens it with
// ld::ModelDirectory::open — every tensor loaded, every shape checked, ALL problems
// reported — which loads weights and so must run off the UI thread.
#include <QObject>
#include <QString>
#include <QStringList>

namespace ld {

struct ModelIntegrity {
    QString dir;
    bool ok = false;
    QString report;  // "OK: 3 components, 1.2 M parameters" or every problem, one a line
};

struct ModelCardInfo {
    QString dir;
    bool exists = false;
    bool hasCard = false;
    QString name;
    QStringList components;   // "unet → unet/"
    QString denoiser;         // "U-Net", "DiT (PixArt)", "DiT (SD3 MMDiT)"
    QStringList classes;      // classes with a tuned threshold
    qint64 bytes = 0;         // files under the directory
    QString provenance;       // base model, steps, objective, data
    QString validation;       // mIoU figures from the card's training section
    QString error;            // unreadable card
};

class ModelRegistry : public QObject {
    Q_OBJECT
public:
    explicit ModelRegistry(QObject* parent = nullptr);

    QStringList models() const { return models_; }
    QString defaultModel() const { return default_; }
    bool contains(const QString& dir) const;

    // Absolute, cleaned paths; adding a known directory only returns true.
    bool add(const QString& dir);
    void remove(const QString& dir);
    void setDefault(const QString& dir);  // also adds it
    void reload();                        // from QSettings

    static QString normalize(const QString& dir);
    static ModelCardInfo cardInfo(const QString& dir);
    static QString describe(const ModelCardInfo& info);  // several lines for people
    // Opens the directory completely (tensors included): call from a worker thread.
    static ModelIntegrity checkIntegrity(const QString& dir);

Q_SIGNALS:
    void changed();

private:
    void store() const;
    QStringList models_;
    QString default_;
};

}  // namespace ld
