#include "ui/phrase_similarity_view.h"

#include <QPainter>

#include <algorithm>

namespace ld {

PhraseSimilarityView::PhraseSimilarityView(QWidget* parent) : QWidget(parent) {
    setToolTip(tr("Cosine similarity of the text encoder's phrase encodings. Red cells outlined in black are "
                  "phrases the model cannot tell apart (above %1).")
                   .arg(kCollapsedPhraseCosine));
}

void PhraseSimilarityView::setSimilarity(const PhraseSimilarity& similarity) {
    similarity_ = similarity;
    update();
}

void PhraseSimilarityView::clear() {
    similarity_ = {};
    update();
}

QColor PhraseSimilarityView::cellColour(double cosine) {
    const double c = std::clamp(cosine, 0.0, 1.0);
    // White at 0.5; saturate toward blue below and red above.
    if (c < 0.5) {
        const int v = int(255 * (c / 0.5));
        return QColor(v, v, 255);
    }
    const int v = int(255 * ((1 - c) / 0.5));
    return QColor(255, v, v);
}

void PhraseSimilarityView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    const int n = int(similarity_.phrases.size());
    if (n == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("Phrase similarity appears at the first validation."));
        return;
    }
    const QFontMetrics fm(font());
    int labelWidth = 0;
    for (const auto& s : similarity_.phrases)
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(QString::fromStdString(s)));
    labelWidth = std::min(labelWidth + 8, width() / 2);
    const int side = std::max(4, std::min((width() - labelWidth - 4) / n, (height() - 4) / n));
    const QRect grid(labelWidth, 2, side * n, side * n);
    for (int i = 0; i < n; ++i) {
        const QRect label(0, grid.top() + i * side, labelWidth - 4, side);
        p.setPen(palette().color(QPalette::Text));
        p.drawText(label, Qt::AlignRight | Qt::AlignVCenter,
                   fm.elidedText(QString::fromStdString(similarity_.phrases[size_t(i)]), Qt::ElideRight, label.width()));
        for (int j = 0; j < n; ++j) {
            const double c = similarity_.cosine[size_t(i)][size_t(j)];
            const QRect cell(grid.left() + j * side, grid.top() + i * side, side, side);
            p.fillRect(cell, cellColour(c));
            if (i != j && c > kCollapsedPhraseCosine) {
                p.setPen(QPen(Qt::black, 2));
                p.drawRect(cell.adjusted(1, 1, -1, -1));
            }
            if (side >= fm.horizontalAdvance(QStringLiteral("0.00")) + 4) {
                p.setPen(Qt::black);
                p.drawText(cell, Qt::AlignCenter, QString::number(c, 'f', 2));
            }
        }
    }
}

}  // namespace ld
