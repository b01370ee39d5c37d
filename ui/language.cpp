#include "ui/language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>

namespace ld {

QStringList availableLanguages() { return {QStringLiteral("en"), QStringLiteral("zh_CN")}; }

QString languageName(const QString& code) {
    if (code == QLatin1String("zh_CN")) return QStringLiteral("简体中文");
    return QStringLiteral("English");
}

QString savedLanguage() { return QSettings().value(QStringLiteral("language")).toString(); }

void saveLanguage(const QString& code) { QSettings().setValue(QStringLiteral("language"), code); }

QString installLanguage(const QString& requested) {
    QString code = requested.isEmpty() ? savedLanguage() : requested;
    if (code.isEmpty()) code = QLocale::system().name().startsWith(QLatin1String("zh")) ? QStringLiteral("zh_CN") : QStringLiteral("en");
    // Translators live as long as the application; replaced ones are removed first.
    static QTranslator* ours = nullptr;
    static QTranslator* qt = nullptr;
    for (QTranslator** t : {&ours, &qt}) {
        if (*t) {
            QCoreApplication::removeTranslator(*t);
            delete *t;
            *t = nullptr;
        }
    }
    if (code == QLatin1String("en")) return code;
    ours = new QTranslator;
    if (ours->load(QStringLiteral(":/i18n/labeldiff_%1.qm").arg(code))) QCoreApplication::installTranslator(ours);
    qt = new QTranslator;
    if (qt->load(QStringLiteral("qtbase_%1").arg(code), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
    return code;
}

}  // namespace ld
