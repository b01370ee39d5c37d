#pragma once
// What to segment: the project's categories (add, rename, colour, merge), a free-text
// phrase with its history, and a narrative caption whose noun phrases become chips that
// are each segmented on their own (as GS grounds a narrative). Category edits are
// commands on the document's undo stack.
#include <QStringList>
#include <QWidget>

#include <cstdint>

class QComboBox;
class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace ld {

class LabelDocument;
class PhraseChips;

class PromptPanel : public QWidget {
    Q_OBJECT
public:
    explicit PromptPanel(LabelDocument* doc, QWidget* parent = nullptr);

    int64_t currentCategory() const;
    void setCurrentCategory(int64_t id);
    QString phrase() const;
    void setPhrase(const QString& phrase);
    void setCaption(const QString& caption);
    QStringList chips() const;
    QComboBox* phraseBox() const { return phrase_; }
    QListWidget* categoryList() const { return categories_; }
    PhraseChips* chipView() const { return chips_; }

    // Adds a category (with the next palette colour) through the undo stack.
    int64_t addCategory(const QString& name);
    bool renameCategory(int64_t id, const QString& name);
    bool setCategoryColor(int64_t id, const QColor& color);
    // Annotations of `from` become `into` and `from` is removed (one undo step).
    bool mergeCategory(int64_t from, int64_t into);
    // The category whose name or prompt is `phrase`, or 0.
    int64_t categoryForPhrase(const QString& phrase) const;

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    // The phrase box's text (Return or the Segment button).
    void segmentPhrase(const QString& phrase);
    void segmentPhrases(const QStringList& phrases);
    void categoryChanged(int64_t id);

private:
    void askAddCategory();
    void askRename();
    void askColor();
    void askMerge();
    void updateChips();

    LabelDocument* doc_;
    QListWidget* categories_;
    QComboBox* phrase_;
    QPlainTextEdit* caption_;
    PhraseChips* chips_;
};

}  // namespace ld
