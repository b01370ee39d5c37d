#pragma once
// The application object of the GUI. An exception escaping an event handler or a slot
// (an editor action on a hostile file, an allocation that fails) would otherwise unwind
// into Qt's event loop and end the process with the person's unsaved work; here it is
// caught at the event boundary and reported, and the app goes on.
#include <QApplication>
#include <QString>

namespace ld {

class GuardedApplication : public QApplication {
    Q_OBJECT
public:
    GuardedApplication(int& argc, char** argv);
    bool notify(QObject* receiver, QEvent* event) override;

Q_SIGNALS:
    // Emitted (queued) with a message for a person, once per escaped exception.
    void uncaughtError(const QString& message);
};

}  // namespace ld
