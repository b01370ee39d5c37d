// The GPU arbiter's rules, by device name (no GPU needed): inference never waits and runs
// on the CPU while training holds or wants the card; training asks inference to yield and
// waits for it, up to its patience, then runs on the CPU; a Stop ends the wait; CPU and
// other cards are not arbitrated; a release tells the listeners, and the holder whose
// work fell back gets the card on asking again.
#include "inference/runtime/gpu_arbiter.h"

#include <QElapsedTimer>
#include <QtTest>

#include <atomic>
#include <future>
#include <optional>
#include <thread>

using namespace ld;
using Party = GpuArbiter::Party;
using namespace std::chrono_literals;

class TestGpuArbiter : public QObject {
    Q_OBJECT
private slots:
    // Inference asks while another party holds a card (or nobody does).
    void inferenceNeverWaits_data() {
        QTest::addColumn<QString>("held");   // "", "inference" or "training"
        QTest::addColumn<QString>("heldOn");
        QTest::addColumn<QString>("asked");
        QTest::addColumn<QString>("device");  // what inference gets
        QTest::addColumn<QString>("note");    // in its note ("" = no note)
        QTest::newRow("free card") << "" << "" << "cuda:0" << "cuda:0" << "";
        QTest::newRow("'cuda' is card 0") << "" << "" << "cuda" << "cuda:0" << "";
        QTest::newRow("training on it") << "training" << "cuda:0" << "cuda:0" << "cpu" << "in use by a training run";
        QTest::newRow("training on it, named 'cuda'") << "training" << "cuda" << "cuda:0" << "cpu" << "training run";
        QTest::newRow("training on another card") << "training" << "cuda:1" << "cuda:0" << "cuda:0" << "";
        QTest::newRow("cpu is not arbitrated") << "training" << "cuda:0" << "cpu" << "cpu" << "";
        QTest::newRow("another inference on it") << "inference" << "cuda:0" << "cuda:0" << "cuda:0" << "";
    }
    void inferenceNeverWaits() {
        QFETCH(QString, held);
        QFETCH(QString, heldOn);
        QFETCH(QString, asked);
        QFETCH(QString, device);
        QFETCH(QString, note);
        GpuArbiter arbiter;
        GpuArbiter::Lease holder;
        if (held == "training") holder = arbiter.acquireForTraining(heldOn.toStdString(), {});
        if (held == "inference") holder = arbiter.acquireForInference(heldOn.toStdString(), {});
        QElapsedTimer clock;
        clock.start();
        GpuArbiter::Lease lease = arbiter.acquireForInference(asked.toStdString(), {});
        QVERIFY(clock.elapsed() < 100);
        QCOMPARE(QString::fromStdString(lease.device()), device);
        QCOMPARE(lease.fellBack(), device == "cpu" && asked != "cpu");
        QCOMPARE(lease.holdsGpu(), device != "cpu");
        QVERIFY2(note.isEmpty() ? lease.note().empty() : QString::fromStdString(lease.note()).contains(note),
                 lease.note().c_str());
    }

    // Training wants the card inference holds: inference is asked to yield once; whether
    // it does decides between the card (after a wait) and the CPU (after the patience).
    void trainingWaitsForInference_data() {
        QTest::addColumn<int>("yieldAfterMs");  // -1: the inference never releases
        QTest::addColumn<QString>("device");
        QTest::addColumn<QString>("note");
        QTest::newRow("inference yields") << 150 << "cuda:0" << "waited for cuda:0";
        QTest::newRow("inference keeps it") << -1 << "cpu" << "stayed in use by inference";
    }
    void trainingWaitsForInference() {
        QFETCH(int, yieldAfterMs);
        QFETCH(QString, device);
        QFETCH(QString, note);
        GpuArbiter arbiter;
        std::atomic<int> asked{0};
        std::promise<void> yieldAsked;
        GpuArbiter::Lease inference = arbiter.acquireForInference("cuda:0", [&] {
            if (asked++ == 0) yieldAsked.set_value();
        });
        QVERIFY(inference.holdsGpu());
        // The inference worker: moves its work to the CPU, then lets the card go.
        std::thread worker([&] {
            yieldAsked.get_future().wait();
            if (yieldAfterMs < 0) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(yieldAfterMs));
            inference.release();
        });
        std::vector<std::string> waitingNotes;
        GpuArbiter::TrainingOptions o;
        o.patience = 600ms;
        o.onWaiting = [&](const std::string& n) { waitingNotes.push_back(n); };
        QElapsedTimer clock;
        clock.start();
        GpuArbiter::Lease training = arbiter.acquireForTraining("cuda:0", o);
        const qint64 waited = clock.elapsed();
        worker.join();
        QCOMPARE(asked.load(), 1);
        QCOMPARE(waitingNotes.size(), size_t(1));
        QVERIFY2(QString::fromStdString(waitingNotes[0]).contains("in use by inference"), waitingNotes[0].c_str());
        QCOMPARE(QString::fromStdString(training.device()), device);
        QVERIFY2(QString::fromStdString(training.note()).contains(note), training.note().c_str());
        Party p;
        if (yieldAfterMs >= 0) {
            QVERIFY2(waited >= yieldAfterMs - 5, qPrintable(QString::number(waited)));
            QVERIFY(arbiter.heldBy("cuda:0", &p));
            QCOMPARE(p, Party::Training);
        } else {
            QVERIFY2(waited >= 590 && waited < 5000, qPrintable(QString::number(waited)));
            QVERIFY(training.fellBack());
            QVERIFY(arbiter.heldBy("cuda:0", &p));
            QCOMPARE(p, Party::Inference);  // still inference's
        }
    }

    // While training waits for the card, inference asking for it is sent to the CPU (it
    // would otherwise take the card back and starve the run); a Stop ends the wait at once.
    void waitingTrainingHasTheCardNextAndStopEndsTheWait() {
        GpuArbiter arbiter;
        GpuArbiter::Lease inference = arbiter.acquireForInference("cuda:0", {});
        CancelToken stop;
        GpuArbiter::TrainingOptions o;
        o.patience = 30s;
        o.cancel = &stop;
        std::promise<void> waiting;
        o.onWaiting = [&](const std::string&) { waiting.set_value(); };
        auto training = std::async(std::launch::async, [&] {
            try {
                arbiter.acquireForTraining("cuda:0", o);
                return QString("granted");
            } catch (const Cancelled&) {
                return QString("cancelled");
            }
        });
        waiting.get_future().wait();
        GpuArbiter::Lease second = arbiter.acquireForInference("cuda:0", {});
        QCOMPARE(QString::fromStdString(second.device()), QString("cpu"));
        QVERIFY2(QString::fromStdString(second.note()).contains("wanted by a training run"), second.note().c_str());
        QElapsedTimer clock;
        clock.start();
        stop.cancel();
        QCOMPARE(training.get(), QString("cancelled"));
        QVERIFY2(clock.elapsed() < 500, qPrintable(QString::number(clock.elapsed())));
        // No longer wanted: inference gets the card again.
        inference.release();
        QVERIFY(arbiter.acquireForInference("cuda:0", {}).holdsGpu());
    }

    // Inference that fell back hears when the training run lets the card go, and gets it.
    void releaseIsAnnounced() {
        GpuArbiter arbiter;
        std::vector<std::pair<std::string, Party>> heard;
        const int id = arbiter.subscribe([&](const std::string& d, Party p) { heard.emplace_back(d, p); });
        std::optional<GpuArbiter::Lease> training(arbiter.acquireForTraining("cuda", {}));
        QVERIFY(training->holdsGpu());
        GpuArbiter::Lease onCpu = arbiter.acquireForInference("cuda:0", {});
        QVERIFY(onCpu.fellBack());
        QVERIFY(!onCpu.holdsGpu());
        onCpu.release();  // holds nothing: announces nothing
        QVERIFY(heard.empty());
        training.reset();
        QCOMPARE(heard.size(), size_t(1));
        QCOMPARE(heard[0].first, std::string("cuda:0"));
        QCOMPARE(heard[0].second, Party::Training);
        GpuArbiter::Lease back = arbiter.acquireForInference("cuda:0", {});
        QVERIFY(back.holdsGpu());
        arbiter.unsubscribe(id);
        back.release();
        QCOMPARE(heard.size(), size_t(1));
        // A moved lease releases once, from where it ended up.
        GpuArbiter::Lease a = arbiter.acquireForInference("cuda:0", {});
        GpuArbiter::Lease b = std::move(a);
        QVERIFY(!a.holdsGpu());
        QVERIFY(b.holdsGpu());
        a.release();
        QVERIFY(arbiter.heldBy("cuda:0", nullptr));
        b.release();
        QVERIFY(!arbiter.heldBy("cuda:0", nullptr));
    }

    // Two training runs: the second waits for the first (no inference to ask), then runs.
    void secondTrainingRunWaits() {
        GpuArbiter arbiter;
        GpuArbiter::Lease first = arbiter.acquireForTraining("cuda:0", {});
        std::thread ends([&] {
            std::this_thread::sleep_for(100ms);
            first.release();
        });
        GpuArbiter::TrainingOptions o;
        o.patience = 5s;
        GpuArbiter::Lease second = arbiter.acquireForTraining("cuda:0", o);
        ends.join();
        QCOMPARE(QString::fromStdString(second.device()), QString("cuda:0"));
        QVERIFY(second.holdsGpu());
    }
};

QTEST_GUILESS_MAIN(TestGpuArbiter)
#include "test_gpu_arbiter.moc"
