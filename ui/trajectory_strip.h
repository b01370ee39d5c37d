#pragma once
// The denoising trajectory of the last run: a thumbnail of x̂₀ per step, appended live
// while sampling; afterwards a slider scrubs through the steps and Play animates them.
// It only holds images; the canvas shows whichever step is selected.
#include "ui/segment_request.h"

#include <QTimer>
#include <QVector>
#include <QWidget>

class QLabel;
class QListWidget;
class QSlider;
class QToolButton;

namespace ld {

class TrajectoryStrip : public QWidget {
    Q_OBJECT
public:
    explicit TrajectoryStrip(QWidget* parent = nullptr);

    void clear();
    // Frames of the first phrase only: several phrases run one after another and one strip
    // would interleave them.
    void addFrames(const QVector<TrajectoryImage>& frames);
    int frameCount() const { return int(frames_.size()); }
    const TrajectoryImage& frame(int i) const { return frames_[i]; }
    int currentStep() const;
    void setLive(bool live);
    bool isLive() const { return live_; }
    bool isPlaying() const { return timer_.isActive(); }
    // The ensemble's members side by side with their disagreement (hidden for one member).
    void setMembers(const QVector<QImage>& members, const QImage& disagreement);
    QListWidget* members() const { return members_; }
    QSlider* slider() const { return slider_; }
    QListWidget* thumbnails() const { return list_; }

public Q_SLOTS:
    void scrubTo(int step);
    void play();
    void stop();

Q_SIGNALS:
    // A step was chosen (by the slider, a thumbnail or playback); null when cleared.
    void frameSelected(const QImage& x0, int step);

private:
    QVector<TrajectoryImage> frames_;
    QListWidget* list_;
    QListWidget* members_;
    QSlider* slider_;
    QToolButton* play_;
    QLabel* label_;
    QTimer timer_;
    bool live_ = false;
};

}  // namespace ld
