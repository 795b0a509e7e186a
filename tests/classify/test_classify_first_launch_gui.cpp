// The Classify tab on first launch, offscreen: the built-in Fashion-MNIST model is selected and its
// samples are offered ("Try these"); clicking a sample classifies it with its true label; the
// Grad-CAM toggle and opacity change what "what the model sees" shows, in both precisions; the
// precision and thread settings are remembered across panels and named next to the results.

#include "builtin/builtin_models.h"
#include "classify/classify_panel.h"
#include "classify/model_input_view.h"
#include "classify/results_model.h"
#include "inference/classifier.h"
#include "inference/engine/precision.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace mwb;

namespace {

constexpr int kSlow = 120000; // ms: opening the model and the first run on a loaded 2-core machine

// True when the image has a pixel whose channels differ (the heat palette), false for grey.
bool hasColour(const QImage& image)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    for (int y = 0; y < rgb.height(); ++y) {
        const uchar* line = rgb.constScanLine(y);
        for (int x = 0; x < rgb.width(); ++x)
            if (line[3 * x] != line[3 * x + 1] || line[3 * x + 1] != line[3 * x + 2])
                return true;
    }
    return false;
}

// "7-sneaker-1.png" names a test image of class 7.
int trueClassOf(const std::filesystem::path& sample)
{
    return std::stoi(sample.filename().string());
}

} // namespace

class TestClassifyFirstLaunchGui : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home;
    std::unique_ptr<ClassifyPanel> m_panel;
    std::vector<std::filesystem::path> m_samples;
    std::vector<std::string> m_labels;
    int m_rightSample = -1; // a sample the built-in model classifies correctly (found with core)

    template <typename T> T* child(const char* name) const
    {
        return m_panel->findChild<T*>(QString::fromLatin1(name));
    }

    QString lastTopLabel() const
    {
        const auto& results = m_panel->resultsModel();
        return results.data(results.index(results.size() - 1, ClassifyResultsModel::TopLabelColumn))
            .toString();
    }

    // Clicks sample `index` and waits until its row is classified and selected.
    bool classifySample(int index)
    {
        const int before = m_panel->resultsModel().size();
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        auto buttons = child<QWidget>("classifySamples")->findChildren<QToolButton*>();
        QTest::mouseClick(buttons.at(index), Qt::LeftButton);
        return QTest::qWaitFor([&] { return finished.count() == 1; }, kSlow) &&
               m_panel->resultsModel().size() == before + 1 &&
               child<QTableView>("classifyResults")->currentIndex().row() == before;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        qputenv("XDG_CONFIG_HOME", (m_home.path() + "/config").toUtf8()); // no saved settings: first launch
        const auto folder = builtinModelFolder(kDefaultBuiltinModel);
        QVERIFY2(folder.has_value(), "the built-in model is not installed");
        m_samples = builtinModelSamples(kDefaultBuiltinModel);
        QVERIFY(m_samples.size() >= 10);

        // What the model answers for each sample, through core, to pick one it gets right.
        auto classifier = Classifier::fromPretrained(*folder);
        QVERIFY2(classifier.has_value(), classifier ? "" : classifier.error().message.c_str());
        m_labels = classifier->labels();
        std::vector<ImageSource> sources;
        for (const auto& sample : m_samples)
            sources.push_back(ImageSource::file(sample));
        const ClassifyRun run = classifier->classify(sources);
        for (std::size_t i = 0; i < run.results.size() && m_rightSample < 0; ++i)
            if (run.results[i].ok() && run.results[i].predictions.front().index == trueClassOf(m_samples[i]))
                m_rightSample = static_cast<int>(i);
        QVERIFY(m_rightSample >= 0);

        m_panel = std::make_unique<ClassifyPanel>([] { return std::shared_ptr<Model>(); });
        m_panel->resize(1000, 640);
        m_panel->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    }

    void firstLaunchSelectsTheBuiltinModelAndOffersSamples()
    {
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->hasClassifier(), kSlow);
        QVERIFY(m_panel->isBuiltinModel());
        QVERIFY2(
            child<QLabel>("classifyModelLabel")->text().contains(QStringLiteral("builtin:fashion-mnist")),
            qPrintable(child<QLabel>("classifyModelLabel")->text()));
        QVERIFY(child<QLabel>("classifyModelLabel")->text().contains(QStringLiteral("10 classes")));
        auto* samples = child<QWidget>("classifySamples");
        QVERIFY(samples->isVisible());
        const auto buttons = samples->findChildren<QToolButton*>();
        QCOMPARE(static_cast<std::size_t>(buttons.size()), m_samples.size());
        QVERIFY(buttons.front()->isEnabled());
        // Their thumbnails decode off the GUI thread and then show.
        QTRY_VERIFY(!buttons.front()->icon().isNull());
    }

    void clickingASampleGivesItsTrueLabel()
    {
        QVERIFY(classifySample(m_rightSample));
        const std::string& truth = m_labels[static_cast<std::size_t>(trueClassOf(m_samples[m_rightSample]))];
        QCOMPARE(lastTopLabel(), QString::fromStdString(truth));
        // What the model saw: the 28x28 input at 8x.
        QTRY_COMPARE(child<QLabel>("modelInputView")->pixmap().width(), 224);
        QVERIFY(!hasColour(m_panel->findChild<ModelInputView*>()->shownImage()));
    }

    void heatMapToggleShowsAnOverlay()
    {
        auto* view = m_panel->findChild<ModelInputView*>();
        auto* toggle = child<QCheckBox>("classifyShowHeatMap");
        auto* opacity = child<QSlider>("classifyHeatMapOpacity");
        QVERIFY(!opacity->isEnabled());
        QSignalSpy shown(m_panel.get(), &ClassifyPanel::detailsShown);
        toggle->click();
        QTRY_VERIFY_WITH_TIMEOUT(view->hasHeatMap(), kSlow); // computed on a job
        QVERIFY(opacity->isEnabled());
        QVERIFY(hasColour(view->shownImage()));
        QVERIFY2(child<QLabel>("classifyHeatMapCaption")->text().contains(lastTopLabel()),
                 qPrintable(child<QLabel>("classifyHeatMapCaption")->text()));
        QCOMPARE(view->shownImage().width(), 224);

        opacity->setValue(0); // fully transparent: the plain image again
        QVERIFY(!hasColour(view->shownImage()));
        opacity->setValue(80);
        QVERIFY(hasColour(view->shownImage()));
        toggle->click();
        QVERIFY(!hasColour(view->shownImage()));
        toggle->click(); // on again for the next test
        QTRY_VERIFY_WITH_TIMEOUT(view->hasHeatMap() && hasColour(view->shownImage()), kSlow);
    }

    void precisionIsShownWithResultsAndTheHeatMapWorksInFastMode()
    {
        QVERIFY(child<QLabel>("classifyEngineLabel")->text().contains(QStringLiteral("Exact (fp32)")));
        auto* precision = child<QComboBox>("classifyPrecision");
        if (!fastPrecisionSupport().available) {
            auto* items = qobject_cast<QStandardItemModel*>(precision->model());
            QVERIFY(items && !items->item(1)->isEnabled());
            QVERIFY(precision->toolTip().contains(QStringLiteral("unavailable")));
            QSKIP("this CPU has no bfloat16 instructions: Fast is disabled with its reason");
        }
        precision->setCurrentIndex(1);
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->classifier() &&
                                     m_panel->classifier()->engine().precision() == Precision::Fast &&
                                     !m_panel->isBusy(),
                                 kSlow);
        QVERIFY(classifySample(m_rightSample));
        const QString engine = child<QLabel>("classifyEngineLabel")->text();
        QVERIFY2(engine.contains(QStringLiteral("Fast (bf16)")) &&
                     engine.contains(QStringLiteral("Exact (fp32)")),
                 qPrintable(engine)); // both runs' engines are named next to their results
        QVERIFY(child<QLabel>("classifyStatus")->text().contains(QStringLiteral("Fast (bf16)")));
        auto* view = m_panel->findChild<ModelInputView*>();
        QTRY_VERIFY_WITH_TIMEOUT(view->hasHeatMap() && hasColour(view->shownImage()), kSlow);
    }

    void settingsPersistAcrossPanels()
    {
        auto* threads = child<QSpinBox>("classifyThreads");
        QCOMPARE(threads->value(), physicalCoreCount()); // the default
        threads->setValue(1);
        QTRY_VERIFY_WITH_TIMEOUT(!m_panel->isBusy() && m_panel->classifier()->engine().threads() == 1, kSlow);
        const bool fast = fastPrecisionSupport().available;

        ClassifyPanel second([] { return std::shared_ptr<Model>(); });
        QCOMPARE(second.findChild<QSpinBox*>(QStringLiteral("classifyThreads"))->value(), 1);
        QCOMPARE(second.findChild<QComboBox*>(QStringLiteral("classifyPrecision"))->currentIndex(),
                 fast ? 1 : 0);
        QCOMPARE(second.engineOptions().threads, 1);
        QCOMPARE(second.engineOptions().precision, fast ? Precision::Fast : Precision::Exact);
        QTRY_VERIFY_WITH_TIMEOUT(second.hasClassifier(), kSlow);
        QCOMPARE(second.classifier()->engine().threads(), 1);
        QVERIFY(second.findChild<QLabel*>(QStringLiteral("classifyEngineLabel"))
                    ->text()
                    .contains(fast ? QStringLiteral("Fast (bf16), 1 thread")
                                   : QStringLiteral("Exact (fp32), 1 thread")));
    }

    void cleanupTestCase() { m_panel.reset(); }
};

QTEST_MAIN(TestClassifyFirstLaunchGui)
#include "test_classify_first_launch_gui.moc"
