#include "ui/user_prompts.h"

#include "ui/autosave.h"

#include <QCoreApplication>
#include <QDir>
#include <QLocale>
#include <QMessageBox>

namespace ld {

namespace {

class DialogPrompts : public UserPrompts {
    Q_DECLARE_TR_FUNCTIONS(ld::DialogPrompts)
public:
    SaveChoice askSaveChanges(QWidget* parent) override {
        const auto answer = QMessageBox::question(parent, tr("Unsaved changes"), tr("The project has unsaved changes. Save them?"),
                                                  QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
        if (answer == QMessageBox::Save) return SaveChoice::Save;
        if (answer == QMessageBox::Discard) return SaveChoice::Discard;
        return SaveChoice::Cancel;
    }
    RecoveryChoice askRestore(QWidget* parent, const Recovery& r) override {
        const auto answer = QMessageBox::question(
            parent, tr("Restore autosave?"),
            tr("LabelDiff did not close cleanly. An autosave of %1 from %2 (%n annotation(s)) was found.\nRestore it?", nullptr,
               r.annotations)
                .arg(QDir::toNativeSeparators(r.projectPath), QLocale().toString(r.savedAt.toLocalTime(), QLocale::ShortFormat)),
            QMessageBox::Yes | QMessageBox::No | QMessageBox::Discard);
        if (answer == QMessageBox::Yes) return RecoveryChoice::Restore;
        if (answer == QMessageBox::Discard) return RecoveryChoice::Discard;
        return RecoveryChoice::Later;
    }
    void warn(QWidget* parent, const QString& message) override {
        QMessageBox::warning(parent, QStringLiteral("LabelDiff"), message);
    }
};

class UnattendedPrompts : public UserPrompts {
public:
    SaveChoice askSaveChanges(QWidget*) override { return SaveChoice::KeepInRecovery; }
    RecoveryChoice askRestore(QWidget*, const Recovery&) override { return RecoveryChoice::Restore; }
    // The status bar and the window's failed() signal carry the message already.
    void warn(QWidget*, const QString&) override {}
};

}  // namespace

std::unique_ptr<UserPrompts> UserPrompts::dialogs() { return std::make_unique<DialogPrompts>(); }
std::unique_ptr<UserPrompts> UserPrompts::unattended() { return std::make_unique<UnattendedPrompts>(); }

std::unique_ptr<UserPrompts> UserPrompts::makeDefault() {
    const QByteArray v = qgetenv("LABELDIFF_UNATTENDED");
    return v.isEmpty() || v == "0" ? dialogs() : unattended();
}

}  // namespace ld
