#pragma once
// The training panel's phrase-similarity heat map: how alike the text encoder makes each
// pair of the model's phrases (cosine of their encodings), updated at every validation.
// Cells past ld::kCollapsedPhraseCosine are outlined: those phrases look the same to the
// denoiser, which then cannot give them different masks.
#include "inference/text/phrase_similarity.h"

#include <QWidget>

namespace ld {

class PhraseSimilarityView : public QWidget {
    Q_OBJECT
public:
    explicit PhraseSimilarityView(QWidget* parent = nullptr);
    void setSimilarity(const PhraseSimilarity& similarity);
    void clear();
    const PhraseSimilarity& similarity() const { return similarity_; }
    QSize sizeHint() const override { return {360, 260}; }
    QSize minimumSizeHint() const override { return {200, 140}; }

    // Blue (unlike, cos ≤ 0) through white to red (identical, cos = 1).
    static QColor cellColour(double cosine);

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    PhraseSimilarity similarity_;
};

}  // namespace ld
