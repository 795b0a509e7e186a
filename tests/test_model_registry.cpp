// The registry: ResNet registers itself; registering checks consistency and refuses overwrites.

#include "config/resnet_config.h"
#include "model/model.h"
#include "registry/model_registry.h"

#include <QTest>

#include <nlohmann/json.hpp>

namespace {

std::shared_ptr<mwb::ConfigSchema> schemaFor(const std::string& modelType)
{
    auto schema = std::make_shared<mwb::ConfigSchema>();
    schema->modelType = modelType;
    return schema;
}

mwb::ModelRegistration dummyModel(const std::string& task, const std::string& className)
{
    return {task, className, [](const nlohmann::json&) -> mwb::Result<std::unique_ptr<mwb::Model>> {
                return mwb::fail(mwb::ErrorKind::InvalidInput, "not buildable");
            }};
}

} // namespace

class TestModelRegistry final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void builtinKnowsResnet()
    {
        const auto& registry = mwb::ModelRegistry::builtin();
        QCOMPARE(registry.modelTypes(), std::vector<std::string>{"resnet"});
        auto schema = registry.schemaForConfig(nlohmann::json::parse(R"({"model_type": "resnet"})"));
        QVERIFY(schema.has_value());
        QCOMPARE((*schema)->modelType, std::string("resnet"));
    }
    void unknownModelTypeListsKnownOnes()
    {
        auto schema =
            mwb::ModelRegistry::builtin().schemaForConfig(nlohmann::json::parse(R"({"model_type": "vit"})"));
        QVERIFY(!schema.has_value());
        QCOMPARE(schema.error().message,
                 std::string("model_type: unknown model type \"vit\"; known: \"resnet\""));
    }
    void missingModelTypeIsClear()
    {
        auto schema =
            mwb::ModelRegistry::builtin().schemaForConfig(nlohmann::json::parse(R"({"layers": [1,1,1,1]})"));
        QVERIFY(!schema.has_value());
        QVERIFY(schema.error().message.starts_with("model_type: missing"));
    }
    void registeringChecksTheModelType()
    {
        mwb::ModelRegistry registry;
        auto result = registry.registerConfig("my-resnet", schemaFor("resnet"));
        QVERIFY(!result.has_value());
        QVERIFY(result.error().message.find("must match") != std::string::npos);
        QVERIFY(!registry.registerConfig("", schemaFor("")).has_value());
    }
    void noSilentOverwrite()
    {
        mwb::ModelRegistry registry;
        QVERIFY(registry.registerConfig("resnet", mwb::resnetConfigSchema()).has_value());
        auto again = registry.registerConfig("resnet", schemaFor("resnet"));
        QVERIFY(!again.has_value());
        QVERIFY(again.error().message.find("already registered") != std::string::npos);
        // The first registration is untouched.
        QCOMPARE((*registry.schema("resnet"))->fields.size(), mwb::resnetConfigSchema()->fields.size());
    }
    void modelsNeedTheirConfigAndAFreeTask()
    {
        mwb::ModelRegistry registry;
        QVERIFY(!registry.registerModel("toy", dummyModel(mwb::kAutoModel, "ToyModel")).has_value());
        QVERIFY(registry.registerConfig("toy", schemaFor("toy")).has_value());
        QVERIFY(registry.registerModel("toy", dummyModel(mwb::kAutoModel, "ToyModel")).has_value());
        auto clash = registry.registerModel("toy", dummyModel(mwb::kAutoModel, "OtherToyModel"));
        QVERIFY(!clash.has_value());
        QVERIFY(clash.error().message.find("already has ToyModel") != std::string::npos);
        QVERIFY(registry.model("toy", "ToyModel") != nullptr);
        QVERIFY(registry.model("toy", mwb::kAutoModel) != nullptr);
        QVERIFY(registry.model("toy", mwb::kAutoModelForImageClassification) == nullptr);
    }
};

QTEST_APPLESS_MAIN(TestModelRegistry)
#include "test_model_registry.moc"
