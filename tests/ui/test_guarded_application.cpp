// GuardedApplication: an exception thrown by an event handler is caught at the event
// boundary and reported once, and the event loop goes on (before, std::terminate ended the
// app and the person's unsaved work with it).
#include "ui/guarded_application.h"

#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include <new>
#include <stdexcept>

namespace {

class Throwing : public QObject {
public:
    int kind = 0;
    bool event(QEvent* e) override {
        if (e->type() != QEvent::User) return QObject::event(e);
        if (kind == 0) throw std::runtime_error("hostile.json: bad annotation");
        throw std::bad_alloc();
    }
};

}  // namespace

class TestGuardedApplication : public QObject {
    Q_OBJECT
private slots:
    void exceptionsAreReportedAndTheLoopGoesOn_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("ld::Error-like") << 0 << "hostile.json: bad annotation";
        QTest::newRow("out of memory") << 1 << "Out of memory";
    }
    void exceptionsAreReportedAndTheLoopGoesOn() {
        QFETCH(int, kind);
        QFETCH(QString, mentions);
        auto* app = qobject_cast<ld::GuardedApplication*>(QCoreApplication::instance());
        QVERIFY(app);
        QSignalSpy errors(app, &ld::GuardedApplication::uncaughtError);
        Throwing target;
        target.kind = kind;
        QCoreApplication::postEvent(&target, new QEvent(QEvent::User));
        QVERIFY(errors.wait(5000));
        QCOMPARE(errors.count(), 1);
        QVERIFY2(errors.first().first().toString().contains(mentions), qPrintable(errors.first().first().toString()));
        // The loop still runs.
        bool ran = false;
        QTimer::singleShot(0, [&] { ran = true; });
        QTRY_VERIFY(ran);
    }
};

int main(int argc, char** argv) {
    ld::GuardedApplication app(argc, argv);
    TestGuardedApplication t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_guarded_application.moc"
