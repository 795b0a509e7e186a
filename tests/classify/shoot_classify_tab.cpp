// Screenshots of the Classify tab in the real main window, for looking at the layout on a 1024x700
// screen (not run by CTest). Run under Xvfb with a window manager:
//   Xvfb :5 -screen 0 1024x700x24 & DISPLAY=:5 openbox &
//   DISPLAY=:5 ./shoot_classify_tab OUT_DIR [CLASS_FOLDER]
// It starts as on first launch (fresh settings), waits for the built-in model and its samples, then
// classifies a sample with the heat map on, then evaluates CLASS_FOLDER (a folder of class
// subfolders) when given; after each step `xwd` captures the screen into OUT_DIR as PNG.

#include "classify/classify_panel.h"
#include "classify/model_input_view.h"
#include "main_window.h"
#include "registry/model_registry.h"

#include <cstdio>

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QProcess>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

namespace {

bool shoot(const QString& folder, const QString& name)
{
    QTest::qWait(500); // let the window manager and the last repaint settle
    const QString out = QDir(folder).filePath(name);
    const int code = QProcess::execute(
        QStringLiteral("sh"),
        {QStringLiteral("-c"), QStringLiteral("xwd -root -silent | convert xwd:- png:'%1'").arg(out)});
    std::printf("%s %s\n", qPrintable(out), code == 0 ? "written" : "FAILED");
    return code == 0;
}

} // namespace

int main(int argc, char* argv[])
{
    QTemporaryDir home;
    qputenv("XDG_CONFIG_HOME", (home.path() + "/config").toUtf8()); // first launch: nothing saved
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("model-workbench"));
    QApplication::setApplicationName(QStringLiteral("model-workbench"));
    const QStringList args = QApplication::arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: shoot_classify_tab OUT_DIR [CLASS_FOLDER]\n");
        return 2;
    }
    const QString outDir = args[1];
    QDir().mkpath(outDir);

    mwb::MainWindow window(mwb::ModelRegistry::builtin());
    window.show();
    auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    auto* panel = window.findChild<mwb::ClassifyPanel*>();
    for (int i = 0; i < tabs->count(); ++i)
        if (tabs->widget(i)->isAncestorOf(panel))
            tabs->setCurrentIndex(i);
    const auto samples = [&] {
        return panel->findChild<QWidget*>(QStringLiteral("classifySamples"))->findChildren<QToolButton*>();
    };
    if (!QTest::qWaitFor(
            [&] {
                return panel->hasClassifier() && !samples().isEmpty() && !samples().back()->icon().isNull();
            },
            120000)) {
        std::fprintf(stderr, "the built-in model did not open\n");
        return 1;
    }
    bool ok = shoot(outDir, QStringLiteral("1-first-launch.png"));

    int finished = 0;
    QObject::connect(panel, &mwb::ClassifyPanel::runFinished, [&] { ++finished; });
    QTest::mouseClick(samples().at(14), Qt::LeftButton);
    ok = QTest::qWaitFor([&] { return finished == 1; }, 120000) && ok;
    panel->findChild<QCheckBox*>(QStringLiteral("classifyShowHeatMap"))->click();
    ok =
        QTest::qWaitFor([&] { return panel->findChild<mwb::ModelInputView*>()->hasHeatMap(); }, 120000) && ok;
    ok = shoot(outDir, QStringLiteral("2-sample-with-heat-map.png")) && ok;

    if (args.size() > 2) {
        panel->evaluateFolder(args[2]);
        ok = QTest::qWaitFor([&] { return finished == 2; }, 300000) && ok;
        ok = shoot(outDir, QStringLiteral("3-evaluation.png")) && ok;
    }
    return ok ? 0 : 1;
}
