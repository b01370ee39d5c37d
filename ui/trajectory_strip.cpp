#include "ui/trajectory_strip.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>

namespace ld {

namespace {
constexpr int kThumb = 56;
constexpr int kPlayIntervalMs = 120;
}  // namespace

TrajectoryStrip::TrajectoryStrip(QWidget* parent)
    : QWidget(parent), list_(new QListWidget), members_(new QListWidget), slider_(new QSlider(Qt::Horizontal)), play_(new QToolButton),
      label_(new QLabel) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    list_->setViewMode(QListView::IconMode);
    list_->setFlow(QListView::LeftToRight);
    list_->setWrapping(false);
    list_->setIconSize(QSize(kThumb, kThumb));
    list_->setFixedHeight(kThumb + 34);
    list_->setMovement(QListView::Static);
    list_->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    auto* strips = new QHBoxLayout;
    strips->addWidget(list_, 1);
    members_->setViewMode(QListView::IconMode);
    members_->setFlow(QListView::LeftToRight);
    members_->setWrapping(false);
    members_->setIconSize(QSize(kThumb, kThumb));
    members_->setFixedHeight(kThumb + 34);
    members_->setMaximumWidth(5 * (kThumb + 16));
    members_->setMovement(QListView::Static);
    members_->setToolTip(tr("Ensemble members and their disagreement"));
    members_->hide();
    strips->addWidget(members_);
    layout->addLayout(strips);
    auto* row = new QHBoxLayout;
    play_->setText(tr("Play"));
    play_->setToolTip(tr("Animate the denoising steps"));
    slider_->setRange(0, 0);
    slider_->setToolTip(tr("Scrub through the denoising steps"));
    row->addWidget(play_);
    row->addWidget(slider_, 1);
    row->addWidget(label_);
    layout->addLayout(row);
    label_->setText(tr("No trajectory"));

    timer_.setInterval(kPlayIntervalMs);
    connect(&timer_, &QTimer::timeout, this, [this] {
        if (currentStep() + 1 >= frameCount()) {
            stop();
            return;
        }
        scrubTo(currentStep() + 1);
    });
    connect(play_, &QToolButton::clicked, this, [this] { isPlaying() ? stop() : play(); });
    connect(slider_, &QSlider::valueChanged, this, [this](int v) {
        if (v < 0 || v >= frameCount()) return;
        const TrajectoryImage& f = frames_[v];
        label_->setText(tr("step %1/%2  t=%3").arg(f.step + 1).arg(f.steps).arg(f.timestep, 0, 'f', 0));
        list_->blockSignals(true);
        list_->setCurrentRow(v);
        list_->blockSignals(false);
        list_->scrollToItem(list_->item(v));
        Q_EMIT frameSelected(f.x0, v);
    });
    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (!live_ && row >= 0) slider_->setValue(row);
    });
    setLive(false);
}

void TrajectoryStrip::setMembers(const QVector<QImage>& members, const QImage& disagreement) {
    members_->clear();
    members_->setVisible(members.size() > 1);
    if (members.size() <= 1) return;
    const auto thumb = [](const QImage& i) {
        return QIcon(QPixmap::fromImage(i.scaled(kThumb, kThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    };
    for (int i = 0; i < members.size(); ++i) members_->addItem(new QListWidgetItem(thumb(members[i]), tr("seed +%1").arg(i)));
    if (!disagreement.isNull()) members_->addItem(new QListWidgetItem(thumb(disagreement), tr("disagreement")));
}

void TrajectoryStrip::clear() {
    stop();
    members_->clear();
    members_->hide();
    frames_.clear();
    list_->clear();
    slider_->blockSignals(true);
    slider_->setRange(0, 0);
    slider_->blockSignals(false);
    label_->setText(tr("No trajectory"));
    Q_EMIT frameSelected(QImage(), -1);
}

void TrajectoryStrip::addFrames(const QVector<TrajectoryImage>& frames) {
    for (const TrajectoryImage& f : frames) {
        if (f.phraseIndex != 0) continue;
        frames_.push_back(f);
        auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(f.x0.scaled(kThumb, kThumb, Qt::KeepAspectRatio,
                                                                               Qt::SmoothTransformation))),
                                         QString::number(f.step + 1));
        item->setToolTip(tr("Step %1 of %2 (t = %3)").arg(f.step + 1).arg(f.steps).arg(f.timestep, 0, 'f', 0));
        list_->addItem(item);
    }
    if (frames_.isEmpty()) return;
    slider_->setRange(0, frameCount() - 1);
    // While live, the newest step is what the canvas shows.
    if (live_) slider_->setValue(frameCount() - 1);
}

int TrajectoryStrip::currentStep() const { return frames_.isEmpty() ? -1 : slider_->value(); }

void TrajectoryStrip::setLive(bool live) {
    live_ = live;
    play_->setEnabled(!live);
    slider_->setEnabled(!live);
}

void TrajectoryStrip::scrubTo(int step) {
    if (step < 0 || step >= frameCount()) return;
    if (slider_->value() == step) Q_EMIT frameSelected(frames_[step].x0, step);
    else slider_->setValue(step);
}

void TrajectoryStrip::play() {
    if (frameCount() < 2 || live_) return;
    if (currentStep() + 1 >= frameCount()) scrubTo(0);
    play_->setText(tr("Stop"));
    timer_.start();
}

void TrajectoryStrip::stop() {
    timer_.stop();
    play_->setText(tr("Play"));
}

}  // namespace ld
