// The built `mwb` against fake_hub_server for issue 12: `mwb cache ls | verify | rm`, `mwb hub download`
// and `mwb load` with the endpoint down or never answering (the cache is used after one short probe,
// with a warning), a cache written the way hf_hub_download writes it served offline, `mwb logout --all`,
// and the message for Datasets and Spaces.

#include "../cli_run.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using mwbtest::Run;

namespace {

quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Starts fake_hub_server with `args`; returns its endpoint, or an empty string.
QString startServer(QProcess& server, const QStringList& args = {})
{
    server.start(QStringLiteral(FAKE_HUB_SERVER_PATH), args);
    if (!server.waitForStarted(10000) || !server.waitForReadyRead(10000))
        return {};
    const QStringList words = QString::fromUtf8(server.readLine()).split(' ');
    return words.value(0) == QLatin1String("endpoint") ? words.value(1) : QString();
}

} // namespace

class TestCacheCli : public QObject
{
    Q_OBJECT

    QProcess server;
    QString endpoint;
    QTemporaryDir dir;

    QString cacheDir() const { return dir.path() + "/hf/hub"; }
    QString repoDir() const { return cacheDir() + "/models--acme--resnet-tiny"; }

    QProcessEnvironment environment(const QString& hubEndpoint = {}) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* name :
             {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE",
              "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_IMPLICIT_TOKEN"})
            env.remove(QString::fromLatin1(name));
        env.insert(QStringLiteral("HF_ENDPOINT"), hubEndpoint.isEmpty() ? endpoint : hubEndpoint);
        env.insert(QStringLiteral("HF_HOME"), dir.path() + "/hf");
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path() + "/config");
        env.insert(QStringLiteral("XDG_DATA_HOME"), dir.path() + "/data");
        env.insert(QStringLiteral("XDG_CACHE_HOME"), dir.path() + "/cache");
        return env;
    }

    Run mwb(const QStringList& args, const QProcessEnvironment& env = {}, const QByteArray& input = {})
    {
        return mwbtest::mwbRun(args, env.isEmpty() ? environment() : env, input);
    }

    QJsonObject cachedRepo(const QString& id)
    {
        const Run r = mwb({QStringLiteral("cache"), QStringLiteral("ls"), QStringLiteral("--json")});
        for (const QJsonValue& v : QJsonDocument::fromJson(r.out.toUtf8()).object().value("repos").toArray())
            if (v.toObject().value("repo_id").toString() == id)
                return v.toObject();
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir.isValid());
        endpoint = startServer(server);
        QVERIFY(!endpoint.isEmpty());
        QCOMPARE(mwb({"hub", "download", "acme/resnet-tiny"}).exitCode, 0);
        QCOMPARE(mwb({"hub", "download", "acme/resnet-tiny", "--revision", "v1.0"}).exitCode, 0);
    }

    void cleanupTestCase()
    {
        server.kill();
        server.waitForFinished(5000);
    }

    void lsShowsReposRevisionsRefsAndSizes()
    {
        const QJsonObject repo = cachedRepo(QStringLiteral("acme/resnet-tiny"));
        QVERIFY(!repo.isEmpty());
        QCOMPARE(repo.value("repo_type").toString(), QStringLiteral("model"));
        const QJsonArray revisions = repo.value("revisions").toArray();
        QCOMPARE(revisions.size(), 2);
        QStringList refs;
        for (const QJsonValue& v : revisions)
            for (const QJsonValue& ref : v.toObject().value("refs").toArray())
                refs.append(ref.toString());
        refs.sort();
        QCOMPARE(refs, (QStringList{"main", "v1.0"}));
        // Sizes count each blob once: the weights are shared by both revisions.
        qint64 blobs = 0;
        for (const QFileInfo& blob : QDir(repoDir() + "/blobs").entryInfoList(QDir::Files))
            blobs += blob.size();
        QCOMPARE(qint64(repo.value("size").toDouble()), blobs);
        QVERIFY(repo.value("last_accessed").toString() != QLatin1String("-"));

        const Run text = mwb({"cache", "ls"});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains(QStringLiteral("acme/resnet-tiny")), qPrintable(text.out));
    }

    void verifyFindsADamagedBlob()
    {
        Run r = mwb({"cache", "verify", "acme/resnet-tiny"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("all blobs match")), qPrintable(r.out));
        // Damage one blob the way a bad disk or a writer through the link would.
        const QString blob = QDir(repoDir() + "/blobs").entryInfoList(QDir::Files).first().absoluteFilePath();
        const QByteArray good = readAll(blob);
        QFile::setPermissions(blob, QFile::ReadOwner | QFile::WriteOwner);
        {
            QFile f(blob);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(good + "tampered");
        }
        r = mwb({"cache", "verify", "acme/resnet-tiny", "--json"});
        QCOMPARE(r.exitCode, 1);
        const QJsonObject report = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(report.value("ok").toBool(), false);
        QCOMPARE(report.value("problems").toArray().first().toObject().value("path").toString(), blob);
        QFile f(blob);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(good);
        f.close();
        QCOMPARE(mwb({"cache", "verify", "acme/resnet-tiny"}).exitCode, 0);
    }

    void endpointDownServesTheCacheWithAWarning_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("connection refused") << "refused";
        QTest::newRow("server never answers") << "hang";
    }
    void endpointDownServesTheCacheWithAWarning()
    {
        QFETCH(QString, how);
        QProcess silent;
        QString down = QStringLiteral("http://127.0.0.1:%1").arg(closedPort());
        if (how == QLatin1String("hang")) {
            down = startServer(silent, {QStringLiteral("--hang"), QStringLiteral("/")});
            QVERIFY(!down.isEmpty());
        }
        QProcessEnvironment env = environment(down);
        env.insert(QStringLiteral("HF_HUB_ETAG_TIMEOUT"), QStringLiteral("2"));
        Run r = mwb({"hub", "download", "acme/resnet-tiny", "--json"}, env);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.startsWith(QStringLiteral("warning: the Hub could not be used")), qPrintable(r.err));
        const QJsonObject result = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(result.value("from_cache").toBool(), true);
        QVERIFY(result.value("files").toArray().contains(QJsonValue("config.json")));
        QVERIFY(result.value("snapshot").toString().startsWith(repoDir() + "/snapshots/"));
        // mwb load takes the same road (and then stops at the weights it cannot read, not at the network).
        r = mwb({"load", "acme/resnet-tiny"}, env);
        QVERIFY2(r.err.contains(QStringLiteral("warning: the Hub could not be used")), qPrintable(r.err));
        for (const QString& line : r.err.split('\n'))
            if (line.startsWith(QLatin1String("error:")))
                QVERIFY2(!line.contains(QStringLiteral("127.0.0.1")), qPrintable(line));
        silent.kill();
        silent.waitForFinished(5000);
    }

    // A cache written the way hf_hub_download writes it: no trees/ folder, opened offline.
    void hfHubDownloadCacheOpensOffline()
    {
        const QString other = dir.path() + "/python-cache";
        const QString source = dir.path() + "/python-source";
        QDir().mkpath(source);
        const QByteArray config = "{\n  \"model_type\": \"resnet\"\n}\n";
        QFile c(source + "/config.json");
        QVERIFY(c.open(QIODevice::WriteOnly));
        c.write(config);
        c.close();
        const QString commit(40, 'a');
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"),
                     {QStringLiteral(MWB_HUB_TEST_DIR "/make_hf_download_cache.py"), other,
                      QStringLiteral("someone/py-model"), commit, source, QStringLiteral("--ref"),
                      QStringLiteral("main")});
        QVERIFY(python.waitForFinished(30000));
        QCOMPARE(python.exitCode(), 0);
        QProcessEnvironment env = environment(QStringLiteral("http://127.0.0.1:%1").arg(closedPort()));
        env.insert(QStringLiteral("HF_HUB_CACHE"), other);
        env.insert(QStringLiteral("HF_HUB_OFFLINE"), QStringLiteral("1"));
        for (const QString& revision : {commit, QStringLiteral("main")}) {
            const Run r = mwb({"hub", "download", "someone/py-model", "--revision", revision}, env);
            QCOMPARE(r.exitCode, 0);
            QCOMPARE(r.out.trimmed(), other + "/models--someone--py-model/snapshots/" + commit);
            QVERIFY2(r.err.contains(QStringLiteral("config.json")) &&
                         r.err.contains(QStringLiteral("HF_HUB_OFFLINE")),
                     qPrintable(r.err));
        }
    }

    void rmRemovesARevisionAndOnlyItsOwnBlobs()
    {
        const QJsonObject before = cachedRepo(QStringLiteral("acme/resnet-tiny"));
        Run r = mwb({"cache", "rm", "acme/resnet-tiny@v1.0", "--dry-run"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("would remove acme/resnet-tiny@")), qPrintable(r.out));
        QCOMPARE(cachedRepo(QStringLiteral("acme/resnet-tiny")), before); // a dry run changes nothing

        r = mwb({"cache", "rm", "acme/resnet-tiny@v1.0"});
        QCOMPARE(r.exitCode, 2); // not a terminal and no --yes: nothing is removed
        QVERIFY2(r.err.contains(QStringLiteral("--yes")), qPrintable(r.err));

        r = mwb({"cache", "rm", "acme/resnet-tiny@v1.0", "--yes"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!QFileInfo::exists(repoDir() + "/refs/v1.0"));
        const QJsonObject after = cachedRepo(QStringLiteral("acme/resnet-tiny"));
        QCOMPARE(after.value("revisions").toArray().size(), 1);
        QVERIFY(qint64(after.value("size").toDouble()) < qint64(before.value("size").toDouble()));
        // What main needs is all still there, and intact.
        QCOMPARE(mwb({"cache", "verify", "acme/resnet-tiny"}).exitCode, 0);
        QProcessEnvironment offline = environment();
        offline.insert(QStringLiteral("HF_HUB_OFFLINE"), QStringLiteral("1"));
        QCOMPARE(mwb({"hub", "download", "acme/resnet-tiny"}, offline).exitCode, 0);

        r = mwb({"cache", "rm", "acme/resnet-tiny", "--yes"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!QFileInfo::exists(repoDir()));
        QVERIFY(!QFileInfo::exists(cacheDir() + "/.locks/models--acme--resnet-tiny"));
        r = mwb({"cache", "rm", "acme/resnet-tiny", "--yes"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("not in the Hub cache")), qPrintable(r.err));
    }

    void logoutAllRemovesEveryToken()
    {
        QCOMPARE(mwb({"login", "--token-stdin"}, {}, "hf_alice_token\n").exitCode, 0);
        QCOMPARE(mwb({"login", "--token-stdin"}, {}, "hf_bob_token\n").exitCode, 0);
        QVERIFY(readAll(dir.path() + "/hf/stored_tokens").contains("[laptop]"));
        const Run r = mwb({"logout", "--all"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!QFileInfo::exists(dir.path() + "/hf/token"));
        QVERIFY(!QFileInfo::exists(dir.path() + "/hf/stored_tokens"));
    }

    void datasetsAndSpacesAreOutOfScope_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("download") << QStringList{"hub", "download", "datasets/acme/images"};
        QTest::newRow("info") << QStringList{"hub", "info", "spaces/acme/demo"};
        QTest::newRow("load") << QStringList{"load", "datasets/acme/images"};
    }
    void datasetsAndSpacesAreOutOfScope()
    {
        QFETCH(QStringList, args);
        const Run r = mwb(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("Datasets and Spaces are out of scope")), qPrintable(r.err));
    }
};

QTEST_MAIN(TestCacheCli)
#include "test_cache_cli.moc"
