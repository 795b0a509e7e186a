// Saving a model as a Hub-ready custom-code repo: the files, config.json's auto_map and architectures,
// the weights' key names, the model card, atomicity, and (with /usr/bin/python3) that the generated
// Python compiles and accepts exactly the fields config.json carries.

#include "../json_compare.h"
#include "config/config_io.h"
#include "model/model.h"
#include "share/custom_code_repo.h"
#include "share_test_support.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace mwb;
using namespace mwb::share;
using json = nlohmann::json;

class TestCustomCodeRepo : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_source; // a pretrained folder: config.json, model.safetensors, preprocessor_config.json

private Q_SLOTS:
    // Issue 15: push follows symlinks, so a file that points outside the folder is refused, named.
    void listingRefusesFilesOutsideTheFolder()
    {
        QTemporaryDir dir;
        QFile plain(dir.filePath(QStringLiteral("config.json")));
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.write("{}");
        plain.close();
        QVERIFY(QFile::link(QStringLiteral("config.json"), dir.filePath(QStringLiteral("inside.json"))));
        QVERIFY(mwb::share::listRepoFiles(dir.path()).has_value());
        QVERIFY(
            QFile::link(QStringLiteral("/etc/passwd"), dir.filePath(QStringLiteral("configuration_x.py"))));
        const auto files = mwb::share::listRepoFiles(dir.path());
        QVERIFY(!files);
        QCOMPARE(files.error().kind, mwb::ErrorKind::Unsafe);
        QVERIFY2(files.error().message.find("configuration_x.py (-> /etc/passwd) resolves outside the "
                                            "repository folder") != std::string::npos,
                 files.error().message.c_str());
    }

    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_source = m_dir.filePath(QStringLiteral("source"));
        const auto made = sharetest::writeTinyPretrainedFolder(m_source);
        QVERIFY2(made, made ? "" : made.error().message.c_str());
    }

    void writesEveryFile_data()
    {
        QTest::addColumn<QStringList>("autoClasses");
        QTest::addColumn<QString>("architecture");
        QTest::addColumn<QString>("pipelineTag");
        QTest::newRow("classifier") << QStringList{"AutoModelForImageClassification"}
                                    << "ResnetModelForImageClassification"
                                    << "image-classification";
        QTest::newRow("both") << QStringList{"AutoModel", "AutoModelForImageClassification"}
                              << "ResnetModelForImageClassification"
                              << "image-classification";
        QTest::newRow("backbone only") << QStringList{"AutoModel"} << "ResnetModel"
                                       << "image-feature-extraction";
    }

    void writesEveryFile()
    {
        QFETCH(QStringList, autoClasses);
        QFETCH(QString, architecture);
        QFETCH(QString, pipelineTag);
        const QString target = m_dir.filePath(QStringLiteral("repo-%1").arg(QTest::currentDataTag()));
        CustomCodeRepoOptions options;
        options.autoClasses = autoClasses;
        options.repoId = QStringLiteral("alice/tiny-resnet");
        const auto repo = writeCustomCodeRepo(m_source, target, options);
        QVERIFY2(repo, repo ? "" : repo.error().message.c_str());

        QStringList paths;
        for (const RepoFile& f : repo->files)
            paths.append(f.path);
        QCOMPARE(paths, (QStringList{"README.md", "config.json", "configuration_resnet.py",
                                     "model.safetensors", "modeling_resnet.py", "preprocessor_config.json"}));

        const json config = *readConfigFile(target);
        json expectedMap = {{"AutoConfig", "configuration_resnet.ResnetConfig"}};
        if (autoClasses.contains("AutoModel"))
            expectedMap["AutoModel"] = "modeling_resnet.ResnetModel";
        if (autoClasses.contains("AutoModelForImageClassification"))
            expectedMap["AutoModelForImageClassification"] =
                "modeling_resnet.ResnetModelForImageClassification";
        QCOMPARE_JSON(config.at("auto_map"), expectedMap);
        QCOMPARE_JSON(config.at("architectures"), json::array({architecture.toStdString()}));
        QCOMPARE_JSON(config.at("model_type"), json("resnet"));
        QCOMPARE_JSON(config.at("layers"), json::array({1, 1, 1, 1}));
        QCOMPARE_JSON(config.at("id2label"), sharetest::tinyLabels());
        QCOMPARE_JSON(config, repo->config);
        // Written as transformers writes it: 2-space indent, sorted keys, trailing newline.
        QCOMPARE(sharetest::readAll(target + "/config.json"), serializeConfig(config));

        // The weights keep the wrapper's names and every byte of the source.
        const QStringList keys = sharetest::safetensorsKeys(target + "/model.safetensors");
        QVERIFY(!keys.isEmpty());
        for (const QString& key : keys)
            QVERIFY2(key.startsWith("model."), qPrintable(key));
        QVERIFY(keys.contains("model.fc.weight"));
        QCOMPARE(sharetest::readAll(target + "/model.safetensors"),
                 sharetest::readAll(m_source + "/model.safetensors"));
        QCOMPARE(sharetest::readAll(target + "/preprocessor_config.json").trimmed().isEmpty(), false);
        QCOMPARE_JSON(json::parse(sharetest::readAll(target + "/preprocessor_config.json").toStdString()),
                      json::parse(sharetest::readAll(m_source + "/preprocessor_config.json").toStdString()));

        const QString card = QString::fromUtf8(sharetest::readAll(target + "/README.md"));
        QVERIFY(card.startsWith("---\nlibrary_name: transformers\npipeline_tag: " + pipelineTag + "\n"));
        QVERIFY(card.contains("license: \"apache-2.0\"\n"));
        QVERIFY(card.contains("- \"custom_code\"\n"));
        const QString loader = autoClasses.contains("AutoModelForImageClassification")
                                   ? "AutoModelForImageClassification"
                                   : "AutoModel";
        QVERIFY2(card.contains(loader +
                               ".from_pretrained(\n    \"alice/tiny-resnet\", revision=\"<commit>\", "
                               "trust_remote_code=True\n)"),
                 qPrintable(card));

        QVERIFY(isCustomCodeRepo(target));
        QVERIFY(!isCustomCodeRepo(m_source));
        // The saved repo loads back strictly as a model.
        QVERIFY(Model::fromPretrained(target));
    }

    void generatedPythonCompiles()
    {
        const QString target = m_dir.filePath(QStringLiteral("repo-python"));
        CustomCodeRepoOptions options;
        options.autoClasses = supportedAutoClasses();
        QVERIFY(writeCustomCodeRepo(m_source, target, options));
        for (const char* file : {"configuration_resnet.py", "modeling_resnet.py"}) {
            QProcess python;
            python.setWorkingDirectory(m_dir.path()); // keep __pycache__ out of the repo folder
            python.start(QStringLiteral(MWB_PYTHON),
                         {"-c",
                          "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], "
                          "doraise=True)",
                          target + '/' + file, m_dir.filePath(QStringLiteral("compiled.pyc"))});
            QVERIFY(python.waitForFinished(60000));
            QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        }
    }

    // config.json's own fields are exactly ResnetConfig.__init__'s parameters, and the classes run
    // (with stand-ins for transformers and timm, which are not installed here).
    void configFieldsMatchTheConfigClass()
    {
        const QString target = m_dir.filePath(QStringLiteral("repo-fields"));
        CustomCodeRepoOptions options;
        options.autoClasses = supportedAutoClasses();
        QVERIFY(writeCustomCodeRepo(m_source, target, options));
        QProcess python;
        python.setWorkingDirectory(m_dir.path());
        python.setProcessEnvironment([] {
            auto env = QProcessEnvironment::systemEnvironment();
            env.insert("PYTHONDONTWRITEBYTECODE", "1");
            return env;
        }());
        python.start(QStringLiteral(MWB_PYTHON),
                     {QStringLiteral(MWB_SHARE_TEST_DIR "/check_generated_repo.py"), target});
        QVERIFY(python.waitForFinished(120000));
        QVERIFY2(python.exitCode() == 0,
                 (python.readAllStandardOutput() + python.readAllStandardError()).constData());
    }

    void refusesWithoutAnAutoClass()
    {
        CustomCodeRepoOptions options;
        options.autoClasses = {};
        const auto repo = writeCustomCodeRepo(m_source, m_dir.filePath("none"), options);
        QVERIFY(!repo);
        QCOMPARE(repo.error().kind, ErrorKind::InvalidInput);
        QVERIFY(repo.error().message.find("Auto class") != std::string::npos);
        options.autoClasses = {"AutoModelForCausalLM"};
        QVERIFY(!writeCustomCodeRepo(m_source, m_dir.filePath("none"), options));
        QVERIFY(!QFileInfo::exists(m_dir.filePath("none")));
    }

    void keepsANonEmptyTargetUnlessAllowed()
    {
        const QString target = m_dir.filePath(QStringLiteral("occupied"));
        QVERIFY(QDir().mkpath(target));
        QVERIFY(sharetest::writeAll(target + "/notes.txt", "mine"));
        const auto refused = writeCustomCodeRepo(m_source, target, {});
        QVERIFY(!refused);
        QVERIFY(refused.error().message.find("not empty") != std::string::npos);
        QCOMPARE(sharetest::readAll(target + "/notes.txt"), QByteArray("mine"));

        CustomCodeRepoOptions overwrite;
        overwrite.overwrite = true;
        QVERIFY(writeCustomCodeRepo(m_source, target, overwrite));
        QVERIFY(!QFileInfo::exists(target + "/notes.txt"));
        QVERIFY(isCustomCodeRepo(target));
        QCOMPARE(sharetest::leftovers(m_dir.path()), QStringList{});
    }

    // Weights that do not fit the config: nothing is written, and no temporary folder is left behind.
    void leavesNothingWhenTheWeightsDoNotMatch()
    {
        const QString broken = m_dir.filePath(QStringLiteral("broken"));
        QVERIFY(sharetest::writeTinyPretrainedFolder(broken));
        json config = *readConfigFile(broken);
        config["layers"] = json::array({2, 1, 1, 1});
        QVERIFY(writeConfigFile(broken, config));
        const QString target = m_dir.filePath(QStringLiteral("from-broken"));
        const auto repo = writeCustomCodeRepo(broken, target, {});
        QVERIFY(!repo);
        QVERIFY2(repo.error().message.find("layer1.1") != std::string::npos, repo.error().message.c_str());
        QVERIFY(!QFileInfo::exists(target));
        QCOMPARE(sharetest::leftovers(m_dir.path()), QStringList{});
    }
};

QTEST_GUILESS_MAIN(TestCustomCodeRepo)
#include "test_custom_code_repo.moc"
