#include "ui/prompt_panel.h"

#include "core/palette.h"
#include "inference/text/noun_phrases.h"
#include "ui/edit_commands.h"
#include "ui/label_document.h"
#include "ui/phrase_chips.h"

#include <QColorDialog>
#include <QComboBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace ld {

namespace {
QIcon swatch(const std::array<uint8_t, 3>& c) {
    QPixmap pm(14, 14);
    pm.fill(QColor(c[0], c[1], c[2]));
    return QIcon(pm);
}
}  // namespace

PromptPanel::PromptPanel(LabelDocument* doc, QWidget* parent)
    : QWidget(parent), doc_(doc), categories_(new QListWidget), phrase_(new QComboBox), caption_(new QPlainTextEdit),
      chips_(new PhraseChips) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Categories")));
    categories_->setToolTip(tr("Double-click a category to segment its prompt"));
    layout->addWidget(categories_, 1);
    auto* catButtons = new QHBoxLayout;
    const auto button = [&](const QString& text, const QString& tip) {
        auto* b = new QToolButton;
        b->setText(text);
        b->setToolTip(tip);
        catButtons->addWidget(b);
        return b;
    };
    QToolButton* add = button(tr("Add"), tr("Add a category"));
    QToolButton* rename = button(tr("Rename"), tr("Rename the selected category"));
    QToolButton* color = button(tr("Colour"), tr("Change the selected category's colour"));
    QToolButton* merge = button(tr("Merge"), tr("Merge the selected category into another"));
    catButtons->addStretch();
    layout->addLayout(catButtons);
    auto* segmentAll = new QPushButton(tr("Segment all categories"));
    layout->addWidget(segmentAll);

    layout->addWidget(new QLabel(tr("Phrase")));
    auto* phraseRow = new QHBoxLayout;
    phrase_->setEditable(true);
    phrase_->setInsertPolicy(QComboBox::NoInsert);
    phrase_->lineEdit()->setPlaceholderText(tr("e.g. the red umbrella"));
    phrase_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    auto* segment = new QPushButton(tr("Segment"));
    segment->setToolTip(tr("Segment the phrase (Ctrl+Return)"));
    phraseRow->addWidget(phrase_, 1);
    phraseRow->addWidget(segment);
    layout->addLayout(phraseRow);

    layout->addWidget(new QLabel(tr("Caption")));
    caption_->setPlaceholderText(tr("A narrative caption: each noun phrase becomes a chip to segment"));
    caption_->setMaximumHeight(70);
    layout->addWidget(caption_);
    layout->addWidget(chips_);
    auto* segmentChips = new QPushButton(tr("Segment all phrases"));
    layout->addWidget(segmentChips);

    connect(add, &QToolButton::clicked, this, &PromptPanel::askAddCategory);
    connect(rename, &QToolButton::clicked, this, &PromptPanel::askRename);
    connect(color, &QToolButton::clicked, this, &PromptPanel::askColor);
    connect(merge, &QToolButton::clicked, this, &PromptPanel::askMerge);
    connect(categories_, &QListWidget::currentRowChanged, this, [this] { Q_EMIT categoryChanged(currentCategory()); });
    connect(categories_, &QListWidget::itemDoubleClicked, this, [this] {
        if (const ProjectCategory* c = doc_->category(currentCategory()))
            Q_EMIT segmentPhrase(QString::fromStdString(LabelDocument::promptOf(*c)));
    });
    connect(segmentAll, &QPushButton::clicked, this, [this] {
        QStringList all;
        for (const auto& c : doc_->project().categories) all << QString::fromStdString(LabelDocument::promptOf(c));
        if (!all.isEmpty()) Q_EMIT segmentPhrases(all);
    });
    connect(segment, &QPushButton::clicked, this, [this] {
        if (!phrase().isEmpty()) Q_EMIT segmentPhrase(phrase());
    });
    connect(phrase_->lineEdit(), &QLineEdit::returnPressed, this, [this] {
        if (!phrase().isEmpty()) Q_EMIT segmentPhrase(phrase());
    });
    connect(caption_, &QPlainTextEdit::textChanged, this, &PromptPanel::updateChips);
    connect(chips_, &PhraseChips::phraseClicked, this, [this](const QString& p) {
        setPhrase(p);
        Q_EMIT segmentPhrase(p);
    });
    connect(segmentChips, &QPushButton::clicked, this, [this] {
        if (!chips().isEmpty()) Q_EMIT segmentPhrases(chips());
    });
    connect(doc_, &LabelDocument::categoriesChanged, this, &PromptPanel::refresh);
    connect(doc_, &LabelDocument::documentReset, this, &PromptPanel::refresh);
}

void PromptPanel::refresh() {
    const int64_t keep = currentCategory();
    categories_->blockSignals(true);
    categories_->clear();
    for (const auto& c : doc_->project().categories) {
        auto* item = new QListWidgetItem(swatch(c.color), QString::fromStdString(c.name));
        item->setData(Qt::UserRole, qint64(c.id));
        if (!c.prompt.empty()) item->setToolTip(tr("Prompt: %1").arg(QString::fromStdString(c.prompt)));
        categories_->addItem(item);
    }
    categories_->blockSignals(false);
    setCurrentCategory(keep);
    if (categories_->currentRow() < 0 && categories_->count() > 0) categories_->setCurrentRow(0);

    const QString text = phrase_->currentText();
    phrase_->clear();
    const auto& history = doc_->project().phraseHistory;
    for (auto it = history.rbegin(); it != history.rend(); ++it) phrase_->addItem(QString::fromStdString(*it));
    phrase_->setCurrentText(text);
}

int64_t PromptPanel::currentCategory() const {
    const QListWidgetItem* item = categories_->currentItem();
    return item ? item->data(Qt::UserRole).toLongLong() : 0;
}

void PromptPanel::setCurrentCategory(int64_t id) {
    for (int i = 0; i < categories_->count(); ++i)
        if (categories_->item(i)->data(Qt::UserRole).toLongLong() == id) categories_->setCurrentRow(i);
}

QString PromptPanel::phrase() const { return phrase_->currentText().simplified(); }

void PromptPanel::setPhrase(const QString& p) { phrase_->setCurrentText(p); }

void PromptPanel::setCaption(const QString& caption) { caption_->setPlainText(caption); }

QStringList PromptPanel::chips() const { return chips_->phrases(); }

void PromptPanel::updateChips() {
    QStringList list;
    for (const std::string& p : nounPhrases(caption_->toPlainText().toStdString())) list << QString::fromStdString(p);
    chips_->setPhrases(list);
}

int64_t PromptPanel::categoryForPhrase(const QString& phrase) const {
    const std::string p = phrase.simplified().toLower().toStdString();
    for (const auto& c : doc_->project().categories) {
        if (QString::fromStdString(c.name).toLower().toStdString() == p ||
            QString::fromStdString(c.prompt).toLower().toStdString() == p)
            return c.id;
    }
    return 0;
}

int64_t PromptPanel::addCategory(const QString& name) {
    const QString n = name.simplified();
    if (n.isEmpty()) return 0;
    if (const int64_t existing = categoryForPhrase(n)) return existing;
    auto cats = doc_->project().categories;
    ProjectCategory c;
    c.id = doc_->newCategoryId();
    c.name = n.toStdString();
    c.color = paletteColor(int(cats.size()));
    cats.push_back(c);
    doc_->undoStack()->push(new CategoryEditCommand(doc_, std::move(cats), tr("Add category “%1”").arg(n)));
    setCurrentCategory(c.id);
    return c.id;
}

bool PromptPanel::renameCategory(int64_t id, const QString& name) {
    const QString n = name.simplified();
    auto cats = doc_->project().categories;
    for (auto& c : cats) {
        if (c.id != id || n.isEmpty() || c.name == n.toStdString()) continue;
        c.name = n.toStdString();
        doc_->undoStack()->push(new CategoryEditCommand(doc_, std::move(cats), tr("Rename category")));
        return true;
    }
    return false;
}

bool PromptPanel::setCategoryColor(int64_t id, const QColor& color) {
    auto cats = doc_->project().categories;
    for (auto& c : cats) {
        if (c.id != id || !color.isValid()) continue;
        c.color = {uint8_t(color.red()), uint8_t(color.green()), uint8_t(color.blue())};
        doc_->undoStack()->push(new CategoryEditCommand(doc_, std::move(cats), tr("Change category colour")));
        return true;
    }
    return false;
}

bool PromptPanel::mergeCategory(int64_t from, int64_t into) {
    if (from == into || !doc_->category(from) || !doc_->category(into)) return false;
    QUndoStack* undo = doc_->undoStack();
    undo->beginMacro(tr("Merge categories"));
    for (const auto& img : doc_->project().images) {
        auto list = doc_->annotationsOf(img.id);
        bool touched = false;
        for (auto& a : list)
            if (a.categoryId == from) a.categoryId = into, touched = true;
        if (touched) undo->push(new ImageEditCommand(doc_, img.id, std::move(list), img.status, QString()));
    }
    auto cats = doc_->project().categories;
    cats.erase(std::remove_if(cats.begin(), cats.end(), [&](const auto& c) { return c.id == from; }), cats.end());
    undo->push(new CategoryEditCommand(doc_, std::move(cats), QString()));
    undo->endMacro();
    return true;
}

void PromptPanel::askAddCategory() {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Add category"), tr("Name:"), QLineEdit::Normal, phrase(), &ok);
    if (ok) addCategory(name);
}

void PromptPanel::askRename() {
    const ProjectCategory* c = doc_->category(currentCategory());
    if (!c) return;
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Rename category"), tr("Name:"), QLineEdit::Normal,
                                               QString::fromStdString(c->name), &ok);
    if (ok) renameCategory(c->id, name);
}

void PromptPanel::askColor() {
    const ProjectCategory* c = doc_->category(currentCategory());
    if (!c) return;
    const int64_t id = c->id;
    const QColor color = QColorDialog::getColor(QColor(c->color[0], c->color[1], c->color[2]), this, tr("Category colour"));
    if (color.isValid()) setCategoryColor(id, color);
}

void PromptPanel::askMerge() {
    const ProjectCategory* c = doc_->category(currentCategory());
    if (!c) return;
    const int64_t from = c->id;
    QStringList names;
    QList<int64_t> ids;
    for (const auto& o : doc_->project().categories)
        if (o.id != from) names << QString::fromStdString(o.name), ids << o.id;
    if (names.isEmpty()) return;
    bool ok = false;
    const QString into = QInputDialog::getItem(this, tr("Merge category"),
                                               tr("Merge “%1” into:").arg(QString::fromStdString(c->name)), names, 0,
                                               false, &ok);
    if (ok) mergeCategory(from, ids[int(names.indexOf(into))]);
}

}  // namespace ld
