#pragma once
// How the window asks the person a question — or, unattended (scripted runs, the test
// suite, a kiosk: $LABELDIFF_UNATTENDED=1), what it does without asking. The unattended
// answers never lose work: unsaved edits go to the recovery file, a recovery is restored.
#include <QString>

#include <memory>

class QWidget;

namespace ld {

struct Recovery;

class UserPrompts {
public:
    enum class SaveChoice { Save, Discard, Cancel, KeepInRecovery };
    enum class RecoveryChoice { Restore, Later, Discard };

    virtual ~UserPrompts() = default;
    virtual SaveChoice askSaveChanges(QWidget* parent) = 0;
    virtual RecoveryChoice askRestore(QWidget* parent, const Recovery& recovery) = 0;
    virtual void warn(QWidget* parent, const QString& message) = 0;

    // Dialogs, unless $LABELDIFF_UNATTENDED is set to anything but "" or "0".
    static std::unique_ptr<UserPrompts> makeDefault();
    static std::unique_ptr<UserPrompts> dialogs();
    static std::unique_ptr<UserPrompts> unattended();
};

}  // namespace ld
