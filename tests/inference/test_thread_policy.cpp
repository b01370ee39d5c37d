// The thread policy (inference/device.h): one call sets every pool the compute touches —
// LibTorch intra-op to the count asked for, inter-op to 1, OpenBLAS to 1 (its busy-waiting
// pool made a step 20–40× slower beside other busy programs), OpenCV to the intra-op count;
// and glibc malloc keeps freed activations for the next pass (configureAllocator).
#include "inference/device.h"

#include <ATen/Parallel.h>
#include <opencv2/core/utility.hpp>
#include <torch/torch.h>

#include <QtTest>

#include <sys/resource.h>

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

    void defaultIsHalfTheHardwareThreads() {
        const int hw = int(std::thread::hardware_concurrency());
        QCOMPARE(ld::defaultThreadCount(), std::max(1, hw / 2));
        qunsetenv("LABELDIFF_THREADS");
        QCOMPARE(ld::configureThreads(0), ld::defaultThreadCount());
        qputenv("LABELDIFF_THREADS", "2");
        QCOMPARE(ld::configureThreads(0), 2);
    }
};

QTEST_GUILESS_MAIN(TestThreadPolicy)
#include "test_thread_policy.moc"
