#include "ui/shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ld {

namespace {
void collect(QMenu* menu, const QString& group, QList<QStringList>& rows) {
    for (QAction* a : menu->actions()) {
        if (a->menu()) {
            collect(a->menu(), group, rows);
            continue;
        }
        if (a->shortcuts().isEmpty()) continue;
        QStringList keys;
        for (const QKeySequence& k : a->shortcuts()) keys << k.toString(QKeySequence::NativeText);
        rows.push_back({group, QString(a->text()).remove(QLatin1Char('&')).remove(QStringLiteral("…")), keys.join(QStringLiteral(", "))});
    }
}
}  // namespace

ShortcutsDialog::ShortcutsDialog(QMenuBar* menus, QWidget* parent) : QDialog(parent), table_(new QTableWidget) {
    setWindowTitle(tr("Keyboard Shortcuts"));
    QList<QStringList> rows;
    for (QAction* a : menus->actions())
        if (a->menu()) collect(a->menu(), QString(a->text()).remove(QLatin1Char('&')), rows);
    table_->setColumnCount(3);
    table_->setHorizontalHeaderLabels({tr("Menu"), tr("Action"), tr("Shortcut")});
    table_->setRowCount(int(rows.size()));
    for (int r = 0; r < rows.size(); ++r)
        for (int c = 0; c < 3; ++c) table_->setItem(r, c, new QTableWidgetItem(rows[r][c]));
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->resizeColumnsToContents();
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(table_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(520, 560);
}

}  // namespace ld
