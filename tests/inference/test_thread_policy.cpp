// The thread policy (inference/device.h): one call sets every pool the compute touches —
// LibTorch intra-op to the count asked for, inter-op to 1, OpenBLAS to 1 (its busy-waiting
// pool made a step 20–40× slower beside other busy programs), OpenCV to the intra-op count.
#include "inference/device.h"

#include <ATen/Parallel.h>
#include <opencv2/core/utility.hpp>

#include <QtTest>

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
