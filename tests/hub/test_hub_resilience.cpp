// Issue 12 against the local Hub and its fault injection: the cache is never written through by the
// app's own writers, caches written by hf_hub_download (no trees/ folder) open offline, a cached repo
// opens with the endpoint down after one short probe, the download retry budget resets after progress,
// CDN redirect chains are followed without the token, messages carry no signed query strings, Qt prints
// no warnings after an abort, .no_exist markers, HF_HUB_DISABLE_IMPLICIT_TOKEN, stale .incomplete files;
// and from issue 15: a huge Retry-After, a malformed X-Repo-Commit.

#include "hub/hub_cache.h"
#include "hub/hub_cache_guard.h"
#include "hub/hub_http.h"
#include "hub/hub_session.h"
#include "hub_test_support.h"
#include "util/atomic_file.h"

#include <filesystem>

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

using namespace mwb;
using namespace mwb::hub;
using mwb::hubtest::HubFixture;
using Fault = mwb::fakehub::Fault;

namespace {

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// sha256 of every blob of the cache, by path: what must not change when the app saves something.
QMap<QString, QByteArray> blobDigests(const QString& cacheDir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(cacheDir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (path.contains(QLatin1String("/blobs/")))
            out[path] = QCryptographicHash::hash(readAll(path), QCryptographicHash::Sha256).toHex();
    }
    return out;
}

QStringList g_qtWarnings;
void collectWarnings(QtMsgType type, const QMessageLogContext&, const QString& message)
{
    if (type != QtDebugMsg && type != QtInfoMsg)
        g_qtWarnings.append(message);
}

// A port on 127.0.0.1 where nothing listens: connections are refused at once.
quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

} // namespace

class TestHubResilience : public QObject
{
    Q_OBJECT

    std::unique_ptr<HubFixture> f;
    const QString repo = QStringLiteral("acme/resnet-tiny");

    HubSession session(const QString& token = QStringLiteral("hf_alice_token"))
    {
        return HubSession(f->settings, token);
    }
    const fakehub::FakeCommit& mainHead() { return *f->server->repo(repo)->resolve(QStringLiteral("main")); }
    QString repoDir() const { return f->settings.cacheDir + QStringLiteral("/models--acme--resnet-tiny"); }

    // The main commit of acme/resnet-tiny written into the cache by make_hf_download_cache.py, as
    // hf_hub_download leaves it: per file, refs/main, no trees/ folder.
    bool writeHfDownloadCache(const QStringList& extra = {})
    {
        const QString source = f->home.path() + QStringLiteral("/source");
        for (auto it = mainHead().files.begin(); it != mainHead().files.end(); ++it) {
            const QString path = source + '/' + it.key();
            QDir().mkpath(QFileInfo(path).absolutePath());
            QFile out(path);
            if (!out.open(QIODevice::WriteOnly) || out.write(it.value().content) != it.value().content.size())
                return false;
        }
        QStringList args{QStringLiteral(MWB_HUB_TEST_DIR "/make_hf_download_cache.py"),
                         f->settings.cacheDir,
                         repo,
                         QString::fromLatin1(mainHead().id),
                         source,
                         QStringLiteral("--ref"),
                         QStringLiteral("main")};
        for (auto it = mainHead().files.begin(); it != mainHead().files.end(); ++it)
            if (it.value().lfs)
                args << QStringLiteral("--lfs") << it.key();
        args += extra;
        QProcess python;
        python.start(QStringLiteral(MWB_PYTHON), args);
        if (!python.waitForFinished(30000) || python.exitCode() != 0) {
            qWarning("%s", python.readAllStandardError().constData());
            return false;
        }
        return !QFileInfo::exists(repoDir() + QStringLiteral("/trees"));
    }

private Q_SLOTS:
    void init()
    {
        f = std::make_unique<HubFixture>();
        QVERIFY(f->start());
        f->settings.probeTimeoutMs = 400;
        // The app's writers find the cache where huggingface_hub does: through the environment.
        qputenv("HF_HUB_CACHE", f->settings.cacheDir.toUtf8());
    }

    // 1. Nothing but a download writes into the cache; symlinks are resolved first.
    void writersRefuseEveryPathInsideTheCache()
    {
        QVERIFY(writeHfDownloadCache());
        const auto before = blobDigests(f->settings.cacheDir);
        QVERIFY(!before.isEmpty());
        const QString snapshotConfig =
            repoDir() + QStringLiteral("/snapshots/") + mainHead().id + QStringLiteral("/config.json");
        QVERIFY(isInsideHubCache(snapshotConfig, f->settings.cacheDir));
        auto written = writeFileAtomically(snapshotConfig, "{\"edited\": true}\n");
        QVERIFY(!written);
        QCOMPARE(written.error().kind, ErrorKind::Unsafe);
        QVERIFY2(written.error().message.find("Hub cache") != std::string::npos,
                 written.error().message.c_str());
        // A link elsewhere that points into the cache is refused too: the target is what would change.
        const QString outside = f->home.path() + QStringLiteral("/my-config.json");
        std::filesystem::create_symlink(snapshotConfig.toStdString(), outside.toStdString());
        QVERIFY(isInsideHubCache(outside, f->settings.cacheDir));
        QVERIFY(!writeFileAtomically(outside, "{}\n"));
        // A cache at another place (a copy, another HF_HUB_CACHE) is recognised by its layout.
        const QString copied = f->home.path() + QStringLiteral("/elsewhere/models--a--b/snapshots/") +
                               QString(40, '0') + QStringLiteral("/config.json");
        QVERIFY(isInsideHubCache(copied, f->settings.cacheDir));
        QVERIFY(!writeFileAtomically(copied, "{}\n"));
        QCOMPARE(blobDigests(f->settings.cacheDir), before);
        // An ordinary folder is fine.
        const QString mine = f->home.path() + QStringLiteral("/work/config.json");
        QVERIFY(!isInsideHubCache(mine, f->settings.cacheDir));
        QVERIFY(writeFileAtomically(mine, "{}\n"));
    }

    // 2. hf_hub_download's cache (no trees/) is served offline as it is, naming the files found.
    void offlineServesAnHfHubDownloadCacheWithoutTrees_data()
    {
        QTest::addColumn<QString>("revision");
        QTest::addColumn<bool>("symlinks");
        QTest::newRow("commit id") << QString() << true;
        QTest::newRow("branch via refs/main") << QStringLiteral("main") << true;
        QTest::newRow("no-symlink cache") << QStringLiteral("main") << false;
    }
    void offlineServesAnHfHubDownloadCacheWithoutTrees()
    {
        QFETCH(QString, revision);
        QFETCH(bool, symlinks);
        if (revision.isEmpty())
            revision = QString::fromLatin1(mainHead().id);
        QVERIFY(
            writeHfDownloadCache(symlinks ? QStringList() : QStringList{QStringLiteral("--no-symlinks")}));
        f->settings.offline = true;
        auto snapshot = session().downloadSnapshot(repo, revision);
        QVERIFY2(snapshot, snapshot ? "" : snapshot.error().message.c_str());
        QCOMPARE(snapshot->commit.toLatin1(), mainHead().id);
        QStringList expected = mainHead().files.keys();
        expected.sort();
        QStringList files = snapshot->files;
        files.sort();
        QCOMPARE(files, expected);
        QVERIFY(snapshot->fromCacheOnly);
        QVERIFY(!snapshot->notes.isEmpty());
        QVERIFY2(snapshot->notes.join(' ').contains(QLatin1String("config.json")),
                 qPrintable(snapshot->notes.join(' ')));
        QCOMPARE(f->server->requests().size(), 0);
    }

    // 3. Endpoint down, repo cached: one short probe, then the cache, with a warning.
    void networkDownFallsBackToTheCacheAfterOneProbe_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("connection refused") << "refused";
        QTest::newRow("server never answers") << "hang";
        QTest::newRow("HTTP 503") << "503";
        QTest::newRow("HTTP 401") << "401";
    }
    void networkDownFallsBackToTheCacheAfterOneProbe()
    {
        QFETCH(QString, how);
        QVERIFY(session().downloadSnapshot(repo, QStringLiteral("main")));
        QFile::remove(repoDir() + QStringLiteral("/trees/") + mainHead().id + QStringLiteral(".json"));
        f->server->clearRequests();
        if (how == QLatin1String("refused"))
            f->settings.endpoint = QStringLiteral("http://127.0.0.1:%1").arg(closedPort());
        else if (how == QLatin1String("hang"))
            f->server->addFault({.kind = Fault::Kind::Hang, .pathContains = "/", .remaining = 100});
        else
            f->server->addFault(
                {.kind = Fault::Kind::Status, .pathContains = "/", .remaining = 100, .status = how.toInt()});
        for (const QString& revision : {QStringLiteral("main"), QString::fromLatin1(mainHead().id)}) {
            f->server->clearRequests();
            auto snapshot = session().downloadSnapshot(repo, revision);
            QVERIFY2(snapshot, snapshot ? "" : snapshot.error().message.c_str());
            QCOMPARE(snapshot->commit.toLatin1(), mainHead().id);
            QVERIFY(snapshot->files.contains(QStringLiteral("config.json")));
            QVERIFY(snapshot->notes.join(' ').contains(QLatin1String("cache")));
            QVERIFY2(f->server->requests().size() <= 1, "more than one probe before falling back");
        }
        // A single file (hf_hub_download) falls back the same way, after a single HEAD.
        f->server->clearRequests();
        HubSession s = session();
        auto file = s.downloadFile(repo, QStringLiteral("main"), QStringLiteral("config.json"));
        QVERIFY2(file, file ? "" : file.error().message.c_str());
        QVERIFY(f->server->requests().size() <= 1);
        QVERIFY(!s.notes().isEmpty());
    }

    void networkDownWithoutACachedCopyFails()
    {
        f->settings.endpoint = QStringLiteral("http://127.0.0.1:%1").arg(closedPort());
        f->settings.maxRetries = 1;
        auto snapshot = session().downloadSnapshot(repo, QStringLiteral("main"));
        QVERIFY(!snapshot);
        QCOMPARE(snapshot.error().kind, ErrorKind::Network);
    }

    void notFoundIsNotHiddenByTheCache()
    {
        QVERIFY(session().downloadSnapshot(repo, QStringLiteral("main")));
        auto missing = session().downloadSnapshot(repo, QStringLiteral("no-such-branch"));
        QVERIFY(!missing);
        QVERIFY2(missing.error().message.find("not found") != std::string::npos,
                 missing.error().message.c_str());
    }

    // 5. A connection that keeps stalling after sending bytes still completes: progress resets the budget.
    void retryBudgetResetsWhenBytesArrive()
    {
        f->settings.maxRetries = 3;
        f->server->addFault({.kind = Fault::Kind::DropMidBody,
                             .pathContains = "/xet-bridge-us/",
                             .remaining = 8,
                             .dropAfterBytes = 20000});
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        QCOMPARE(readAll(*path), mainHead().files[QStringLiteral("model.safetensors")].content);
        QCOMPARE(f->countRequests(QStringLiteral("cdn"), "GET"), 9);
    }

    void stallsWithoutProgressStillGiveUp()
    {
        f->settings.maxRetries = 2;
        f->server->addFault({.kind = Fault::Kind::DropMidBody,
                             .pathContains = "/xet-bridge-us/",
                             .remaining = 100,
                             .dropAfterBytes = 0});
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY(!path);
        QCOMPARE(f->countRequests(QStringLiteral("cdn"), "GET"), 3);
    }

    // 6. A CDN that redirects again is followed; the token never leaves the endpoint.
    void cdnRedirectChainsAreFollowedWithoutTheToken()
    {
        f->server->addFault(
            {.kind = Fault::Kind::Redirect, .pathContains = "/xet-bridge-us/", .remaining = 2});
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        QCOMPARE(readAll(*path), mainHead().files[QStringLiteral("model.safetensors")].content);
        QCOMPARE(f->countRequests(QStringLiteral("cdn"), "GET"), 3);
        for (const auto& r : f->server->requests())
            if (r.origin == QLatin1String("cdn"))
                QVERIFY2(r.authorization.isEmpty(), r.path.constData());
    }

    void redirectBackToTheEndpointGetsNoTokenEither()
    {
        const QByteArray back = f->server->endpoint().toLatin1() + "/acme/resnet-tiny/resolve/" +
                                mainHead().id + "/model.safetensors";
        f->server->addFault(
            {.kind = Fault::Kind::Redirect, .pathContains = "/xet-bridge-us/", .redirectTo = back});
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        bool sawCdn = false;
        for (const auto& r : f->server->requests()) {
            if (r.origin == QLatin1String("cdn"))
                sawCdn = true;
            else if (sawCdn)
                QVERIFY2(r.authorization.isEmpty(), "the token followed a redirect chain off the endpoint");
        }
    }

    // 7. No signed query strings in messages, and no Qt warnings after an abort.
    void messagesNeverShowSignedUrls()
    {
        f->server->addFault({.kind = Fault::Kind::Status,
                             .pathContains = "/xet-bridge-us/",
                             .remaining = 100,
                             .status = 500});
        f->settings.maxRetries = 1;
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY(!path);
        const QString message = QString::fromStdString(path.error().message);
        QVERIFY2(message.contains(QLatin1String("/xet-bridge-us/")), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1String("Signature")) &&
                     !message.contains(QLatin1String("Expires")) && !message.contains('?'),
                 qPrintable(message));
    }

    void abortedTransfersPrintNoQtWarnings()
    {
        f->settings.maxRetries = 0;
        f->settings.metadataTimeoutMs = 300;
        f->server->addFault({.kind = Fault::Kind::Hang, .pathContains = "/resolve/", .remaining = 5});
        g_qtWarnings.clear();
        const QtMessageHandler previous = qInstallMessageHandler(collectWarnings);
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("config.json"));
        qInstallMessageHandler(previous);
        QVERIFY(!path);
        QVERIFY2(g_qtWarnings.isEmpty(), qPrintable(g_qtWarnings.join('\n')));
    }

    // 8. .no_exist markers, HF_HUB_DISABLE_IMPLICIT_TOKEN, stale .incomplete files.
    void snapshotOfMissingFilesLeavesNoExistMarkers()
    {
        auto snapshot = session().downloadSnapshot(
            repo, QStringLiteral("main"), {QStringLiteral("config.json"), QStringLiteral("tokenizer.json")});
        QVERIFY(!snapshot);
        QVERIFY(QFileInfo(repoDir() + "/.no_exist/" + mainHead().id + "/tokenizer.json").isFile());
        QCOMPARE(readAll(repoDir() + "/.no_exist/" + mainHead().id + "/tokenizer.json"), QByteArray());
        QVERIFY(
            session().cache().isKnownMissing(repo, QStringLiteral("main"), QStringLiteral("tokenizer.json")));
    }

    void implicitTokenCanBeDisabled()
    {
        QDir().mkpath(f->settings.hfHome);
        QFile token(f->settings.tokenPath);
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write("hf_alice_token");
        token.close();
        f->settings.disableImplicitToken = true;
        HubSession implicit(f->settings);
        QVERIFY(implicit.repoInfo(repo));
        for (const auto& r : f->server->requests())
            QVERIFY2(r.authorization.isEmpty(), "the stored token was sent implicitly");
        auto who = implicit.whoAmI(); // an account question still uses the stored token
        QVERIFY2(who, who ? "" : who.error().message.c_str());
        f->server->clearRequests();
        HubSession explicitToken(f->settings, QStringLiteral("hf_alice_token"));
        QVERIFY(explicitToken.repoInfo(repo));
        QCOMPARE(f->server->requests().last().authorization, QByteArray("Bearer hf_alice_token"));
    }

    void staleIncompleteIsRemovedOnceTheBlobExists()
    {
        QVERIFY(writeHfDownloadCache({QStringLiteral("--incomplete"), QStringLiteral("model.safetensors")}));
        const QString stale = repoDir() + "/blobs/" +
                              mainHead().files[QStringLiteral("model.safetensors")].sha256() + ".incomplete";
        QVERIFY(QFileInfo::exists(stale));
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        QVERIFY(!QFileInfo::exists(stale));
    }

    // Issue 15: Retry-After far in the future must not overflow into "retry now".
    void hugeRetryAfterWaitsInsteadOfOverflowing()
    {
        detail::HubHttp http(f->settings, QString());
        auto flag = std::make_shared<std::atomic_bool>(false);
        http.setCancelFlag(flag);
        detail::HttpResponse response;
        response.status = 503;
        // * 1000 in 32 bits wraps around to 704 ms: the wait must be the 300 s cap instead (cancelled here).
        response.headers.append(qMakePair(QByteArray("Retry-After"), QByteArray("4294968")));
        QTimer::singleShot(1500, [flag] { flag->store(true); });
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!http.waitBeforeRetry(response, 0)); // still waiting when cancelled
        QVERIFY(timer.elapsed() >= 1400);
    }

    void malformedRepoCommitIsReportedAsMalformed()
    {
        f->server->addFault({.kind = Fault::Kind::SetHeader,
                             .pathContains = "/resolve/",
                             .headerName = "X-Repo-Commit",
                             .headerValue = "not-a-commit"});
        auto meta = session().fileMetadata(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY(!meta);
        const std::string message = meta.error().message;
        QVERIFY2(message.find("malformed X-Repo-Commit") != std::string::npos, message.c_str());
        QVERIFY2(message.find("not-a-commit") != std::string::npos, message.c_str());
    }
};

QTEST_MAIN(TestHubResilience)
#include "test_hub_resilience.moc"
