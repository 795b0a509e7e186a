// `mwb model init`, `mwb model summary`, `mwb weights import` and `mwb forward` as a user runs them:
// exit codes, printed reports, the files written, and PyTorch parity through the whole command line.

#include "../cli_run.h"
#include "model_test_support.h"

#include <cmath>

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using json = nlohmann::json;
using mwb::test::fixture;

using mwbtest::mwbRun;
using mwbtest::readAll;
using mwbtest::Run;

class TestCliModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initSavesAPretrainedFolder();
    void initRefusesAnInvalidConfig();
    void summaryOfResnet50d();
    void summaryTextAndInputSize();
    void summaryErrors_data();
    void summaryErrors();
    void importThenForwardMatchesPyTorch();
    void importRefusesAnotherClassifierUnlessNonStrict();
    void forwardErrors();

private:
    QString write(const QString& name, const json& doc)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(QByteArray::fromStdString(doc.dump()));
        return path;
    }
    QTemporaryDir m_dir;
};

void TestCliModel::initSavesAPretrainedFolder()
{
    const QString config = write(
        QStringLiteral("small.json"),
        {{"model_type", "resnet"}, {"block_type", "basic"}, {"layers", {1, 1, 1, 1}}, {"num_classes", 4}});
    const QString a = m_dir.filePath(QStringLiteral("init-a")), b = m_dir.filePath(QStringLiteral("init-b"));
    const Run first = mwbRun({QStringLiteral("model"), QStringLiteral("init"), config, QStringLiteral("-o"),
                              a, QStringLiteral("--seed"), QStringLiteral("5")});
    QCOMPARE(first.exitCode, 0);
    QVERIFY2(first.out.startsWith(QStringLiteral("saved ResnetModelForImageClassification (")),
             qPrintable(first.out));
    QVERIFY(QFile::exists(a + QStringLiteral("/config.json")));
    const Run second = mwbRun({QStringLiteral("model"), QStringLiteral("init"), config, QStringLiteral("-o"),
                               b, QStringLiteral("--seed"), QStringLiteral("5")});
    QCOMPARE(second.exitCode, 0);
    // The same seed gives the same weights, byte for byte.
    QCOMPARE(readAll(a + QStringLiteral("/model.safetensors")),
             readAll(b + QStringLiteral("/model.safetensors")));
    QVERIFY(!readAll(a + QStringLiteral("/model.safetensors")).isEmpty());

    const Run badSeed = mwbRun({QStringLiteral("model"), QStringLiteral("init"), config, QStringLiteral("-o"),
                                b, QStringLiteral("--seed"), QStringLiteral("-1")});
    QCOMPARE(badSeed.exitCode, 2);
    QVERIFY(badSeed.err.startsWith(QStringLiteral("error: --seed")));
}

void TestCliModel::initRefusesAnInvalidConfig()
{
    const QString config = write(QStringLiteral("bad.json"),
                                 {{"model_type", "resnet"}, {"block_type", "basic"}, {"cardinality", 32}});
    const QString out = m_dir.filePath(QStringLiteral("never"));
    const Run run =
        mwbRun({QStringLiteral("model"), QStringLiteral("init"), config, QStringLiteral("-o"), out});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.startsWith(QStringLiteral("error: ")) && run.err.contains(QStringLiteral("cardinality")),
             qPrintable(run.err));
    QVERIFY(!QFileInfo::exists(out));
}

void TestCliModel::summaryOfResnet50d()
{
    const QString config =
        write(QStringLiteral("resnet50d.json"),
              {{"model_type", "resnet"}, {"stem_type", "deep"}, {"stem_width", 32}, {"avg_down", true}});
    const Run run =
        mwbRun({QStringLiteral("model"), QStringLiteral("summary"), config, QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 0);
    const json doc = json::parse(run.out.toStdString());
    QVERIFY((doc["total_parameters"]) == (json(25'576'264)));
    QVERIFY((std::round(doc["total_macs"].get<double>() / 1e7) / 100) == (4.35));
    QVERIFY((doc["stages"].size()) == (size_t{6}));
    QVERIFY((doc["stages"][0]["parameters"]) ==
            (json(28'768))); // resnet50d's stem in timm's per-stage split (ARCHITECTURE.md, "Formats: timm's
                             // ResNet")
    QVERIFY((doc["stages"][3]["parameters"]) == (json(7'098'368)));
    QVERIFY((doc["stages"][4]["output_shape"]) == (json({2048, 7, 7})));
    QVERIFY((doc["stages"][5]["output_shape"]) == (json({1000})));
    QVERIFY((doc["class"]) == (json("ResnetModelForImageClassification")));
}

void TestCliModel::summaryTextAndInputSize()
{
    const QString config =
        write(QStringLiteral("r18.json"),
              {{"model_type", "resnet"}, {"block_type", "basic"}, {"layers", {2, 2, 2, 2}}});
    const Run run = mwbRun({QStringLiteral("model"), QStringLiteral("summary"), config,
                            QStringLiteral("--input-size"), QStringLiteral("61,47")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains(QStringLiteral("input 3x61x47")), qPrintable(run.out));
    QVERIFY(run.out.contains(QStringLiteral("layer4  512x2x2")));
    QVERIFY(run.out.contains(QStringLiteral("11,689,512")));

    // A pretrained folder works as MODEL too.
    const QString folder = m_dir.filePath(QStringLiteral("r18-folder"));
    QCOMPARE(mwbRun({QStringLiteral("config"), QStringLiteral("new"), QStringLiteral("--preset"),
                     QStringLiteral("resnet18"), QStringLiteral("-o"), folder})
                 .exitCode,
             0);
    const Run fromFolder =
        mwbRun({QStringLiteral("model"), QStringLiteral("summary"), folder, QStringLiteral("--json")});
    QCOMPARE(fromFolder.exitCode, 0);
    QVERIFY((json::parse(fromFolder.out.toStdString())["total_parameters"]) == (json(11'689'512)));
}

void TestCliModel::summaryErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    // ORG/NAME@REV is a Hub model now (test_open_hub covers it against the local Hub).
    QTest::newRow("no such path") << QStringList{QStringLiteral("/nonexistent/config.json")}
                                  << "no such file";
    QTest::newRow("bad size") << QStringList{QStringLiteral("SMALL"), QStringLiteral("--input-size"),
                                             QStringLiteral("x")}
                              << "--input-size x";
    QTest::newRow("zero size") << QStringList{QStringLiteral("SMALL"), QStringLiteral("--input-size"),
                                              QStringLiteral("0")}
                               << "input size 0x0";
}

void TestCliModel::summaryErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const QString config = write(QStringLiteral("plain.json"), {{"model_type", "resnet"}});
    args.replaceInStrings(QStringLiteral("SMALL"), config);
    const Run run = mwbRun(QStringList{QStringLiteral("model"), QStringLiteral("summary")} + args);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.startsWith(QStringLiteral("error: ")) && run.err.contains(message), qPrintable(run.err));
}

void TestCliModel::importThenForwardMatchesPyTorch()
{
    const QString folder = m_dir.filePath(QStringLiteral("imported"));
    const Run imported = mwbRun({QStringLiteral("weights"), QStringLiteral("import"),
                                 fixture(QStringLiteral("plain_basic.config.json")), QStringLiteral("--from"),
                                 fixture(QStringLiteral("plain_basic.bin")), QStringLiteral("-o"), folder});
    QCOMPARE(imported.exitCode, 0);
    QVERIFY2(imported.out.contains(QStringLiteral("matched: 86, missing: 0, unexpected: 0, wrong shape: 0")),
             qPrintable(imported.out));
    QVERIFY(imported.out.contains(QStringLiteral("\"model.\" prefix")));

    const QString output = m_dir.filePath(QStringLiteral("out.safetensors"));
    const Run forward = mwbRun({QStringLiteral("forward"), folder, QStringLiteral("--input"),
                                fixture(QStringLiteral("plain_basic.input.safetensors")),
                                QStringLiteral("--output"), output});
    QCOMPARE(forward.exitCode, 0);
    const QString expected = fixture(QStringLiteral("plain_basic.expected.safetensors"));
    const at::Tensor logits = mwb::test::readTensor(output, "logits");
    const at::Tensor features = mwb::test::readTensor(output, "features");
    QVERIFY(logits.defined() && features.defined());
    QCOMPARE(logits.scalar_type(), at::kFloat);
    QCOMPARE(features.scalar_type(), at::kFloat);
    QVERIFY(mwb::test::relativeError(logits, mwb::test::readTensor(expected, "logits")) <= 1e-4);
    QVERIFY(mwb::test::relativeError(features, mwb::test::readTensor(expected, "features")) <= 1e-4);
}

void TestCliModel::importRefusesAnotherClassifierUnlessNonStrict()
{
    json config = mwb::test::readJson(fixture(QStringLiteral("plain_basic.config.json")));
    config["num_classes"] = 1000;
    const QString configPath = write(QStringLiteral("thousand.json"), config);
    const QString folder = m_dir.filePath(QStringLiteral("thousand"));
    const QStringList args{QStringLiteral("weights"),
                           QStringLiteral("import"),
                           configPath,
                           QStringLiteral("--from"),
                           fixture(QStringLiteral("plain_basic.bin")),
                           QStringLiteral("-o"),
                           folder};
    const Run strict = mwbRun(args);
    QCOMPARE(strict.exitCode, 2);
    QVERIFY2(strict.out.contains(QStringLiteral("fc.weight: wrong shape: model [1000, 512], file [10, 512]")),
             qPrintable(strict.out));
    QCOMPARE(strict.err.count(QLatin1Char('\n')), 1);
    QVERIFY2(strict.err.contains(QStringLiteral("only the classifier (fc) differs")) &&
                 strict.err.contains(QStringLiteral("--non-strict")),
             qPrintable(strict.err));
    QVERIFY(!QFileInfo::exists(folder));

    const Run loose = mwbRun(args + QStringList{QStringLiteral("--non-strict")});
    QCOMPARE(loose.exitCode, 0);
    QVERIFY(loose.out.contains(QStringLiteral("kept the model's freshly initialised classifier")));
    QVERIFY(QFile::exists(folder + QStringLiteral("/model.safetensors")));
}

void TestCliModel::forwardErrors()
{
    const QString folder = m_dir.filePath(QStringLiteral("gray"));
    const QString config = write(
        QStringLiteral("gray.json"),
        {{"model_type", "resnet"}, {"block_type", "basic"}, {"layers", {1, 1, 1, 1}}, {"input_channels", 1}});
    QCOMPARE(mwbRun({QStringLiteral("model"), QStringLiteral("init"), config, QStringLiteral("-o"), folder})
                 .exitCode,
             0);
    const QString output = m_dir.filePath(QStringLiteral("never.safetensors"));

    const Run wrongChannels = mwbRun({QStringLiteral("forward"), folder, QStringLiteral("--input"),
                                      fixture(QStringLiteral("plain_basic.input.safetensors")),
                                      QStringLiteral("--output"), output});
    QCOMPARE(wrongChannels.exitCode, 2);
    QVERIFY2(wrongChannels.err.contains(QStringLiteral("takes 1 input channels")),
             qPrintable(wrongChannels.err));

    const Run noPixels = mwbRun({QStringLiteral("forward"), folder, QStringLiteral("--input"),
                                 fixture(QStringLiteral("plain_basic.expected.safetensors")),
                                 QStringLiteral("--output"), output});
    QCOMPARE(noPixels.exitCode, 2);
    QVERIFY2(noPixels.err.contains(QStringLiteral("no tensor named pixel_values")), qPrintable(noPixels.err));
    QVERIFY(!QFileInfo::exists(output));

    const Run noWeights = mwbRun({QStringLiteral("forward"), m_dir.path(), QStringLiteral("--input"), output,
                                  QStringLiteral("--output"), output});
    QCOMPARE(noWeights.exitCode, 2);
    QVERIFY(noWeights.err.contains(QStringLiteral("has no weights")));
}

QTEST_GUILESS_MAIN(TestCliModel)
#include "test_cli_model.moc"
