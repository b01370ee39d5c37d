#pragma once
// The noun phrases of a caption as a wrapping row of buttons; clicking one asks for it to
// be segmented.
#include <QStringList>
#include <QWidget>

namespace ld {

class PhraseChips : public QWidget {
    Q_OBJECT
public:
    explicit PhraseChips(QWidget* parent = nullptr);
    void setPhrases(const QStringList& phrases);
    QStringList phrases() const { return phrases_; }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;

Q_SIGNALS:
    void phraseClicked(const QString& phrase);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    int layoutChips(int width, bool apply) const;

    QStringList phrases_;
    QList<QWidget*> buttons_;
};

}  // namespace ld
