// `mwb push` against the local test Hub: a pretrained folder becomes a custom-code repo and one commit;
// --json names the commit, URL and files; a read-only token and bad usage give the documented exit codes.

#include "fake_hub.h"
#include "share_test_support.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using json = nlohmann::json;

class TestCliPush : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    mwb::fakehub::FakeHub m_hub;
    QString m_source;

    // Runs mwb while this thread's event loop keeps the in-process Hub answering.
    int runMwb(const QStringList& args, const QString& token, QByteArray* out, QByteArray* err)
    {
        QProcess mwb;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("HF_ENDPOINT", m_hub.endpoint());
        env.insert("HF_TOKEN", token);
        env.insert("HF_HOME", m_dir.filePath("hf"));
        env.insert("XDG_DATA_HOME", m_dir.filePath("xdg-data"));
        env.insert("XDG_CONFIG_HOME", m_dir.filePath("xdg-config"));
        mwb.setProcessEnvironment(env);
        mwb.start(QStringLiteral(MWB_CLI_PATH), args);
        if (!mwb.waitForStarted())
            return -1;
        for (int waited = 0; mwb.state() != QProcess::NotRunning && waited < 180000; waited += 20)
            QTest::qWait(20);
        if (mwb.state() != QProcess::NotRunning)
            return -1;
        *out = mwb.readAllStandardOutput();
        *err = mwb.readAllStandardError();
        return mwb.exitCode();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_hub.listen());
        m_hub.addDemoContent();
        m_source = m_dir.filePath("pretrained");
        QVERIFY(sharetest::writeTinyPretrainedFolder(m_source));
    }

    void pushesAPretrainedFolder()
    {
        QByteArray out, err;
        const int code = runMwb({"push", m_source, "cli-tiny", "--message", "From the CLI", "--json"},
                                "hf_alice_token", &out, &err);
        QVERIFY2(code == 0, err.constData());
        const json doc = json::parse(out.toStdString());
        const QString commit = QString::fromStdString(doc.at("commit").get<std::string>());
        QCOMPARE(commit.toLatin1(), m_hub.repo("alice/cli-tiny")->branches["main"]);
        QCOMPARE(QString::fromStdString(doc.at("url").get<std::string>()),
                 m_hub.endpoint() + "/alice/cli-tiny/commit/" + commit);
        QStringList paths;
        for (const json& f : doc.at("files"))
            paths.append(QString::fromStdString(f.at("path").get<std::string>()));
        QCOMPARE(paths, (QStringList{"README.md", "config.json", "configuration_resnet.py",
                                     "model.safetensors", "modeling_resnet.py", "preprocessor_config.json"}));
        const auto* c = m_hub.repo("alice/cli-tiny")->resolve(commit);
        QCOMPARE(c->title, QStringLiteral("From the CLI"));
        QCOMPARE(c->files["model.safetensors"].content, sharetest::readAll(m_source + "/model.safetensors"));
        QVERIFY(c->files["README.md"].content.contains("\"alice/cli-tiny\", revision="));
        QVERIFY(c->files["config.json"].content.contains(
            "\"AutoModelForImageClassification\": "
            "\"modeling_resnet.ResnetModelForImageClassification\""));

        // Plain output: the commit id on the first line.
        QVERIFY(runMwb({"push", m_source, "alice/cli-tiny"}, "hf_alice_token", &out, &err) == 0);
        QCOMPARE(out.split('\n').first(), commit.toLatin1()); // unchanged: still that commit
    }

    void readOnlyTokenExitsWithInvalidInput()
    {
        QByteArray out, err;
        QCOMPARE(runMwb({"push", m_source, "bob/cli-tiny"}, "hf_bob_token", &out, &err), 2);
        QVERIFY2(err.startsWith("error: ") && err.contains("read-only"), err.constData());
        QVERIFY(!m_hub.repo("bob/cli-tiny"));
    }

    void usageErrors()
    {
        QByteArray out, err;
        QCOMPARE(runMwb({"push", m_source}, "hf_alice_token", &out, &err), 2);
        QVERIFY(err.startsWith("error: "));
        QCOMPARE(runMwb({"push", m_dir.filePath("missing"), "alice/x"}, "hf_alice_token", &out, &err), 2);
        QVERIFY2(err.startsWith("error: "), err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliPush)
#include "test_cli_push.moc"
