#pragma once
// A window ready to label: the model loaded and the folder or dataset opened, both
// asynchronous, in either order of arrival.
#include "ui/main_window.h"

#include <QSignalSpy>

namespace ld::test {

// False when either did not arrive in time.
inline bool openWithModel(MainWindow& w, const QString& model, const QString& path) {
    QSignalSpy shown(&w, &MainWindow::imageShown);
    QSignalSpy ready(&w, &MainWindow::modelReady);
    w.loadModel(model);
    w.openPath(path);
    return shown.wait(10000) && (ready.count() > 0 || ready.wait(30000));
}

}  // namespace ld::test
