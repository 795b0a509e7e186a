// Parameter counts from the torch-free ResNet arithmetic match timm's published figures; validation's
// memory rule and the model summary both rely on it.

#include "config/resnet_config.h"
#include "model/resnet_spec.h"

#include <QTest>

#include <nlohmann/json.hpp>

class TestResnetSpec final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void presetParameterCounts_data()
    {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<qulonglong>("parameters");
        // timm's param_count column (ARCHITECTURE.md, "Formats: timm's ResNet").
        QTest::newRow("resnet18") << "resnet18" << 11'689'512ULL;
        QTest::newRow("resnet34") << "resnet34" << 21'797'672ULL;
        QTest::newRow("resnet50") << "resnet50" << 25'557'032ULL;
        QTest::newRow("resnet50d") << "resnet50d" << 25'576'264ULL;
        QTest::newRow("resnext50_32x4d") << "resnext50_32x4d" << 25'028'904ULL;
    }
    void presetParameterCounts()
    {
        QFETCH(QString, preset);
        QFETCH(qulonglong, parameters);
        const auto& schema = *mwb::resnetConfigSchema();
        auto config = schema.defaults();
        config.update(schema.presets.at(preset.toStdString()));
        QCOMPARE(mwb::countParameters(mwb::ResnetSpec::fromConfig(config)).total(), parameters);
    }
    void resnet50dSplitsAsTimm()
    {
        const auto& schema = *mwb::resnetConfigSchema();
        auto config = schema.defaults();
        config.update(schema.presets.at("resnet50d"));
        const auto counts = mwb::countParameters(mwb::ResnetSpec::fromConfig(config));
        QCOMPARE(counts.stem, 28'768ULL);
        QCOMPARE(counts.stages[0], 215'808ULL);
        QCOMPARE(counts.stages[1], 1'219'584ULL);
        QCOMPARE(counts.stages[2], 7'098'368ULL);
        QCOMPARE(counts.stages[3], 14'964'736ULL);
        QCOMPARE(counts.head, 2'049'000ULL);
    }
    void noClassifierDropsHead()
    {
        auto config = mwb::resnetConfigSchema()->defaults();
        config["num_classes"] = 0;
        QCOMPARE(mwb::countParameters(mwb::ResnetSpec::fromConfig(config)).total(),
                 25'557'032ULL - 2'049'000ULL);
    }
    void timmSpellingOfTieredStem()
    {
        auto config = mwb::resnetConfigSchema()->defaults();
        config["stem_type"] = "deep_tiered";
        QCOMPARE(mwb::ResnetSpec::fromConfig(config).stemType, mwb::StemType::DeepTiered);
    }
};

QTEST_APPLESS_MAIN(TestResnetSpec)
#include "test_resnet_spec.moc"
