#include "core/default_model.h"
#include "core/error.h"
#include "ui/guarded_application.h"
#include "ui/language.h"
#include "ui/main_window.h"
#include "ui/sampler_panel.h"
#include "ui/window_host.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QImageReader>
#include <QTimer>

int main(int argc, char** argv) {
    ld::GuardedApplication app(argc, argv);
    QApplication::setApplicationName("LabelDiff");
    QApplication::setOrganizationName("LabelDiff");
    QApplication::setApplicationVersion(LABELDIFF_VERSION);
    // core/ enforces the real pixel limit with a clear message; Qt's own 256 MB cap must not
    // refuse first with a silent null image.
    QImageReader::setAllocationLimit(0);
    ld::installLanguage();

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Label images by text prompt with label diffusion"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("path", QApplication::translate("main", "A folder of images, a project or a dataset file"));
    QCommandLineOption model({"m", "model"}, QApplication::translate("main", "Model directory to load"),
                             QApplication::translate("main", "dir"));
    parser.addOption(model);
    parser.process(app);

    ld::WindowHost host;
    ld::MainWindow* window = host.window();
    window->show();
    QObject::connect(&app, &ld::GuardedApplication::uncaughtError, window, &ld::MainWindow::reportUncaught);
    if (parser.isSet(model)) window->loadModel(QDir(parser.value(model)).absolutePath());
    else if (!window->samplerPanel()->modelDir().isEmpty()) window->loadModel(window->samplerPanel()->modelDir());
    else {
        // A first start: the default model that ships with the package, so that typing a
        // phrase works at once. Without one the user loads a model from the sampler panel.
        try {
            window->loadModel(QString::fromStdString(ld::defaultModelDirectory().string()));
        } catch (const ld::Error&) {
        }
    }
    // After the event loop starts, so that the recovery question appears over the window.
    QTimer::singleShot(0, window, [&parser, window] {
        window->offerRecovery();
        if (!parser.positionalArguments().isEmpty()) window->openPath(parser.positionalArguments().first());
    });
    return app.exec();
}
