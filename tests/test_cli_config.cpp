// `mwb config ...` and `mwb --help/--version` as a user runs them: exit codes, messages, files.

#include "cli_run.h"
#include "json_compare.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using json = nlohmann::json;

using mwbtest::mwbRun;
using mwbtest::readAll;
using mwbtest::Run;

class TestCliConfig final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helpAndVersion();
    void groupHelpListsItsSubcommands();
    void newWritesTheTutorialsResnet50d();
    void newWithSettingsIntoAJsonFile();
    void newRefusesInvalidSettingsBeforeWriting_data();
    void newRefusesInvalidSettingsBeforeWriting();
    void validateGoodConfig();
    void validateBadConfigs_data();
    void validateBadConfigs();
    void validateJson();
    void showFillsDefaults();
    void usageErrors_data();
    void usageErrors();

private:
    QTemporaryDir m_dir;
    QString write(const QString& name, const QByteArray& content)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(content);
        return path;
    }
};

void TestCliConfig::helpAndVersion()
{
    const Run help = mwbRun({QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains(QStringLiteral("mwb config new [--preset NAME] [--set KEY=VALUE]... -o PATH")));
    QVERIFY(help.out.contains(QStringLiteral("mwb config validate PATH")));
    const Run version = mwbRun({QStringLiteral("--version")});
    QCOMPARE(version.exitCode, 0);
    QCOMPARE(version.out.trimmed(), QStringLiteral("mwb " MWB_VERSION));
}

// `mwb cache --help` and a bare `mwb cache` print the group's subcommands instead of "unknown command".
void TestCliConfig::groupHelpListsItsSubcommands()
{
    const Run help = mwbRun({QStringLiteral("cache"), QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY2(help.out.startsWith(QStringLiteral("Usage: mwb cache SUBCOMMAND")), qPrintable(help.out));
    for (const char* usage : {"mwb cache ls", "mwb cache verify", "mwb cache rm"})
        QVERIFY2(help.out.contains(QLatin1String(usage)), usage);
    QVERIFY(!help.out.contains(QStringLiteral("mwb config new")));
    QVERIFY(help.err.isEmpty());

    const Run bare = mwbRun({QStringLiteral("cache")});
    QCOMPARE(bare.exitCode, 2);
    QCOMPARE(bare.out, help.out);

    const Run model = mwbRun({QStringLiteral("model"), QStringLiteral("-h")});
    QCOMPARE(model.exitCode, 0);
    QVERIFY(model.out.contains(QStringLiteral("mwb model from-weights FILE -o DIR")));

    const Run unknown = mwbRun({QStringLiteral("cache"), QStringLiteral("frobnicate")});
    QCOMPARE(unknown.exitCode, 2);
    QCOMPARE(unknown.err,
             QStringLiteral("error: unknown command \"cache frobnicate\"; see mwb cache --help\n"));

    // A command of the group still runs, and its own --help is its own.
    const Run ls = mwbRun({QStringLiteral("cache"), QStringLiteral("ls"), QStringLiteral("--help")});
    QCOMPARE(ls.exitCode, 0);
    QVERIFY2(ls.out.startsWith(QStringLiteral("Usage: mwb cache ls")), qPrintable(ls.out));
}

void TestCliConfig::newWritesTheTutorialsResnet50d()
{
    const QString folder = m_dir.filePath(QStringLiteral("resnet50d"));
    const Run run = mwbRun({QStringLiteral("config"), QStringLiteral("new"), QStringLiteral("--preset"),
                            QStringLiteral("resnet50d"), QStringLiteral("-o"), folder});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.err.isEmpty());
    // ResnetConfig(block_type="bottleneck", stem_width=32, stem_type="deep", avg_down=True).save_pretrained()
    const json written = json::parse(readAll(folder + QStringLiteral("/config.json")).toStdString());
    const json expected = json::parse(R"({"avg_down": true, "base_width": 64, "block_type": "bottleneck",
        "cardinality": 1, "input_channels": 3, "layers": [3, 4, 6, 3], "model_type": "resnet",
        "num_classes": 1000, "stem_type": "deep", "stem_width": 32, "transformers_version": "4.47.0"})");
    QCOMPARE(QString::fromStdString(written.dump()), QString::fromStdString(expected.dump()));
    QVERIFY(readAll(folder + QStringLiteral("/config.json")).startsWith("{\n  \"avg_down\": true,\n"));
}

void TestCliConfig::newWithSettingsIntoAJsonFile()
{
    const QString path = m_dir.filePath(QStringLiteral("small.json"));
    const Run run =
        mwbRun({QStringLiteral("config"), QStringLiteral("new"), QStringLiteral("--preset=resnet18"),
                QStringLiteral("--set"), QStringLiteral("num_classes=10"), QStringLiteral("--set"),
                QStringLiteral("layers=1,1,2,1"), QStringLiteral("--set"), QStringLiteral("input_channels=1"),
                QStringLiteral("-o"), path});
    QCOMPARE(run.exitCode, 0);
    const json written = json::parse(readAll(path).toStdString());
    QCOMPARE_JSON(written["block_type"], json("basic"));
    QCOMPARE_JSON(written["num_classes"], json(10));
    QCOMPARE_JSON(written["layers"], json::parse("[1, 1, 2, 1]"));
    QCOMPARE_JSON(written["input_channels"], json(1));
}

void TestCliConfig::newRefusesInvalidSettingsBeforeWriting_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("not a number")
        << QStringList{QStringLiteral("--set"), QStringLiteral("num_classes=ten")}
        << "error: num_classes: \"ten\" is not valid; expected an integer from 0 to";
    QTest::newRow("out of range") << QStringList{QStringLiteral("--set"), QStringLiteral("cardinality=0")}
                                  << "error: cardinality: value is 0; allowed: 1 to 1024";
    QTest::newRow("unknown field") << QStringList{QStringLiteral("--set"), QStringLiteral("depth=50")}
                                   << "error: --set depth: unknown field; known fields: block_type";
    QTest::newRow("no equals") << QStringList{QStringLiteral("--set"), QStringLiteral("avg_down")}
                               << "error: --set avg_down: expected KEY=VALUE";
    QTest::newRow("unknown preset") << QStringList{QStringLiteral("--preset"), QStringLiteral("resnet1000")}
                                    << "error: --preset: unknown preset \"resnet1000\"; known: resnet18";
    QTest::newRow("cross-field") << QStringList{QStringLiteral("--preset"), QStringLiteral("resnet18"),
                                                QStringLiteral("--set"), QStringLiteral("cardinality=32")}
                                 << "cardinality: basic blocks support only cardinality 1";
    QTest::newRow("bad layers") << QStringList{QStringLiteral("--set"), QStringLiteral("layers=3,4,6")}
                                << "error: layers: must have exactly 4 entries";
}

void TestCliConfig::newRefusesInvalidSettingsBeforeWriting()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const QString folder = m_dir.filePath(QStringLiteral("refused"));
    const Run run = mwbRun(QStringList{QStringLiteral("config"), QStringLiteral("new")} + args +
                           QStringList{QStringLiteral("-o"), folder});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2((run.err + run.out).contains(message), qPrintable(run.err + run.out));
    QVERIFY(!QFileInfo::exists(folder));
}

void TestCliConfig::validateGoodConfig()
{
    const QString path =
        write(QStringLiteral("good.json"), R"({"model_type": "resnet", "layers": [2, 2, 2, 2]})");
    const Run run = mwbRun({QStringLiteral("config"), QStringLiteral("validate"), path});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains(QStringLiteral("valid")));
}

void TestCliConfig::validateBadConfigs_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QStringList>("lines");
    QTest::newRow("wrong types") << QByteArray(
                                        R"({"model_type": "resnet", "layers": "3463", "avg_down": "no"})")
                                 << QStringList{QStringLiteral("layers: must be a list of 4 integers"),
                                                QStringLiteral("avg_down: must be true or false")};
    QTest::newRow("basic resnext")
        << QByteArray(R"({"model_type": "resnet", "block_type": "basic", "base_width": 4})")
        << QStringList{QStringLiteral("base_width: basic blocks support only base_width 64")};
    QTest::newRow("labels") << QByteArray(
                                   R"({"model_type": "resnet", "num_classes": 3, "id2label": {"0": "a"}})")
                            << QStringList{QStringLiteral("id2label: has 1 labels but num_classes is 3")};
    QTest::newRow("unknown model type")
        << QByteArray(R"({"model_type": "vit"})")
        << QStringList{QStringLiteral("model_type: unknown model type \"vit\"; known: \"resnet\"")};
    QTest::newRow("huge") << QByteArray(R"({"model_type": "resnet", "num_classes": 900000})")
                          << QStringList{QStringLiteral(
                                 "num_classes: this config describes a model of 7.5 GB as float32: "
                                 "number of model parameters 1867608032 exceeds the limit "
                                 "of 500000000")};
}

void TestCliConfig::validateBadConfigs()
{
    QFETCH(QByteArray, content);
    QFETCH(QStringList, lines);
    const QString path = write(QStringLiteral("bad.json"), content);
    const Run run = mwbRun({QStringLiteral("config"), QStringLiteral("validate"), path});
    QCOMPARE(run.exitCode, 2);
    const QStringList printed = run.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(printed.size(), lines.size());
    for (int i = 0; i < lines.size(); ++i)
        QVERIFY2(printed[i].startsWith(lines[i]), qPrintable(printed[i]));
    QVERIFY(run.err.startsWith(QStringLiteral("error: ") + path + QStringLiteral(": invalid config")));
}

void TestCliConfig::validateJson()
{
    const QString path = write(QStringLiteral("bad2.json"), R"({"model_type": "resnet", "cardinality": -1})");
    const Run run =
        mwbRun({QStringLiteral("config"), QStringLiteral("validate"), path, QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 2);
    const json report = json::parse(run.out.toStdString());
    QCOMPARE_JSON(report["valid"], json(false));
    QCOMPARE_JSON(report["problems"][0]["field"], json("cardinality"));
}

void TestCliConfig::showFillsDefaults()
{
    const QString path =
        write(QStringLiteral("partial.json"), R"({"model_type": "resnet", "stem_type": "deep", "extra": 1})");
    const Run run =
        mwbRun({QStringLiteral("config"), QStringLiteral("show"), path, QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 0);
    const json shown = json::parse(run.out.toStdString());
    QCOMPARE_JSON(shown["stem_type"], json("deep"));
    QCOMPARE_JSON(shown["layers"], json::parse("[3, 4, 6, 3]"));
    QCOMPARE_JSON(shown["extra"], json(1));
    const Run text = mwbRun({QStringLiteral("config"), QStringLiteral("show"), path});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(text.out.contains(QStringLiteral("block_type      bottleneck  (default)")));
    QVERIFY(text.out.contains(QStringLiteral("stem_type       deep\n")));
}

void TestCliConfig::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")}
                                     << "error: unknown command \"frobnicate\"";
    QTest::newRow("missing -o") << QStringList{QStringLiteral("config"), QStringLiteral("new")}
                                << "error: -o PATH is required";
    QTest::newRow("unknown option") << QStringList{QStringLiteral("config"), QStringLiteral("validate"),
                                                   QStringLiteral("x.json"), QStringLiteral("--fast")}
                                    << "error: unknown option --fast";
    QTest::newRow("missing file") << QStringList{QStringLiteral("config"), QStringLiteral("validate"),
                                                 QStringLiteral("/nonexistent/config.json")}
                                  << "error: /nonexistent/config.json: no such file";
    QTest::newRow("malformed") << QStringList{QStringLiteral("config"), QStringLiteral("show"),
                                              QStringLiteral(MWB_TEST_DATA_DIR "/malformed_config.json")}
                               << "malformed JSON: parse error at line";
}

void TestCliConfig::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Run run = mwbRun(args);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    QCOMPARE(run.err.count(QLatin1Char('\n')), 1);
}

QTEST_GUILESS_MAIN(TestCliConfig)
#include "test_cli_config.moc"
