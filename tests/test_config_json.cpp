// config.json I/O: transformers' format, unknown keys kept, defaults, atomic writes, clear errors.

#include "config/config_io.h"
#include "config/resnet_config.h"
#include "json_compare.h"

#include <csignal>
#include <sys/resource.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using json = nlohmann::json;

namespace {

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

} // namespace

class TestConfigJson final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesSortedTwoSpaceJson();
    void roundTripKeepsUnknownAndTransformersKeys();
    void missingFieldsTakeDefaults();
    void readsFolderOrFile();
    void malformedJsonNamesFileAndPosition_data();
    void malformedJsonNamesFileAndPosition();
    void missingFileIsClear();
    void failedWriteKeepsOldFile();
    void nonAsciiIsEscapedAsPython();
};

void TestConfigJson::writesSortedTwoSpaceJson()
{
    const QByteArray text =
        mwb::serializeConfig(json::parse(R"({"b": 1, "a": [1, 2], "c": {"z": true, "y": null}})"));
    // json.dumps(obj, indent=2, sort_keys=True) + "\n"
    QCOMPARE(text,
             QByteArray("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": 1,\n  \"c\": {\n    \"y\": null,\n"
                        "    \"z\": true\n  }\n}\n"));
}

void TestConfigJson::roundTripKeepsUnknownAndTransformersKeys()
{
    QTemporaryDir dir;
    const json original = json::parse(R"({
        "architectures": ["ResnetModelForImageClassification"],
        "auto_map": {"AutoConfig": "configuration_resnet.ResnetConfig",
                     "AutoModelForImageClassification": "modeling_resnet.ResnetModelForImageClassification"},
        "avg_down": true, "block_type": "bottleneck", "id2label": {"0": "cat", "1": "dog"},
        "label2id": {"cat": 0, "dog": 1}, "layers": [3, 4, 6, 3], "model_type": "resnet", "num_classes": 2,
        "stem_type": "deep", "stem_width": 32, "torch_dtype": "float32", "transformers_version": "4.30.2",
        "custom_training_note": {"epochs": 90, "lr": 0.1}, "problem_type": "single_label_classification"})");
    const auto& schema = *mwb::resnetConfigSchema();
    QVERIFY(mwb::writeConfigFile(dir.path(), mwb::configForSaving(original, schema)).has_value());

    auto reread = mwb::readConfigFile(dir.path());
    QVERIFY(reread.has_value());
    for (const auto& [key, value] : original.items())
        QVERIFY2((*reread)[key] == value, key.c_str());
    // The writer kept the file's transformers_version and filled in the missing defaults.
    QCOMPARE_JSON((*reread)["transformers_version"], json("4.30.2"));
    QCOMPARE_JSON((*reread)["cardinality"], json(1));
    QCOMPARE_JSON((*reread)["input_channels"], json(3));
    // Writing the re-read document again is byte-identical.
    const QByteArray first = readAll(dir.filePath(QStringLiteral("config.json")));
    QVERIFY(mwb::writeConfigFile(dir.path(), mwb::configForSaving(*reread, schema)).has_value());
    QCOMPARE(readAll(dir.filePath(QStringLiteral("config.json"))), first);
}

void TestConfigJson::missingFieldsTakeDefaults()
{
    const auto& schema = *mwb::resnetConfigSchema();
    const json effective =
        mwb::effectiveConfig(json::parse(R"({"model_type": "resnet", "layers": [2, 2, 2, 2]})"), schema);
    QCOMPARE_JSON(effective["layers"], json::parse("[2, 2, 2, 2]"));
    QCOMPARE_JSON(effective["block_type"], json("bottleneck"));
    QCOMPARE_JSON(effective["num_classes"], json(1000));
    QCOMPARE_JSON(effective["stem_type"], json(""));
    QCOMPARE_JSON(effective["avg_down"], json(false));
    QCOMPARE_JSON(effective["stem_width"], json(64));
}

void TestConfigJson::readsFolderOrFile()
{
    QTemporaryDir dir;
    writeAll(dir.filePath(QStringLiteral("config.json")), R"({"model_type": "resnet", "num_classes": 7})");
    writeAll(dir.filePath(QStringLiteral("other.json")), R"({"model_type": "resnet", "num_classes": 9})");
    QCOMPARE_JSON((*mwb::readConfigFile(dir.path()))["num_classes"], json(7));
    QCOMPARE_JSON((*mwb::readConfigFile(dir.filePath(QStringLiteral("other.json"))))["num_classes"], json(9));
}

void TestConfigJson::malformedJsonNamesFileAndPosition_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("truncated") << QByteArray(R"({"model_type": "resnet", "layers": [3, 4)")
                               << "malformed JSON";
    QTest::newRow("trailing comma") << QByteArray("{\"a\": 1,}") << "line 1";
    QTest::newRow("empty file") << QByteArray() << "malformed JSON";
    QTest::newRow("top-level list") << QByteArray("[1, 2]") << "must be a JSON object, got array";
    QTest::newRow("binary") << QByteArray("\x89PNG\r\n\x1a\n", 8) << "malformed JSON";
}

void TestConfigJson::malformedJsonNamesFileAndPosition()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, messagePart);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broken.json"));
    writeAll(path, content);
    auto result = mwb::readConfigFile(path);
    QVERIFY(!result.has_value());
    QCOMPARE(result.error().kind, mwb::ErrorKind::InvalidInput);
    const QString message = QString::fromStdString(result.error().message);
    QVERIFY2(message.startsWith(path), qPrintable(message));
    QVERIFY2(message.contains(messagePart), qPrintable(message));
}

void TestConfigJson::missingFileIsClear()
{
    auto result = mwb::readConfigFile(QStringLiteral("/nonexistent/folder"));
    QVERIFY(!result.has_value());
    QCOMPARE(QString::fromStdString(result.error().message),
             QStringLiteral("/nonexistent/folder/config.json: no such file"));
}

void TestConfigJson::failedWriteKeepsOldFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const QByteArray original("{\"model_type\": \"resnet\"}\n");
    writeAll(path, original);
    json big = json::parse(R"({"model_type": "resnet"})");
    big["note"] = std::string(64 * 1024, 'x');

    // A file-size limit makes the write fail even for root, like a full disk would.
    struct rlimit saved
    {
    };
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &saved), 0);
    std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 4096;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    auto written = mwb::writeConfigFile(path, big);
    setrlimit(RLIMIT_FSIZE, &saved);

    QVERIFY(!written.has_value());
    QCOMPARE(written.error().kind, mwb::ErrorKind::Io);
    QVERIFY(QString::fromStdString(written.error().message).contains(path));
    QCOMPARE(readAll(path), original);
    // No temporary file is left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
}

void TestConfigJson::nonAsciiIsEscapedAsPython()
{
    const QByteArray text = mwb::serializeConfig(json::parse(R"({"id2label": {"0": "pingüino"}})"));
    QVERIFY2(text.contains("ping\\u00fcino"), text.constData());
}

QTEST_GUILESS_MAIN(TestConfigJson)
#include "test_config_json.moc"
