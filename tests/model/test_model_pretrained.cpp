// Pretrained folders: what save_pretrained writes (config.json, model.safetensors with the wrapper's
// keys and {"format": "pt"}), loading them back, and building from configs and their errors.

#include "model/model_internal.h"
#include "model_test_support.h"
#include "registry/model_registry.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <c10/core/InferenceMode.h>

using namespace mwb;
using json = nlohmann::json;

namespace {

json smallConfig()
{
    return {{"model_type", "resnet"}, {"block_type", "basic"},
            {"layers", {1, 1, 1, 1}}, {"num_classes", 3},
            {"stem_type", "deep"},    {"stem_width", 16},
            {"avg_down", true},       {"id2label", {{"0", "a"}, {"1", "b"}, {"2", "c"}}}};
}

} // namespace

class TestModelPretrained final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void savedFolderHasTransformersLayout();
    void roundTripGivesTheSameOutputs();
    void chooseClassByArchitecturesOrTask();
    void errorsNameTheProblem();

private:
    QTemporaryDir m_dir;
};

void TestModelPretrained::savedFolderHasTransformersLayout()
{
    auto model = Model::fromConfig(smallConfig(), kAutoModel);
    QVERIFY(model);
    QCOMPARE((*model)->className(), std::string("ResnetModel"));
    const QString folder = m_dir.filePath(QStringLiteral("saved/nested"));
    QVERIFY((*model)->savePretrained(folder));

    const QStringList files = QDir(folder).entryList(QDir::Files, QDir::Name);
    QVERIFY((files) == ((QStringList{QStringLiteral("config.json"), QStringLiteral("model.safetensors")})));
    const json config = mwb::test::readJson(folder + QStringLiteral("/config.json"));
    QVERIFY((config["architectures"]) == (json::array({"ResnetModel"})));
    QVERIFY((config["torch_dtype"]) == (json("float32")));
    QVERIFY((config["model_type"]) == (json("resnet")));
    QVERIFY((config["stem_width"]) == (json(16)));
    QVERIFY((config["cardinality"]) == (json(1)));     // defaults written out
    QVERIFY((config["id2label"]["2"]) == (json("c"))); // transformers' keys kept
    QVERIFY(config.contains("transformers_version"));

    auto weights = readWeights(folder + QStringLiteral("/model.safetensors"));
    QVERIFY(weights);
    const TensorList ours = modelStateDict(**model, /*wrapperPrefix=*/true);
    QCOMPARE(weights->size(), ours.size());
    for (const NamedTensor& t : *weights) {
        auto it = std::ranges::find(ours, t.name, &NamedTensor::name);
        QVERIFY2(it != ours.end(), t.name.c_str());
        QVERIFY2(it->tensor.equal(t.tensor), t.name.c_str());
    }
    // The metadata is {"format": "pt"}: read the header as any safetensors reader would.
    QFile f(folder + QStringLiteral("/model.safetensors"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    quint64 headerSize = 0;
    f.read(reinterpret_cast<char*>(&headerSize), 8);
    QCOMPARE(headerSize % 8, 0ull);
    const json header = json::parse(f.read(static_cast<qint64>(headerSize)).toStdString());
    QVERIFY((header["__metadata__"]) == ((json{{"format", "pt"}})));
    QVERIFY(
        !QDir(folder).entryList(QDir::Hidden | QDir::Files).join(QString()).contains(QStringLiteral("tmp")));
}

void TestModelPretrained::roundTripGivesTheSameOutputs()
{
    auto model = Model::fromConfig(smallConfig());
    QVERIFY(model);
    (*model)->initializeWeights(11);
    const QString folder = m_dir.filePath(QStringLiteral("roundtrip"));
    QVERIFY((*model)->savePretrained(folder));
    auto loaded = Model::fromPretrained(folder);
    QVERIFY2(loaded, loaded ? "" : loaded.error().message.c_str());
    QCOMPARE((*loaded)->className(), std::string("ResnetModelForImageClassification"));
    QVERIFY((*loaded)->config()["id2label"] == smallConfig()["id2label"]);

    c10::InferenceMode inference;
    const at::Tensor x = at::randn({2, 3, 45, 50});
    auto a = runForward(**model, x);
    auto b = runForward(**loaded, x);
    QVERIFY(a && b);
    QVERIFY(a->logits.equal(b->logits));
    QVERIFY(a->features.equal(b->features));
}

void TestModelPretrained::chooseClassByArchitecturesOrTask()
{
    json config = smallConfig();
    QCOMPARE((*Model::fromConfig(config))->className(), std::string("ResnetModelForImageClassification"));
    config["architectures"] = {"ResnetModel"};
    QCOMPARE((*Model::fromConfig(config))->className(), std::string("ResnetModel"));
    QCOMPARE((*Model::fromConfig(config))->task(), std::string(kAutoModel));
    QCOMPARE((*Model::fromConfig(config, kAutoModelForImageClassification))->className(),
             std::string("ResnetModelForImageClassification"));
}

void TestModelPretrained::errorsNameTheProblem()
{
    json config = smallConfig();
    config["architectures"] = {"ResNetForImageClassification"}; // transformers' own ResNet
    auto foreign = Model::fromConfig(config);
    QVERIFY(!foreign);
    QVERIFY2(foreign.error().message.starts_with("architectures: \"ResNetForImageClassification\""),
             foreign.error().message.c_str());

    json invalid = smallConfig();
    invalid["cardinality"] = 4; // basic blocks take no groups
    auto refused = Model::fromConfig(invalid);
    QVERIFY(!refused);
    QCOMPARE(refused.error().kind, ErrorKind::InvalidInput);
    QVERIFY2(refused.error().message.find("cardinality") != std::string::npos,
             refused.error().message.c_str());

    auto noFolder = Model::fromPretrained(m_dir.filePath(QStringLiteral("nowhere")));
    QVERIFY(!noFolder);
    QVERIFY(noFolder.error().message.find("nowhere") != std::string::npos);

    const QString configOnly = m_dir.filePath(QStringLiteral("config-only"));
    QVERIFY(QDir().mkpath(configOnly));
    QFile f(configOnly + QStringLiteral("/config.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray::fromStdString(smallConfig().dump()));
    f.close();
    auto noWeights = Model::fromPretrained(configOnly);
    QVERIFY(!noWeights);
    QVERIFY2(noWeights.error().message.find("config-only") != std::string::npos,
             noWeights.error().message.c_str());
}

QTEST_GUILESS_MAIN(TestModelPretrained)
#include "test_model_pretrained.moc"
