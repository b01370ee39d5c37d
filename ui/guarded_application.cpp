#include "ui/guarded_application.h"

#include <QMetaObject>

#include <exception>
#include <new>

namespace ld {

GuardedApplication::GuardedApplication(int& argc, char** argv) : QApplication(argc, argv) {}

bool GuardedApplication::notify(QObject* receiver, QEvent* event) {
    QString message;
    try {
        return QApplication::notify(receiver, event);
    } catch (const std::bad_alloc&) {
        message = tr("Out of memory: the last action was not completed.");
    } catch (const std::exception& e) {
        message = tr("The last action failed: %1").arg(QString::fromUtf8(e.what()));
    } catch (...) {
        message = tr("The last action failed with an unknown error.");
    }
    // Queued: the handler that threw may have left its widget mid-update.
    QMetaObject::invokeMethod(this, [this, message] { Q_EMIT uncaughtError(message); }, Qt::QueuedConnection);
    return false;
}

}  // namespace ld
