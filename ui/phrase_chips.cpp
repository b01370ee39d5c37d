#include "ui/phrase_chips.h"

#include <QResizeEvent>
#include <QToolButton>

namespace ld {

namespace {
constexpr int kGap = 4;
}

PhraseChips::PhraseChips(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void PhraseChips::setPhrases(const QStringList& phrases) {
    qDeleteAll(buttons_);
    buttons_.clear();
    phrases_ = phrases;
    for (const QString& p : phrases) {
        auto* b = new QToolButton(this);
        b->setText(p);
        b->setToolTip(tr("Segment “%1”").arg(p));
        b->setAutoRaise(false);
        b->setStyleSheet(QStringLiteral("QToolButton { border: 1px solid palette(mid); border-radius: 9px; padding: 1px 8px; }"));
        connect(b, &QToolButton::clicked, this, [this, p] { Q_EMIT phraseClicked(p); });
        b->show();
        buttons_.push_back(b);
    }
    layoutChips(width(), true);
    updateGeometry();
}

int PhraseChips::layoutChips(int width, bool apply) const {
    int x = 0, y = 0, rowHeight = 0;
    for (QWidget* b : buttons_) {
        const QSize s = b->sizeHint();
        if (x > 0 && x + s.width() > width) {
            x = 0;
            y += rowHeight + kGap;
            rowHeight = 0;
        }
        if (apply) b->setGeometry(QRect(QPoint(x, y), s));
        x += s.width() + kGap;
        rowHeight = std::max(rowHeight, s.height());
    }
    return buttons_.isEmpty() ? 0 : y + rowHeight;
}

int PhraseChips::heightForWidth(int width) const { return layoutChips(width, false); }

QSize PhraseChips::sizeHint() const { return {200, std::max(0, heightForWidth(std::max(200, width())))}; }

void PhraseChips::resizeEvent(QResizeEvent* event) {
    layoutChips(event->size().width(), true);
    QWidget::resizeEvent(event);
}

}  // namespace ld
