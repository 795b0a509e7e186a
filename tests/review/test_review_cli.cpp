// mwb review / trust / load from the command line, with the app's data, config and cache folders
// isolated: exit 0 for done, 2 for a branch name given to trust, 3 for untrusted custom code or a
// hostile pickle. The repo snapshots are local folders (--snapshot DIR --commit SHA); the weights
// are a small ResNet saved by the model code itself.

#include "model/model.h"
#include "review/code_collector.h"
#include "review_fixtures.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

// nlohmann::json values compared with what a user would read in the JSON output.
#define QCOMPARE_JSON(actual, expected)                                                                      \
    QVERIFY2((actual) == nlohmann::json(expected), (actual).dump().c_str())

using namespace mwb::review::fixtures;

namespace {

const QString kRepo = QStringLiteral("alice/custom-resnet");
const QString kCommit1 = QStringLiteral("ed94a7c6247d8aedce4647f00f20de6875b5b292");
const QString kCommit2 = QStringLiteral("2222222222222222222222222222222222222222");

struct Run
{
    int exitCode = -1;
    QString out, err;
};

// A small config of the tutorial's classes, so the weights stay small.
const QByteArray kSmallConfig = R"({
  "architectures": ["ResnetModelForImageClassification"],
  "auto_map": {
    "AutoConfig": "configuration_resnet.ResnetConfig",
    "AutoModelForImageClassification": "modeling_resnet.ResnetModelForImageClassification"
  },
  "block_type": "basic",
  "layers": [1, 1, 1, 1],
  "model_type": "resnet",
  "num_classes": 10
}
)";

} // namespace

class TestReviewCli : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home;
    QString m_c1, m_c2;
    QString m_weights;

    Run mwb(const QStringList& args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* var : {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HF_HOME"})
            env.insert(var, m_home.path() + "/" + var);
        env.insert("HF_HUB_OFFLINE", "1");
        env.insert("HF_ENDPOINT", "http://127.0.0.1:9"); // nothing here may reach a network
        p.setProcessEnvironment(env);
        p.start(MWB_CLI_PATH, args);
        if (!p.waitForFinished(120000))
            return {};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

    Run review(const QString& dir, const QString& commit, const QString& revision, bool json = true)
    {
        QStringList args{"review", kRepo, "--revision", revision, "--snapshot", dir, "--commit", commit};
        if (json)
            args << "--json";
        return mwb(args);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QDir().mkpath(m_home.path() + "/model");
        const auto config = nlohmann::json::parse(kSmallConfig.toStdString());
        auto model = mwb::Model::fromConfig(config);
        QVERIFY2(model, model ? "" : model.error().message.c_str());
        (*model)->initializeWeights(7);
        QVERIFY((*model)->savePretrained(m_home.path() + "/model"));
        m_weights = m_home.path() + "/model/model.safetensors";
        QFile weights(m_weights);
        QVERIFY(weights.open(QIODevice::ReadOnly));
        const QByteArray bytes = weights.readAll();
        m_c1 = m_home.path() + "/c1";
        m_c2 = m_home.path() + "/c2";
        for (const QString& dir : {m_c1, m_c2}) {
            QVERIFY(writeTutorialRepo(dir, dir == m_c1 ? kModelingResnet : modelingWithSubprocess()));
            QVERIFY(writeFile(dir + "/config.json", kSmallConfig));
            QVERIFY(writeFile(dir + "/model.safetensors", bytes));
        }
    }

    void reviewJson()
    {
        const Run r = review(m_c2, kCommit2, "main");
        QCOMPARE(r.exitCode, 0);
        const auto doc = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE_JSON(doc["trusted"], false);
        QCOMPARE_JSON(doc["commit"], kCommit2.toStdString());
        QCOMPARE(doc["files"].size(), size_t(2));
        const auto& modeling = doc["files"][1];
        QCOMPARE_JSON(modeling["path"], "modeling_resnet.py");
        QCOMPARE_JSON(modeling["sha256"], mwb::review::sha256Hex(modelingWithSubprocess()).toStdString());
        QCOMPARE_JSON(modeling["findings"][1]["line"], 15);
        QCOMPARE_JSON(modeling["findings"][1]["severity"], "high");
        QVERIFY(doc["pickle_imports"].is_array());
        QVERIFY(doc["diff"].is_null());
        QCOMPARE_JSON(modeling["imports"][0]["module"], "subprocess");
        QCOMPARE_JSON(modeling["imports"][0]["standard_library"], true);
        QCOMPARE_JSON(modeling["third_party"], nlohmann::json::parse(R"(["timm", "torch", "transformers"])"));
    }

    void reviewText()
    {
        const Run r = review(m_c2, kCommit2, "main", false);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("line 15  high  process  subprocess.run"));
        QVERIFY(r.out.contains("not a sandbox"));
        QVERIFY(r.out.contains("load: refused"));
    }

    void loadUntrustedRefused()
    {
        const Run r = mwb({"load", m_c1, "--repo", kRepo, "--commit", kCommit1});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.startsWith("error: "));
        QVERIFY(r.err.contains(kCommit1));
        // Custom code in a folder of unknown origin cannot be trusted either.
        QCOMPARE(mwb({"load", m_c1}).exitCode, 3);
    }

    void trustBranchRefused()
    {
        const Run r = mwb({"trust", kRepo, "--revision", "main", "--snapshot", m_c1, "--commit", kCommit1});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("full 40-hex commit id"));
        QCOMPARE(mwb({"trust", kRepo, "--snapshot", m_c1}).exitCode, 2); // no --revision at all
    }

    void trustThenLoad()
    {
        Run r =
            mwb({"trust", kRepo, "--revision", kCommit1, "--snapshot", m_c1, "--note", "read every line"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("trusted " + kRepo));
        r = mwb({"load", m_c1, "--repo", kRepo, "--commit", kCommit1, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const auto doc = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE_JSON(doc["commit"], kCommit1.toStdString());
        QCOMPARE_JSON(doc["model_type"], "resnet");
        QCOMPARE_JSON(doc["class"], "ResnetModelForImageClassification");
        QVERIFY(doc["parameters"].get<std::uint64_t>() > 1000000);
        QCOMPARE_JSON(doc["load_report"]["exact"], true);
        QCOMPARE_JSON(doc["load_report"]["missing"], 0);

        // The later commit is refused until it is trusted; its review shows the diff of the new lines.
        QCOMPARE(mwb({"load", m_c2, "--repo", kRepo, "--commit", kCommit2}).exitCode, 3);
        const auto rev = nlohmann::json::parse(review(m_c2, kCommit2, kCommit2).out.toStdString());
        QCOMPARE_JSON(rev["diff"]["base_commit"], kCommit1.toStdString());
        const std::string diff = rev["diff"]["files"][1]["diff"];
        QVERIFY(diff.find("\n+import subprocess\n") != std::string::npos);
        QVERIFY(diff.find("+        subprocess.run(") != std::string::npos);
        QCOMPARE(mwb({"trust", kRepo, "--revision", kCommit2, "--snapshot", m_c2}).exitCode, 0);
        r = mwb({"load", m_c2, "--repo", kRepo, "--commit", kCommit2});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("commit: " + kCommit2));
        QVERIFY(r.out.contains("model type: resnet"));
        QVERIFY(r.out.contains("parameters: "));

        // Listing and revoking.
        r = mwb({"trust", "list", "--json"});
        QCOMPARE(nlohmann::json::parse(r.out.toStdString()).size(), size_t(2));
        QCOMPARE(mwb({"trust", "revoke", kRepo, "--revision", kCommit2}).exitCode, 0);
        QCOMPARE(mwb({"load", m_c2, "--repo", kRepo, "--commit", kCommit2}).exitCode, 3);
    }

    void tamperedFileVoidsTrust()
    {
        QTemporaryDir dir;
        QVERIFY(writeTutorialRepo(dir.path()));
        QVERIFY(writeFile(dir.path() + "/config.json", kSmallConfig));
        QVERIFY(QFile::copy(m_weights, dir.path() + "/model.safetensors"));
        const QString commit(40, 'c');
        QCOMPARE(mwb({"trust", kRepo, "--revision", commit, "--snapshot", dir.path()}).exitCode, 0);
        QCOMPARE(mwb({"load", dir.path(), "--repo", kRepo, "--commit", commit}).exitCode, 0);
        QVERIFY(writeFile(dir.path() + "/configuration_resnet.py", kConfigurationResnet + "\nimport os\n"));
        const Run r = mwb({"load", dir.path(), "--repo", kRepo, "--commit", commit});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.contains("void"));
    }

    void hostilePickleRefused()
    {
        QTemporaryDir dir;
        QVERIFY(writeFile(
            dir.path() + "/config.json",
            R"({"model_type": "resnet", "block_type": "basic", "layers": [1, 1, 1, 1], "num_classes": 10})"));
        QVERIFY(writeFile(dir.path() + "/training_args.pkl", hostilePickle()));
        const Run r = mwb({"load", dir.path()});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.contains("posix.system"));
    }
};

QTEST_GUILESS_MAIN(TestReviewCli)
#include "test_review_cli.moc"
