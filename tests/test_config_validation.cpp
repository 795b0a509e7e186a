// Every validation rule of the ResNet config, and every wrong JSON type, named by the field at fault.

#include "config/config_io.h"
#include "config/resnet_config.h"

#include <QTest>

#include <nlohmann/json.hpp>

using json = nlohmann::json;

class TestConfigValidation final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsAndPresetsAreValid();
    void rejectsBadConfig_data();
    void rejectsBadConfig();
    void acceptsEdgeValues_data();
    void acceptsEdgeValues();
    void crossFieldRulesWaitForValidFields();

private:
    static std::vector<mwb::FieldProblem> validate(const json& overrides)
    {
        json doc = {{"model_type", "resnet"}};
        doc.update(overrides);
        return mwb::validateConfig(doc, *mwb::resnetConfigSchema());
    }
};

void TestConfigValidation::defaultsAndPresetsAreValid()
{
    const auto& schema = *mwb::resnetConfigSchema();
    QVERIFY(mwb::validateConfig(schema.defaults(), schema).empty());
    QVERIFY(mwb::validateConfig(json::object(), schema).empty()); // every field takes its default
    QCOMPARE(schema.presets.size(), size_t(6));
    for (const auto& [name, values] : schema.presets) {
        json doc = schema.defaults();
        doc.update(values);
        const auto problems = mwb::validateConfig(doc, schema);
        QVERIFY2(problems.empty(), name.c_str());
    }
}

void TestConfigValidation::rejectsBadConfig_data()
{
    QTest::addColumn<QString>("overrides");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("messagePart");

    // Wrong JSON types, one per field.
    QTest::newRow("block_type number") << R"({"block_type": 3})"
                                       << "block_type"
                                       << "must be a string";
    QTest::newRow("block_type unknown") << R"({"block_type": "dense"})"
                                        << "block_type"
                                        << "\"basic\", \"bottleneck\"";
    QTest::newRow("layers string") << R"({"layers": "3,4,6,3"})"
                                   << "layers"
                                   << "a list of 4 integers";
    QTest::newRow("layers three") << R"({"layers": [3, 4, 6]})"
                                  << "layers"
                                  << "exactly 4 entries";
    QTest::newRow("layers five") << R"({"layers": [3, 4, 6, 3, 1]})"
                                 << "layers"
                                 << "exactly 4 entries";
    QTest::newRow("layers zero") << R"({"layers": [3, 0, 6, 3]})"
                                 << "layers"
                                 << "entry 1 is 0";
    QTest::newRow("layers negative") << R"({"layers": [-1, 4, 6, 3]})"
                                     << "layers"
                                     << "entry 0 is -1";
    QTest::newRow("layers float") << R"({"layers": [3, 4.5, 6, 3]})"
                                  << "layers"
                                  << "entry 1 must be an integer";
    QTest::newRow("layers huge") << R"({"layers": [3, 4, 100000, 3]})"
                                 << "layers"
                                 << "allowed: 1 to 128";
    QTest::newRow("num_classes string") << R"({"num_classes": "1000"})"
                                        << "num_classes"
                                        << "must be an integer";
    QTest::newRow("num_classes negative") << R"({"num_classes": -5})"
                                          << "num_classes"
                                          << "allowed: 0 to";
    QTest::newRow("num_classes float") << R"({"num_classes": 10.0})"
                                       << "num_classes"
                                       << "non-integer number";
    QTest::newRow("num_classes bool") << R"({"num_classes": true})"
                                      << "num_classes"
                                      << "a boolean";
    QTest::newRow("num_classes beyond int64") << R"({"num_classes": 18446744073709551615})"
                                              << "num_classes"
                                              << "allowed: 0 to";
    QTest::newRow("input_channels zero") << R"({"input_channels": 0})"
                                         << "input_channels"
                                         << "allowed: 1 to";
    QTest::newRow("input_channels null") << R"({"input_channels": null})"
                                         << "input_channels"
                                         << "must be an integer";
    QTest::newRow("cardinality zero") << R"({"cardinality": 0})"
                                      << "cardinality"
                                      << "allowed: 1 to";
    QTest::newRow("base_width zero") << R"({"base_width": 0})"
                                     << "base_width"
                                     << "allowed: 1 to";
    QTest::newRow("base_width list") << R"({"base_width": [64]})"
                                     << "base_width"
                                     << "a list";
    QTest::newRow("stem_width negative") << R"({"stem_width": -32})"
                                         << "stem_width"
                                         << "allowed: 1 to";
    QTest::newRow("stem_type unknown") << R"({"stem_type": "deep_wide"})"
                                       << "stem_type"
                                       << "\"deep-tiered\"";
    QTest::newRow("stem_type bool") << R"({"stem_type": false})"
                                    << "stem_type"
                                    << "must be a string";
    QTest::newRow("avg_down string") << R"({"avg_down": "yes"})"
                                     << "avg_down"
                                     << "true or false";
    QTest::newRow("avg_down int") << R"({"avg_down": 1})"
                                  << "avg_down"
                                  << "true or false";

    // What timm's BasicBlock asserts.
    QTest::newRow("basic with cardinality") << R"({"block_type": "basic", "cardinality": 32})"
                                            << "cardinality"
                                            << "basic blocks support only cardinality 1";
    QTest::newRow("basic with base_width") << R"({"block_type": "basic", "base_width": 4})"
                                           << "base_width"
                                           << "basic blocks support only base_width 64";
    // The tiered stem's first convolution would have no channels.
    QTest::newRow("tiered stem too narrow") << R"({"stem_type": "deep-tiered", "stem_width": 3})"
                                            << "stem_width"
                                            << "at least 4";
    // Labels that disagree with the classifier.
    QTest::newRow("id2label count") << R"({"num_classes": 3, "id2label": {"0": "cat", "1": "dog"}})"
                                    << "id2label"
                                    << "has 2 labels but num_classes is 3";
    QTest::newRow("id2label index out of range")
        << R"({"num_classes": 2, "id2label": {"0": "cat", "7": "dog"}})"
        << "id2label"
        << "outside 0..1";
    QTest::newRow("id2label bad key") << R"({"id2label": {"first": "cat"}})"
                                      << "id2label"
                                      << "class indices";
    QTest::newRow("id2label bad value") << R"({"id2label": {"0": 5}})"
                                        << "id2label"
                                        << "label strings";
    QTest::newRow("label2id disagrees")
        << R"({"num_classes": 2, "id2label": {"0": "cat", "1": "dog"}, "label2id": {"cat": 1, "dog": 0}})"
        << "label2id"
        << "must invert id2label";
    // Values so large the model would exhaust memory.
    QTest::newRow("too many classes") << R"({"num_classes": 1000000})"
                                      << "num_classes"
                                      << "parameters";
    QTest::newRow("too wide") << R"({"cardinality": 64, "base_width": 4096})"
                              << "base_width"
                              << "number of model parameters 3005151329576 exceeds the limit of 500000000";
    QTest::newRow("too deep and wide") << R"({"layers": [128, 128, 128, 128], "base_width": 256})"
                                       << "layers"
                                       << "parameters";
    // transformers' own fields of the wrong shape.
    QTest::newRow("model_type other") << R"({"model_type": "bert"})"
                                      << "model_type"
                                      << "this config is for \"resnet\"";
    QTest::newRow("architectures string") << R"({"architectures": "ResnetModel"})"
                                          << "architectures"
                                          << "list of class names";
    QTest::newRow("auto_map list") << R"({"auto_map": ["a"]})"
                                   << "auto_map"
                                   << "must be an object";
    QTest::newRow("torch_dtype unknown") << R"({"torch_dtype": "float8"})"
                                         << "torch_dtype"
                                         << "\"float32\"";
    QTest::newRow("problem_type unknown") << R"({"problem_type": "ranking"})"
                                          << "problem_type"
                                          << "multi_label_classification";
    QTest::newRow("transformers_version number") << R"({"transformers_version": 4})"
                                                 << "transformers_version"
                                                 << "version string";
}

void TestConfigValidation::rejectsBadConfig()
{
    QFETCH(QString, overrides);
    QFETCH(QString, field);
    QFETCH(QString, messagePart);

    const auto problems = validate(json::parse(overrides.toStdString()));
    QVERIFY2(!problems.empty(), "expected a problem");
    bool found = false;
    for (const auto& p : problems) {
        if (p.field == field.toStdString() && p.message.find(messagePart.toStdString()) != std::string::npos)
            found = true;
    }
    QString got;
    for (const auto& p : problems)
        got += QString::fromStdString(p.field + ": " + p.message + "; ");
    QVERIFY2(found,
             qPrintable(QStringLiteral("expected %1 with \"%2\", got: %3").arg(field, messagePart, got)));
}

void TestConfigValidation::acceptsEdgeValues_data()
{
    QTest::addColumn<QString>("overrides");
    QTest::newRow("no classifier") << R"({"num_classes": 0})";
    QTest::newRow("grayscale") << R"({"input_channels": 1})";
    QTest::newRow("tiered stem at minimum") << R"({"stem_type": "deep-tiered", "stem_width": 4})";
    QTest::newRow("single block stages") << R"({"layers": [1, 1, 1, 1]})";
    QTest::newRow("resnet200 depth") << R"({"layers": [3, 24, 36, 3]})";
    QTest::newRow("matching labels")
        << R"({"num_classes": 2, "id2label": {"0": "cat", "1": "dog"}, "label2id": {"cat": 0, "dog": 1}})";
    QTest::newRow("dtype null") << R"({"torch_dtype": null})";
    QTest::newRow("unknown keys kept") << R"({"my_note": {"a": [1, 2]}, "return_dict": true})";
    QTest::newRow("auto_map forms")
        << R"({"auto_map": {"AutoConfig": "configuration_resnet.ResnetConfig", "AutoTokenizer": ["a.B", null]}})";
}

void TestConfigValidation::acceptsEdgeValues()
{
    QFETCH(QString, overrides);
    const auto problems = validate(json::parse(overrides.toStdString()));
    QString got;
    for (const auto& p : problems)
        got += QString::fromStdString(p.field + ": " + p.message + "; ");
    QVERIFY2(problems.empty(), qPrintable(got));
}

void TestConfigValidation::crossFieldRulesWaitForValidFields()
{
    // A wrong type is reported once, not followed by confusing cross-field messages.
    const auto problems = validate(json::parse(R"({"block_type": "basic", "cardinality": "32"})"));
    QCOMPARE(problems.size(), size_t(1));
    QCOMPARE(problems[0].field, std::string("cardinality"));
}

QTEST_APPLESS_MAIN(TestConfigValidation)
#include "test_config_validation.moc"
