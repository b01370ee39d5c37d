#pragma once
// The interface language: English source strings, or a translation compiled from
// translations/*.ts into the resources. Chosen in the settings, applied at start-up.
#include <QString>
#include <QStringList>

namespace ld {

// Language codes with a translation ("en" is the source language).
QStringList availableLanguages();
// The native name of a language ("English", "简体中文").
QString languageName(const QString& code);
// Installs the translators for `code` (empty: the saved choice, else the system locale).
// Returns the code installed.
QString installLanguage(const QString& code = QString());
QString savedLanguage();
void saveLanguage(const QString& code);

}  // namespace ld
