// The thread policy (inference/runtime/device.h): one call sets every pool the compute touches —
// LibTorch intra-op to the count asked for, inter-op to 1, OpenBLAS to 1 (its busy-waiting
// pool made a step 20–40× slower beside other busy programs), OpenCV to the intra-op count;
// and glibc malloc keeps freed activations for the next pass (configureAllocator).
#include "inference/runtime/cpu_load.h"
#include "inference/runtime/device.h"

#include <ATen/Parallel.h>
#include <opencv2/core/utility.hpp>
#include <torch/torch.h>

#include <QtTest>

#include <sys/resource.h>
#include <sys/wait.h>

#include <csignal>
#include <unistd.h>

#include <thread>

class TestThreadPolicy : public QObject {
    Q_OBJECT
private slots:
    void everyPoolFollowsThePolicy_data() {
        QTest::addColumn<int>("requested");
        QTest::newRow("one") << 1;
        QTest::newRow("two") << 2;
        QTest::newRow("one again") << 1;
    }
    void everyPoolFollowsThePolicy() {
        QFETCH(int, requested);
        QCOMPARE(ld::configureThreads(requested), requested);
        QCOMPARE(at::get_num_threads(), requested);
        QCOMPARE(at::get_num_interop_threads(), 1);
        QCOMPARE(cv::getNumThreads(), requested);
        const int blas = ld::openBlasThreads();
        if (blas < 0) QSKIP("LibTorch does not use OpenBLAS here");
        QCOMPARE(blas, 1);
    }

    // A pass that allocates and frees 48 MiB of activations (24 of 1 MiB, 3 of 8 MiB),
    // repeated: with glibc's defaults every repeat still returns ~4 MiB to the kernel and
    // faults it back in (~1,000 faults per pass; ~5,900 in a facade-small forward); under
    // the policy, after warm-up passes, the heap is reused.
    void freedActivationsAreReusedWithoutPageFaults() {
#if !defined(__GLIBC__)
        QSKIP("the allocator policy is glibc's");
#else
        ld::configureThreads(1);
        if (!ld::configureAllocator()) QSKIP("$GLIBC_TUNABLES or $MALLOC_* chose the allocator's thresholds");
        auto faults = [] {
            rusage u{};
            getrusage(RUSAGE_SELF, &u);
            return long(u.ru_minflt);
        };
        auto pass = [] {
            std::vector<torch::Tensor> live;
            for (int i = 0; i < 24; ++i) live.push_back(torch::ones({256 * 1024}));       // 1 MiB, touched
            for (int i = 0; i < 3; ++i) live.push_back(torch::ones({2 * 1024 * 1024}));  // 8 MiB
        };
        for (int r = 0; r < 6; ++r) pass();
        const long before = faults();
        for (int r = 0; r < 4; ++r) pass();
        const long perPass = (faults() - before) / 4;
        QVERIFY2(perPass < 100, qPrintable(QString("%1 page faults per pass (12288 pages touched)").arg(perPass)));
#endif
    }

    // Jiffies over one second on a 4-core machine (400 in all): what other processes used is
    // taken away, what this process used is not (it is the work being sized).
    void freeCoresCountOnlyOtherProcesses_data() {
        QTest::addColumn<quint64>("busy");
        QTest::addColumn<quint64>("own");
        QTest::addColumn<double>("free");
        QTest::newRow("idle") << quint64(0) << quint64(0) << 4.0;
        QTest::newRow("only this process") << quint64(300) << quint64(300) << 4.0;
        QTest::newRow("two busy programs") << quint64(200) << quint64(0) << 2.0;
        QTest::newRow("two busy programs and this one") << quint64(400) << quint64(200) << 2.0;
        QTest::newRow("a browser's half core") << quint64(50) << quint64(0) << 3.5;
        QTest::newRow("everything busy") << quint64(400) << quint64(0) << 0.0;
    }
    void freeCoresCountOnlyOtherProcesses() {
        QFETCH(quint64, busy);
        QFETCH(quint64, own);
        QFETCH(double, free);
        const ld::CpuSample before{1000, 500, 20, 1.0};
        const ld::CpuSample after{1400, 500 + busy, 20 + own, 2.0};
        QCOMPARE(ld::freeCores(before, after, 4), free);
        QCOMPARE(ld::freeCores(before, before, 4), 4.0);  // no time passed: nothing known against
    }

    void samplesComeFromTheKernel() {
        const auto a = ld::takeCpuSample();
        if (!a) QSKIP("no /proc/stat here");
        volatile double x = 0;
        for (int i = 0; i < 20000000; ++i) x = x + 1e-9 * i;  // ~20 ms of this process's time
        const auto b = ld::takeCpuSample();
        QVERIFY(b);
        QVERIFY(b->total >= a->total && b->busy >= a->busy && b->own >= a->own);
        QVERIFY(b->busy - a->busy <= b->total - a->total);
        QVERIFY(b->seconds > a->seconds);
    }

    // One spinning process per hardware thread: the automatic policy must drop to one thread,
    // while a count the user chose stays as chosen.
    void automaticCountFollowsTheLoad() {
        if (!ld::takeCpuSample()) QSKIP("no /proc/stat here");
        const int hw = std::max(1, int(std::thread::hardware_concurrency()));
        std::vector<pid_t> spinners;
        for (int i = 0; i < hw; ++i) {
            const pid_t pid = fork();
            if (pid == 0) {
                for (volatile unsigned long n = 0;; n = n + 1) {
                }
            }
            QVERIFY(pid > 0);
            spinners.push_back(pid);
        }
        auto stop = qScopeGuard([&] {
            for (pid_t pid : spinners) {
                kill(pid, SIGKILL);
                waitpid(pid, nullptr, 0);
            }
        });
        QTest::qWait(300);
        qunsetenv("LABELDIFF_THREADS");
        ld::configureThreads(0);
        QTest::qWait(500);
        QCOMPARE(ld::adaptThreads(), 1);
        QCOMPARE(at::get_num_threads(), 1);
        QCOMPARE(ld::automaticThreadCount() >= 1 && ld::automaticThreadCount() <= hw, true);
        qputenv("LABELDIFF_THREADS", "2");
        QCOMPARE(ld::configureThreads(0), 2);
        QTest::qWait(300);
        QCOMPARE(ld::adaptThreads(), 2);  // fixed by the variable: the load does not change it
        QCOMPARE(ld::configureThreads(1), 1);
        QCOMPARE(ld::adaptThreads(), 1);
    }
};

QTEST_GUILESS_MAIN(TestThreadPolicy)
#include "test_thread_policy.moc"
