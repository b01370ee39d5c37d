#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QImageReader>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("LabelDiff");
    QApplication::setOrganizationName("LabelDiff");
    QApplication::setApplicationVersion(LABELDIFF_VERSION);
    // core/ enforces the real pixel limit with a clear message; Qt's own 256 MB cap must not
    // refuse first with a silent null image.
    QImageReader::setAllocationLimit(0);

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Label images by text prompt with label diffusion"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("path", QApplication::translate("main", "A folder of images or a dataset file"));
    parser.process(app);

    ld::MainWindow window;
    window.show();
    if (!parser.positionalArguments().isEmpty()) window.openPath(parser.positionalArguments().first());
    return app.exec();
}
