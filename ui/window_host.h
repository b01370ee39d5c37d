#pragma once
// Owns the main window and replaces it when the interface language changes: Qt widgets
// take their texts when they are built, so a fresh window in the new language is built
// and the open work (project, unsaved edits, current image, model) is carried over.
#include <QObject>
#include <QString>

#include <memory>

namespace ld {

class MainWindow;

class WindowHost : public QObject {
    Q_OBJECT
public:
    explicit WindowHost(QObject* parent = nullptr);
    ~WindowHost() override;
    MainWindow* window() const { return window_.get(); }

public Q_SLOTS:
    // Installs `code`'s translation, saves the choice and rebuilds the window.
    void switchLanguage(const QString& code);

Q_SIGNALS:
    void windowReplaced(ld::MainWindow* window);

private:
    void adopt(std::unique_ptr<MainWindow> window);

    std::unique_ptr<MainWindow> window_;
};

}  // namespace ld
