#pragma once
// The keyboard cheat sheet: every action of the window that has a shortcut, grouped by
// menu, read from the actions themselves so that it can never disagree with them.
#include <QDialog>

class QMenuBar;
class QTableWidget;

namespace ld {

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    explicit ShortcutsDialog(QMenuBar* menus, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }

private:
    QTableWidget* table_;
};

}  // namespace ld
