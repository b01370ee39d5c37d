// The panels on their own: the histogram counts the soft mask and marks τ; the sampler
// panel maps its widgets to SamplerSettings ("model default" as 0 / -1) and persists
// them; caption noun phrases become chips that ask to be segmented; the trajectory strip
// scrubs and plays; a task's progress shows ETA and its Cancel reaches the owner.
#include "ui/histogram_view.h"
#include "ui/label_document.h"
#include "ui/loss_plot.h"
#include "ui/mask_image.h"
#include "ui/phrase_chips.h"
#include "ui/progress_indicator.h"
#include "ui/prompt_panel.h"
#include "ui/sampler_panel.h"
#include "ui/task_progress.h"
#include "ui/trajectory_strip.h"

#include <QLineSeries>
#include <QListWidget>
#include <QValueAxis>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QToolButton>
#include <QtTest>

using namespace ld;

class TestPanels : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void histogram_data() {
        QTest::addColumn<float>("value");
        QTest::addColumn<int>("bin");
        QTest::newRow("zero") << 0.0f << 0;
        QTest::newRow("middle") << 0.5f << 25;
        QTest::newRow("one") << 1.0f << HistogramView::kBins - 1;
    }
    void histogram() {
        QFETCH(float, value);
        QFETCH(int, bin);
        SoftMask m(10, 20);
        m.mat().setTo(value);
        HistogramView h;
        h.setMask(m);
        QCOMPARE(h.counts()[bin], qint64(200));
        h.setThreshold(0.3);
        QCOMPARE(h.threshold(), 0.3);
    }

    void samplerSettings() {
        SamplerPanel p;
        SamplerSettings s = p.settings();
        QCOMPARE(s.steps, 0);
        QVERIFY(s.guidance < 0);
        QCOMPARE(s.ensemble, 0);
        QVERIFY(s.spacing.empty());
        QSignalSpy tau(&p, &SamplerPanel::thresholdChanged);
        p.setThreshold(0.7);
        QCOMPARE(tau.count(), 1);
        QCOMPARE(p.settings().threshold, 0.7);
        QCOMPARE(p.histogram()->threshold(), 0.7);
        p.setSeed(1234);
        p.newSeed();
        const uint64_t seed = p.seed();
        p.saveSettings();
        SamplerPanel q;
        q.loadSettings();
        QCOMPARE(q.seed(), seed);
        QCOMPARE(q.threshold(), 0.7);
    }

    void captionChips() {
        LabelDocument doc;
        PromptPanel panel(&doc);
        panel.setCaption("A man in a red shirt is walking a small dog on the beach.");
        const QStringList chips = panel.chips();
        QVERIFY2(chips.size() >= 3, qPrintable(chips.join("|")));
        QSignalSpy segment(&panel, &PromptPanel::segmentPhrase);
        const auto buttons = panel.chipView()->findChildren<QToolButton*>();
        QCOMPARE(buttons.size(), chips.size());
        buttons[1]->click();
        QCOMPARE(segment.count(), 1);
        QCOMPARE(segment.first().first().toString(), chips[1]);
        QCOMPARE(panel.phrase(), chips[1]);
        QSignalSpy all(&panel, &PromptPanel::segmentPhrases);
        panel.setCaption(QString());
        QVERIFY(panel.chips().isEmpty());
    }

    void trajectoryScrubAndPlay() {
        TrajectoryStrip strip;
        QVector<TrajectoryImage> frames;
        for (int i = 0; i < 4; ++i) {
            SoftMask m(8, 8);
            m.mat().setTo(i / 4.0f);
            TrajectoryImage t;
            t.step = i;
            t.steps = 4;
            t.timestep = 999 - 250 * i;
            t.x0 = grayImage(m);
            frames.push_back(t);
        }
        strip.setLive(true);
        QSignalSpy selected(&strip, &TrajectoryStrip::frameSelected);
        strip.addFrames(frames.mid(0, 2));
        strip.addFrames(frames.mid(2));
        QCOMPARE(strip.frameCount(), 4);
        QCOMPARE(strip.thumbnails()->count(), 4);
        QCOMPARE(strip.currentStep(), 3);  // live: follows the newest
        QVERIFY(!strip.slider()->isEnabled());
        strip.setLive(false);
        strip.scrubTo(1);
        QCOMPARE(selected.last().at(1).toInt(), 1);
        QCOMPARE(selected.last().at(0).value<QImage>().pixelColor(0, 0).red(), frames[1].x0.pixelColor(0, 0).red());
        strip.scrubTo(0);
        strip.play();
        QVERIFY(strip.isPlaying());
        QTRY_VERIFY_WITH_TIMEOUT(!strip.isPlaying(), 3000);
        QCOMPARE(strip.currentStep(), 3);
        strip.setMembers({frames[0].x0, frames[1].x0, frames[2].x0}, frames[3].x0);
        QCOMPARE(strip.members()->count(), 4);  // three members and their disagreement
        QVERIFY(!strip.members()->isHidden());
        strip.setMembers({frames[0].x0}, QImage());
        QVERIFY(strip.members()->isHidden());
        strip.clear();
        QCOMPARE(strip.frameCount(), 0);
    }

    void progressAndCancel() {
        TaskProgress task("Labelling");
        ProgressIndicator ind;
        ind.track(&task);
        QVERIFY(!ind.isHidden());
        task.setTotal(4);
        QCOMPARE(task.etaSeconds(), -1.0);
        QTest::qWait(20);
        task.setProgress(2);
        QVERIFY(task.etaSeconds() > 0);
        QCOMPARE(TaskProgress::formatDuration(65), QString("1:05"));
        QSignalSpy cancel(&task, &TaskProgress::cancelRequested);
        ind.cancelButton()->click();
        QCOMPARE(cancel.count(), 1);
        QVERIFY(!ind.cancelButton()->isEnabled());
        task.finish("stopped");
        QVERIFY(ind.isHidden());
    }

    // A training run reports a step at a time; the chart must take them in batches and move
    // its axes only when the data leaves them (each relayout stalled the UI 16–30 ms).
    void lossPlotRedrawsInBatches() {
        LossPlot plot("Training loss", "loss");
        plot.resize(400, 300);
        plot.show();
        plot.setXExtent(0, 1000);
        auto axes = plot.chart()->axes();
        QCOMPARE(axes.size(), 2);
        QSignalSpy xMoved(qobject_cast<QValueAxis*>(axes[0]), &QValueAxis::rangeChanged);
        QSignalSpy yMoved(qobject_cast<QValueAxis*>(axes[1]), &QValueAxis::rangeChanged);
        for (int i = 1; i <= 400; ++i) {
            plot.append("loss", i, 1.0 / i + 0.01 * (i % 7), 0.9);
            if (i % 40 == 0) QTest::qWait(LossPlot::kRedrawMs + 50);
        }
        QTest::qWait(LossPlot::kRedrawMs + 50);
        QCOMPARE(plot.pointCount("loss"), 400);
        QCOMPARE(plot.pointCount(LossPlot::smoothedName("loss")), 400);
        QCOMPARE(plot.lastValue("loss"), 1.0 / 400 + 0.01 * (400 % 7));
        for (auto* series : plot.chart()->series()) QCOMPARE(qobject_cast<QLineSeries*>(series)->count(), 400);
        QCOMPARE(xMoved.count(), 0);  // the run's extent was known
        QVERIFY2(yMoved.count() <= 3, qPrintable(QString::number(yMoved.count())));
        const auto* y = qobject_cast<QValueAxis*>(axes[1]);
        QVERIFY(y->min() <= 1.0 / 400 && y->max() >= 1.0);
        plot.append("loss", 1500, 0.5);  // a resumed run outgrows the extent
        QTest::qWait(LossPlot::kRedrawMs + 50);
        QVERIFY(qobject_cast<QValueAxis*>(axes[0])->max() >= 1500);
    }
};

QTEST_MAIN(TestPanels)
#include "test_panels.moc"
