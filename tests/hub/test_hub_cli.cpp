// The built `mwb` against fake_hub_server (both real processes): login / whoami / logout round trip with
// HF_HOME and the XDG folders in a temporary directory, the hub browsing commands, download printing
// the snapshot folder, and `error:` lines with exit codes for the failures users meet.

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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

} // namespace

class TestHubCli : public QObject
{
    Q_OBJECT

    QProcess server;
    QString endpoint;
    QTemporaryDir dir;

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_CACHE",
                                 "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"})
            env.remove(QString::fromLatin1(name));
        env.insert(QStringLiteral("HF_ENDPOINT"), endpoint);
        env.insert(QStringLiteral("HF_HOME"), dir.path() + "/hf");
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path() + "/config");
        env.insert(QStringLiteral("XDG_DATA_HOME"), dir.path() + "/data");
        env.insert(QStringLiteral("XDG_CACHE_HOME"), dir.path() + "/cache");
        return env;
    }

    Run mwb(const QStringList& args, const QByteArray& input = {}, QProcessEnvironment env = {})
    {
        QProcess p;
        p.setProcessEnvironment(env.isEmpty() ? environment() : env);
        p.start(QStringLiteral(MWB_CLI_PATH), args);
        if (!p.waitForStarted(10000))
            return {};
        p.write(input);
        p.closeWriteChannel();
        p.waitForFinished(60000);
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir.isValid());
        server.start(QStringLiteral(FAKE_HUB_SERVER_PATH),
                     {QStringLiteral("--page-size"), QStringLiteral("3")});
        QVERIFY(server.waitForStarted(10000));
        QVERIFY(server.waitForReadyRead(10000));
        const QStringList words = QString::fromUtf8(server.readLine()).split(' ');
        QCOMPARE(words.value(0), QStringLiteral("endpoint"));
        endpoint = words.value(1);
    }

    void cleanupTestCase()
    {
        server.kill();
        server.waitForFinished(5000);
    }

    void loginWhoamiLogoutRoundTrip()
    {
        Run r = mwb({QStringLiteral("whoami")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QStringLiteral("error: not logged in")), qPrintable(r.err));

        r = mwb({QStringLiteral("login"), QStringLiteral("--token-stdin")}, "hf_nobody_token\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("rejected the token")), qPrintable(r.err));
        QVERIFY(!r.err.contains(QStringLiteral("hf_nobody_token")));
        QVERIFY(!QFileInfo::exists(dir.path() + "/hf/token"));

        r = mwb({QStringLiteral("login"), QStringLiteral("--token-stdin")}, "hf_alice_token\n");
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("as alice")), qPrintable(r.out));
        QVERIFY(!(r.out + r.err).contains(QStringLiteral("hf_alice_token")));
        QFile token(dir.path() + "/hf/token");
        QVERIFY(token.open(QIODevice::ReadOnly));
        QCOMPARE(token.readAll(), QByteArray("hf_alice_token"));
        QCOMPARE(token.permissions() &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
        QFile stored(dir.path() + "/hf/stored_tokens");
        QVERIFY(stored.open(QIODevice::ReadOnly));
        QCOMPARE(stored.readAll(), QByteArray("[laptop]\nhf_token = hf_alice_token\n\n"));

        r = mwb({QStringLiteral("whoami"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject who = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(who.value("name").toString(), QStringLiteral("alice"));
        QCOMPARE(who.value("orgs").toArray().first().toObject().value("name").toString(),
                 QStringLiteral("acme"));

        // The private repo is visible once logged in.
        QCOMPARE(mwb({QStringLiteral("hub"), QStringLiteral("info"), QStringLiteral("acme/private-model")})
                     .exitCode,
                 0);

        r = mwb({QStringLiteral("logout")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!QFileInfo::exists(dir.path() + "/hf/token"));
        QCOMPARE(mwb({QStringLiteral("whoami")}).exitCode, 1);
    }

    void commitsJsonHasEveryPage()
    {
        Run r = mwb({QStringLiteral("hub"), QStringLiteral("commits"), QStringLiteral("acme/resnet-tiny"),
                     QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray commits = QJsonDocument::fromJson(r.out.toUtf8()).array();
        QCOMPARE(commits.size(), 7); // 3 pages of at most 3
        QCOMPARE(commits.first().toObject().value("title").toString(), QStringLiteral("Tune README 2"));
        QCOMPARE(commits.last().toObject().value("title").toString(), QStringLiteral("initial commit"));
        for (const char* key : {"id", "title", "message", "authors", "date"})
            QVERIFY2(commits.first().toObject().contains(QLatin1String(key)), key);
    }

    void refsAndTree()
    {
        Run r = mwb({QStringLiteral("hub"), QStringLiteral("refs"), QStringLiteral("acme/resnet-tiny")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("branch dev")));
        QVERIFY(r.out.contains(QStringLiteral("tag    v1.0")));
        r = mwb({QStringLiteral("hub"), QStringLiteral("tree"), QStringLiteral("acme/resnet-tiny"),
                 QStringLiteral("--revision"), QStringLiteral("v1.0")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("model.safetensors  307200  LFS")), qPrintable(r.out));
        QVERIFY(!r.out.contains(QStringLiteral("onnx")));
    }

    void downloadPrintsTheSnapshotFolder()
    {
        Run r = mwb({QStringLiteral("hub"), QStringLiteral("download"), QStringLiteral("acme/resnet-tiny"),
                     QStringLiteral("config.json"), QStringLiteral("onnx/model.onnx"),
                     QStringLiteral("--revision"), QStringLiteral("main")});
        QCOMPARE(r.exitCode, 0);
        const QString folder = r.out.trimmed();
        QVERIFY2(folder.startsWith(dir.path() + "/hf/hub/models--acme--resnet-tiny/snapshots/"),
                 qPrintable(folder));
        QVERIFY(QFileInfo(folder + "/config.json").isSymLink());
        QVERIFY(QFileInfo(folder + "/onnx/model.onnx").isFile());
        QVERIFY(!QFileInfo::exists(folder + "/README.md"));

        // Offline, the same request is served from the cache.
        QProcessEnvironment offline = environment();
        offline.insert(QStringLiteral("HF_HUB_OFFLINE"), QStringLiteral("1"));
        offline.insert(QStringLiteral("HF_ENDPOINT"),
                       QStringLiteral("http://127.0.0.1:9")); // nothing listens
        r = mwb({QStringLiteral("hub"), QStringLiteral("download"), QStringLiteral("acme/resnet-tiny"),
                 QStringLiteral("config.json"), QStringLiteral("--json")},
                {}, offline);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).object().value("snapshot").toString(), folder);
    }

    void failuresNameTheRepoAndExitNonZero_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing repo") << QStringList{"hub", "info", "acme/missing"} << 2
                                      << "error: repository acme/missing not found, or it is private";
        QTest::newRow("bad revision")
            << QStringList{"hub", "commits", "acme/resnet-tiny", "--revision", "nope"} << 2
            << "error: revision \"nope\" not found in acme/resnet-tiny";
        QTest::newRow("missing file") << QStringList{"hub", "download", "acme/resnet-tiny", "nope.bin"} << 2
                                      << "error: file \"nope.bin\" not found in acme/resnet-tiny";
        QTest::newRow("hostile names")
            << QStringList{"hub", "download", "acme/hostile"} << 3 << "error: refused file name";
        QTest::newRow("invalid id") << QStringList{"hub", "tree", "a/b/c"} << 2 << "error: invalid repo id";
        QTest::newRow("usage") << QStringList{"hub", "refs"} << 2 << "error: missing argument";
    }
    void failuresNameTheRepoAndExitNonZero()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, expected);
        Run r = mwb(args);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.startsWith(expected), qPrintable(r.err));
    }
};

QTEST_MAIN(TestHubCli)
#include "test_hub_cli.moc"
