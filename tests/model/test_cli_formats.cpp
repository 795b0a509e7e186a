// The model commands on the pretrained formats (issue 11), as a user runs them: `mwb load` names the
// source format and the mapping, near misses exit 2 with the reason, `mwb config validate` tells the
// model_type "resnet" families apart, `mwb model from-weights` and `mwb model convert` write folders
// that give PyTorch's logits through `mwb forward`.

#include "model_test_support.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

QString formatFixture(const QString& name)
{
    return QStringLiteral(MWB_FORMAT_FIXTURES_DIR "/") + name;
}

} // namespace

class TestCliFormats : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home; // the app's data (trust store) and the Hub cache, isolated

    Run mwb(const QStringList& args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.path() + "/config");
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.path() + "/data");
        env.insert(QStringLiteral("XDG_CACHE_HOME"), m_home.path() + "/cache");
        env.insert(QStringLiteral("HF_HOME"), m_home.path() + "/hf");
        env.insert(QStringLiteral("HF_HUB_OFFLINE"), QStringLiteral("1"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(MWB_CLI_PATH), args);
        if (!p.waitForFinished(600000))
            return {};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

    // `mwb forward MODEL` on the fixture's input; the largest relative logits difference to PyTorch.
    double forwardError(const QString& model, const QString& ioName)
    {
        QTemporaryDir out;
        const QString io = formatFixture(ioName + ".io.safetensors");
        const Run r = mwb({"forward", model, "--input", io, "--output", out.path() + "/out.safetensors"});
        if (r.exitCode != 0) {
            qWarning("%s", qPrintable(r.err));
            return 1e9;
        }
        const at::Tensor logits = mwb::test::readTensor(out.path() + "/out.safetensors", "logits");
        const at::Tensor expected = mwb::test::readTensor(io, "logits");
        if (!logits.defined() || !expected.defined() || logits.sizes() != expected.sizes())
            return 1e9;
        return mwb::test::relativeError(logits, expected);
    }

    nlohmann::json loadJson(const QString& model)
    {
        const Run r = mwb({"load", model, "--json"});
        if (r.exitCode != 0) {
            qWarning("%s", qPrintable(r.err));
            return {};
        }
        return nlohmann::json::parse(r.out.toStdString(), nullptr, false);
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_home.isValid()); }

    void loadNamesFormatMappingAndLabels_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("labels");
        QTest::addColumn<QString>("labelSource");
        QTest::newRow("timm") << "timm_resnet50d"
                              << "timm" << 1000 << "ImageNet-1k names";
        QTest::newRow("timm legacy") << "timm_resnext50_32x4d"
                                     << "timm-legacy" << 1000 << "ImageNet-1k names";
        QTest::newRow("timm label_names") << "timm_resnet26t"
                                          << "timm" << 10 << "label_names";
        QTest::newRow("transformers") << "hf_resnet50"
                                      << "transformers-resnet" << 5 << "id2label";
        QTest::newRow("timm wrapper") << "timmwrapper_resnet18"
                                      << "timm-wrapper" << 3 << "label_names";
        QTest::newRow("torchvision") << "tv_resnext50_32x4d_legacy.pth"
                                     << "state-dict" << 1000 << "ImageNet-1k names";
    }

    void loadNamesFormatMappingAndLabels()
    {
        QFETCH(QString, path);
        QFETCH(QString, format);
        QFETCH(int, labels);
        QFETCH(QString, labelSource);
        const auto doc = loadJson(formatFixture(path));
        QVERIFY(doc.is_object());
        QCOMPARE(QString::fromStdString(doc["source_format"]), format);
        QCOMPARE(doc["num_labels"].get<int>(), labels);
        QVERIFY(QString::fromStdString(doc["label_source"]).startsWith(labelSource));
        QCOMPARE(doc["load_report"]["exact"].get<bool>(), true);
        QCOMPARE(doc["load_report"]["missing"].get<int>(), 0);
        QCOMPARE(doc["load_report"]["unexpected"].get<int>(), 0);
        QVERIFY(!doc["load_report"]["mapping"].get<std::string>().empty());

        const Run text = mwb({"load", formatFixture(path)});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("source format: "));
        QVERIFY(text.out.contains("key mapping: "));
    }

    void nearMissesExitTwoWithTheReason_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("reason");
        QTest::newRow("seresnet50") << "timm_seresnet50"
                                    << "squeeze-and-excitation";
        QTest::newRow("downsample_in_first_stage") << "hf_downsample_first"
                                                   << "downsample_in_first_stage";
        QTest::newRow("truncated") << "truncated.pth"
                                   << "truncated";
        QTest::newRow("not a resnet") << "not_resnet.pth"
                                      << "not a ResNet";
    }

    void nearMissesExitTwoWithTheReason()
    {
        QFETCH(QString, path);
        QFETCH(QString, reason);
        for (const char* command : {"load", "model summary"}) {
            QStringList args = QString::fromLatin1(command).split(' ');
            args << formatFixture(path);
            const Run r = mwb(args);
            QCOMPARE(r.exitCode, 2);
            QVERIFY(r.err.startsWith("error: "));
            QVERIFY2(r.err.contains(reason), qPrintable(r.err));
            QCOMPARE(r.err.count('\n'), 1);
        }
    }

    void configValidateTellsTheFamiliesApart()
    {
        Run r = mwb({"config", "validate", formatFixture("hf_resnet18")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("transformers ResNetConfig"), qPrintable(r.out));
        r = mwb({"config", "validate", formatFixture("timm_resnet50d")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("timm Hub repo"));
        QVERIFY(r.out.contains("architecture resnet50d"));
        QTemporaryDir dir;
        r = mwb({"config", "new", "--preset", "resnet50d", "-o", dir.path()});
        QCOMPARE(r.exitCode, 0);
        r = mwb({"config", "validate", dir.path(), "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto doc = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(doc["format"].get<std::string>(), std::string("tutorial"));
        r = mwb({"config", "validate", formatFixture("hf_downsample_first")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.startsWith("downsample_in_first_stage: "));
        r = mwb({"config", "validate", formatFixture("timm_seresnet50")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.startsWith("architecture: "));
    }

    void fromWeightsWritesAnAppFolder()
    {
        QTemporaryDir dir;
        const Run r =
            mwb({"model", "from-weights", formatFixture("tv_resnet50_legacy.pth"), "-o", dir.path()});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("architecture inferred"));
        QVERIFY(r.out.contains("resnet50"));
        const auto config = mwb::test::readJson(dir.path() + "/config.json");
        QCOMPARE(config["block_type"].get<std::string>(), std::string("bottleneck"));
        QVERIFY(config["layers"] == nlohmann::json({3, 4, 6, 3}));
        QCOMPARE(config["id2label"]["0"].get<std::string>(), std::string("tench, Tinca tinca"));
        const double error = forwardError(dir.path(), "tv_resnet50");
        QVERIFY2(error <= 1e-4, qPrintable(QString::number(error)));
        QCOMPARE(QString::fromStdString(loadJson(dir.path())["source_format"]), QStringLiteral("tutorial"));
        // Not a weight file.
        QCOMPARE(
            mwb({"model", "from-weights", formatFixture("hf_resnet18"), "-o", dir.path() + "/x"}).exitCode,
            2);
    }

    void convertRepublishesAsCustomCodeRepo()
    {
        QTemporaryDir dir;
        const QString repo = dir.path() + "/resnet26t";
        Run r = mwb({"model", "convert", formatFixture("timm_resnet26t"), "-o", repo});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        for (const char* file : {"config.json", "model.safetensors", "configuration_resnet.py",
                                 "modeling_resnet.py", "README.md"})
            QVERIFY2(QFile::exists(repo + "/" + file), file);
        const auto config = mwb::test::readJson(repo + "/config.json");
        QVERIFY(config.contains("auto_map"));
        QCOMPARE(config["stem_type"].get<std::string>(), std::string("deep-tiered"));
        QCOMPARE(config["id2label"]["3"].get<std::string>(), std::string("class_03"));
        QCOMPARE(config["pretrained_cfg"]["crop_pct"].get<double>(), 0.94); // the recipe travels with it
        // The app's own generated code needs no trust; the weights give timm's logits.
        const double error = forwardError(repo, "timm_resnet26t");
        QVERIFY2(error <= 1e-4, qPrintable(QString::number(error)));
        const auto doc = loadJson(repo);
        QCOMPARE(doc["custom_code"].get<bool>(), true);
        QCOMPARE(doc["num_labels"].get<int>(), 10);

        // A transformers model keeps its image processor.
        const QString hf = dir.path() + "/hf";
        r = mwb({"model", "convert", formatFixture("hf_resnet18"), "-o", hf});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(QFile::exists(hf + "/preprocessor_config.json"));

        // One changed byte makes it foreign code again: refused for safety until trusted at a commit.
        QFile modeling(repo + "/modeling_resnet.py");
        QVERIFY(modeling.open(QIODevice::Append));
        modeling.write("\nimport os\n");
        modeling.close();
        r = mwb({"load", repo});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.contains("custom code"));
    }
};

QTEST_GUILESS_MAIN(TestCliFormats)
#include "test_cli_formats.moc"
