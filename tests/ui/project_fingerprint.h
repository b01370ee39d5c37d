#pragma once
// One short string per project state, the same whether the state is held in a running
// window or read back from a project or recovery file, so that a test can tell which of
// the states a killed session went through is the one on disk.
#include "core/project.h"
#include "core/warnings.h"

#include <QCryptographicHash>
#include <QString>

namespace ld::test {

inline QString projectFingerprint(const Project& project) {
    // Compared in the form a load gives back: annotations whose category was undone away
    // come back under a placeholder category, which the window itself never holds.
    Warnings ignored;
    const Project reloaded = projectFromJson(projectToJson(project), "fingerprint", ignored);
    const std::string bytes = projectToJson(reloaded).dump();
    return QString::fromLatin1(
        QCryptographicHash::hash(QByteArray::fromStdString(bytes), QCryptographicHash::Sha1).toHex().left(16));
}

}  // namespace ld::test
