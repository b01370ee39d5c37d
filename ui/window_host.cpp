#include "ui/window_host.h"

#include "ui/language.h"
#include "ui/main_window.h"

namespace ld {

WindowHost::WindowHost(QObject* parent) : QObject(parent) { adopt(std::make_unique<MainWindow>()); }

WindowHost::~WindowHost() = default;

void WindowHost::adopt(std::unique_ptr<MainWindow> window) {
    window_ = std::move(window);
    // Queued: the request comes from a menu of the window about to be destroyed.
    connect(window_.get(), &MainWindow::languageChangeRequested, this, &WindowHost::switchLanguage, Qt::QueuedConnection);
}

void WindowHost::switchLanguage(const QString& code) {
    const MainWindow::Snapshot work = window_->snapshot();
    const bool visible = window_->isVisible();
    const QRect geometry = window_->geometry();
    saveLanguage(code);
    installLanguage(code);
    window_->storeSettings();
    window_.reset();  // cancels sampling and joins the inference thread
    adopt(std::make_unique<MainWindow>());
    window_->setGeometry(geometry);
    if (visible) window_->show();
    window_->restore(work);
    Q_EMIT windowReplaced(window_.get());
}

}  // namespace ld
