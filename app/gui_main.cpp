// model-workbench: the desktop application.

#include "main_window.h"
#include "registry/model_registry.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("model-workbench"));
    QApplication::setApplicationDisplayName(QStringLiteral("Model Workbench"));
    QApplication::setOrganizationName(QStringLiteral("model-workbench"));
    QApplication::setApplicationVersion(QStringLiteral(MWB_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("model-workbench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Write, share and test custom models."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("config"),
                                 QStringLiteral("A config.json or model folder to open."));
    parser.process(app);

    mwb::MainWindow window(mwb::ModelRegistry::builtin());
    window.show();
    if (!parser.positionalArguments().isEmpty())
        window.openFile(parser.positionalArguments().constFirst());
    return QApplication::exec();
}
