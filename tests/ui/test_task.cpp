// ld::Task and the TaskManager: the work runs off the GUI thread, its outcome (value,
// error, cancellation) comes back on the GUI thread exactly once, progress reaches the
// TaskProgress the status bar shows, and a task whose owner is gone delivers nothing.
#include "ui/progress_indicator.h"
#include "ui/task.h"
#include "ui/task_manager.h"
#include "ui/task_progress.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QToolButton>

#include <atomic>
#include <stdexcept>

using namespace ld;

namespace {

enum class Ending { Value, Throws, ThrowsCancelled };

// Spins until `token` is cancelled, then ends the way a cancelled job does.
void waitForCancel(TaskContext& context) {
    while (!context.cancelled()) QThread::msleep(2);
    throw Cancelled();
}

}  // namespace

Q_DECLARE_METATYPE(Ending)

class TestTask : public QObject {
    Q_OBJECT
private slots:
    void outcomeArrivesOnTheGuiThread_data() {
        QTest::addColumn<Ending>("ending");
        QTest::addColumn<int>("expectedState");
        QTest::addColumn<QString>("expectedMessage");
        QTest::newRow("value") << Ending::Value << int(Task::State::Succeeded) << QString();
        QTest::newRow("error") << Ending::Throws << int(Task::State::Failed) << QStringLiteral("disk on fire");
        QTest::newRow("cancelled by the work") << Ending::ThrowsCancelled << int(Task::State::Cancelled) << QString();
    }
    void outcomeArrivesOnTheGuiThread() {
        QFETCH(Ending, ending);
        QFETCH(int, expectedState);
        QFETCH(QString, expectedMessage);
        QObject owner;
        auto* task = new Task(QStringLiteral("job"), &owner);
        QSignalSpy failed(task, &Task::failed);
        QSignalSpy ended(task, &Task::ended);
        QSignalSpy progressFinished(task->progress(), &TaskProgress::finished);
        std::atomic<bool> ranOffGuiThread{false};
        int value = 0;
        int results = 0;
        QThread* gui = QThread::currentThread();
        runTask<int>(
            task,
            [&, ending](TaskContext&) {
                ranOffGuiThread = QThread::currentThread() != gui;
                if (ending == Ending::Throws) throw std::runtime_error("disk on fire");
                if (ending == Ending::ThrowsCancelled) throw Cancelled();
                return 42;
            },
            [&](int v) {
                QCOMPARE(QThread::currentThread(), gui);
                value = v;
                ++results;
            });
        QVERIFY(task->isRunning());
        QTRY_COMPARE(ended.count(), 1);
        QVERIFY(ranOffGuiThread);
        QCOMPARE(int(ended.at(0).at(0).value<Task::State>()), expectedState);
        QCOMPARE(results, expectedState == int(Task::State::Succeeded) ? 1 : 0);
        QCOMPARE(value, results ? 42 : 0);
        QCOMPARE(failed.count(), expectedMessage.isEmpty() ? 0 : 1);
        if (!expectedMessage.isEmpty()) QCOMPARE(failed.at(0).at(0).toString(), expectedMessage);
        QCOMPARE(progressFinished.count(), 1);
    }

    void cancelReachesTheWork() {
        QObject owner;
        auto* task = new Task(QStringLiteral("long job"), &owner);
        QSignalSpy cancelled(task, &Task::cancelled);
        QSignalSpy succeeded(task, &Task::succeeded);
        task->start(waitForCancel);
        QTest::qWait(20);
        QVERIFY(task->isRunning());
        // The status bar cancels through the progress, like every other task.
        task->progress()->requestCancel();
        QTRY_COMPARE(cancelled.count(), 1);
        QCOMPARE(succeeded.count(), 0);
    }

    void progressAndPartialResultsReachTheGui() {
        QObject owner;
        auto* task = new Task(QStringLiteral("counting"), &owner);
        TaskProgress* progress = task->progress();
        QSignalSpy changed(progress, &TaskProgress::changed);
        QList<int> delivered;
        task->start([&delivered](TaskContext& context) {
            context.setTotal(3);
            for (int i = 1; i <= 3; ++i) {
                context.setProgress(i, QStringLiteral("item %1").arg(i));
                context.deliver([&delivered, i] { delivered << i; });
            }
        });
        QSignalSpy ended(task, &Task::ended);
        QTRY_COMPARE(ended.count(), 1);
        QCOMPARE(delivered, (QList<int>{1, 2, 3}));
        QVERIFY(changed.count() >= 4);
    }

    void ownerGoneMeansNothingIsDelivered() {
        std::atomic<bool> finishedWork{false};
        int results = 0;
        int deliveries = 0;
        {
            QObject owner;
            auto* task = new Task(QStringLiteral("orphan"), &owner);
            runTask<int>(
                task,
                [&](TaskContext& context) {
                    // The owner is destroyed while this runs: its token is cancelled.
                    while (!context.cancelled()) QThread::msleep(2);
                    context.deliver([&deliveries] { ++deliveries; });
                    finishedWork = true;
                    return 1;
                },
                [&](int) { ++results; });
            QTest::qWait(20);
        }
        QTRY_VERIFY(finishedWork.load());
        QTest::qWait(50);  // anything queued for the GUI thread has run by now
        QCOMPARE(results, 0);
        QCOMPARE(deliveries, 0);
    }

    void managerAnnouncesTracksAndCancelsAll() {
        TaskManager manager;
        ProgressIndicator indicator;
        connect(&manager, &TaskManager::started, &indicator, &ProgressIndicator::track);
        QObject owner;
        Task* a = manager.create(QStringLiteral("a"), &owner);
        TaskProgress outside(QStringLiteral("sampling"));  // work on a thread of its own
        manager.track(&outside);
        QCOMPARE(indicator.task(), &outside);
        QSignalSpy aCancelled(a, &Task::cancelled);
        a->start(waitForCancel);
        QCOMPARE(manager.running().size(), 2);
        QSignalSpy outsideCancel(&outside, &TaskProgress::cancelRequested);
        QVERIFY(manager.cancelAll(5000));
        QCOMPARE(outsideCancel.count(), 1);
        QTRY_COMPARE(aCancelled.count(), 1);
        outside.finish();
        QTRY_COMPARE(manager.running().size(), 0);
    }
};

QTEST_MAIN(TestTask)
#include "test_task.moc"
