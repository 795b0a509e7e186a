// Downloads into the huggingface_hub cache against the local Hub: the 307 relative and 302 cross-host
// redirects (the CDN never sees the token), resume after a dropped connection, a 200 instead of 206,
// retries with Retry-After, checksum mismatches, the cache layout byte for byte, offline mode with zero
// requests, hostile file names, snapshots with progress, and the async HubClient with cancel.

#include "hub/hub_client.h"
#include "hub/hub_session.h"
#include "hub_test_support.h"

#include <filesystem>

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTest>

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

} // namespace

class TestHubDownload : public QObject
{
    Q_OBJECT

    std::unique_ptr<HubFixture> f;
    const QString repo = QStringLiteral("acme/resnet-tiny");

    HubSession session(const QString& token = QStringLiteral("hf_alice_token"))
    {
        return HubSession(f->settings, token);
    }
    const fakehub::FakeCommit& mainHead() { return *f->server->repo(repo)->resolve(QStringLiteral("main")); }
    const fakehub::FakeFile& mainFile(const QString& path) { return mainHead().files.find(path).value(); }
    QString repoDir() const { return f->settings.cacheDir + QStringLiteral("/models--acme--resnet-tiny"); }

private Q_SLOTS:
    void init()
    {
        f = std::make_unique<HubFixture>();
        QVERIFY(f->start());
    }

    void regularFileFollowsRelativeRedirectAndLaysOutCache()
    {
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("config.json"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        const QByteArray commit = mainHead().id;
        const QByteArray blobId = mainFile(QStringLiteral("config.json")).gitBlobId();
        QCOMPARE(*path, repoDir() + "/snapshots/" + commit + "/config.json");
        QCOMPARE(QFileInfo(*path).symLinkTarget(), repoDir() + "/blobs/" + blobId);
        QCOMPARE(QFileInfo(*path).isSymLink(), true);
        QCOMPARE(readLink(*path), "../../blobs/" + blobId);
        QCOMPARE(readAll(*path), mainFile(QStringLiteral("config.json")).content);
        QCOMPARE(readAll(repoDir() + "/refs/main"), commit); // bare 40-hex, no newline
        QVERIFY(QFileInfo::exists(f->settings.cacheDir + "/.locks/models--acme--resnet-tiny/" + blobId +
                                  ".lock"));

        // HEAD /resolve -> 307 host-relative -> HEAD /api/resolve-cache -> GET there, token on every hop.
        const auto& log = f->server->requests();
        QCOMPARE(log.size(), 3);
        QCOMPARE(log[0].method, QByteArray("HEAD"));
        QCOMPARE(log[0].path, "/acme/resnet-tiny/resolve/main/config.json");
        QCOMPARE(log[1].method, QByteArray("HEAD"));
        QVERIFY(log[1].path.startsWith("/api/resolve-cache/models/acme/resnet-tiny/" + commit));
        QCOMPARE(log[1].query, QByteArray()); // only the Location path is taken, as huggingface_hub does
        QCOMPARE(log[2].method, QByteArray("GET"));
        QCOMPARE(log[2].path, log[1].path);
        for (const auto& r : log) {
            QCOMPARE(r.authorization, QByteArray("Bearer hf_alice_token"));
            QCOMPARE(r.acceptEncoding, QByteArray("identity"));
        }
    }

    void lfsFileComesFromTheCdnWithoutTheToken()
    {
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("onnx/model.onnx"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        const auto& file = mainFile(QStringLiteral("onnx/model.onnx"));
        QCOMPARE(readLink(*path), "../../../blobs/" + file.sha256()); // one more ../ per folder level
        QCOMPARE(readAll(*path), file.content);
        QCOMPARE(f->countRequests(QStringLiteral("cdn"), "GET"), 1);
        for (const auto& r : f->server->requests()) {
            if (r.origin == QLatin1String("cdn"))
                QVERIFY2(r.authorization.isEmpty(), "the token was sent to the CDN");
            else
                QCOMPARE(r.authorization, QByteArray("Bearer hf_alice_token"));
        }
    }

    void resumesAfterADroppedConnection()
    {
        f->server->addFault(
            {.kind = Fault::Kind::DropMidBody, .pathContains = "/xet-bridge-us/", .dropAfterBytes = 100000});
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        QCOMPARE(readAll(*path), mainFile(QStringLiteral("model.safetensors")).content);
        QList<QByteArray> ranges;
        for (const auto& r : f->server->requests())
            if (r.origin == QLatin1String("cdn"))
                ranges.append(r.range);
        QCOMPARE(ranges, (QList<QByteArray>{QByteArray(), QByteArray("bytes=100000-")}));
        QVERIFY(!QFileInfo::exists(repoDir() + "/blobs/" +
                                   mainFile(QStringLiteral("model.safetensors")).sha256() + ".incomplete"));
    }

    void resumesAPartialFileFromAnEarlierRun()
    {
        const auto& file = mainFile(QStringLiteral("model.safetensors"));
        QDir().mkpath(repoDir() + "/blobs");
        QFile partial(repoDir() + "/blobs/" + file.sha256() + ".incomplete");
        QVERIFY(partial.open(QIODevice::WriteOnly));
        partial.write(file.content.left(5000));
        partial.close();
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY(path);
        QCOMPARE(readAll(*path), file.content);
        QCOMPARE(f->server->requests().last().range, QByteArray("bytes=5000-"));
    }

    void restartsCleanlyWhenRangeIsIgnored()
    {
        const auto& file = mainFile(QStringLiteral("model.safetensors"));
        QDir().mkpath(repoDir() + "/blobs");
        QFile partial(repoDir() + "/blobs/" + file.sha256() + ".incomplete");
        QVERIFY(partial.open(QIODevice::WriteOnly));
        partial.write(QByteArray(5000, 'x')); // garbage: only a clean restart gives the right bytes
        partial.close();
        f->server->addFault({.kind = Fault::Kind::IgnoreRange, .pathContains = "/xet-bridge-us/"});
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        QCOMPARE(readAll(*path), file.content);
        QCOMPARE(f->countRequests(QStringLiteral("cdn"), "GET"), 1);
    }

    void retriesServerErrorsAndHonoursRetryAfter()
    {
        f->server->addFault(
            {.kind = Fault::Kind::Status, .pathContains = "/resolve/", .remaining = 2, .status = 500});
        f->server->addFault(
            {.kind = Fault::Kind::Status, .pathContains = "/xet-bridge-us/", .status = 429, .retryAfter = 1});
        QElapsedTimer timer;
        timer.start();
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        QVERIFY2(timer.elapsed() >= 1000, "Retry-After: 1 was not honoured");
        QCOMPARE(f->countRequests(QStringLiteral("hub"), "HEAD"), 3);
        QCOMPARE(f->countRequests(QStringLiteral("cdn"), "GET"), 2);
        QCOMPARE(readAll(*path), mainFile(QStringLiteral("model.safetensors")).content);
    }

    void checksumMismatchIsRefetchedOnce()
    {
        f->server->addFault({.kind = Fault::Kind::CorruptBody, .pathContains = "/xet-bridge-us/"});
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("model.safetensors"));
        QVERIFY2(path, path ? "" : path.error().message.c_str());
        QCOMPARE(readAll(*path), mainFile(QStringLiteral("model.safetensors")).content);
        QCOMPARE(f->countRequests(QStringLiteral("cdn"), "GET"), 2);
    }

    void persistentChecksumMismatchIsReported_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("where");
        QTest::newRow("LFS (sha256)") << "model.safetensors" << QByteArray("/xet-bridge-us/");
        QTest::newRow("regular (git sha1)") << "config.json" << QByteArray("/resolve-cache/");
    }
    void persistentChecksumMismatchIsReported()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, where);
        f->server->addFault({.kind = Fault::Kind::CorruptBody, .pathContains = where, .remaining = 2});
        auto path = session().downloadFile(repo, QStringLiteral("main"), file);
        QVERIFY(!path);
        QVERIFY2(path.error().message.find("does not match its checksum") != std::string::npos,
                 path.error().message.c_str());
        QVERIFY(!QFileInfo::exists(repoDir() + "/snapshots/" + mainHead().id + "/" + file));
        QCOMPARE(QDir(repoDir() + "/blobs").entryList(QDir::Files).size(), 0);
    }

    void cachedCommitNeedsNoRequest()
    {
        QVERIFY(session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("config.json")));
        f->server->clearRequests();
        auto again =
            session().downloadFile(repo, QString::fromLatin1(mainHead().id), QStringLiteral("config.json"));
        QVERIFY(again);
        QCOMPARE(f->server->requests().size(), 0);
    }

    void offlineModeSendsNoRequest()
    {
        QVERIFY(session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("config.json")));
        f->server->clearRequests();
        f->settings.offline = true;
        auto cached = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("config.json"));
        QVERIFY(cached);
        QCOMPARE(readAll(*cached), mainFile(QStringLiteral("config.json")).content);
        auto missing = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("README.md"));
        QVERIFY(!missing);
        QVERIFY(missing.error().message.find("HF_HUB_OFFLINE") != std::string::npos);
        QVERIFY(!session().repoInfo(repo));
        // As huggingface_hub: the snapshot folder as it is, saying which files it holds.
        auto snapshot = session().downloadSnapshot(repo, QStringLiteral("main"));
        QVERIFY(snapshot);
        QCOMPARE(snapshot->files, QStringList{QStringLiteral("config.json")});
        QVERIFY(snapshot->notes.join(' ').contains(QLatin1String("HF_HUB_OFFLINE")));
        QVERIFY(!session().downloadSnapshot(QStringLiteral("acme/private-model"), QStringLiteral("main")));
        QCOMPARE(f->server->requests().size(), 0);
    }

    void missingFileLeavesANoExistMarker()
    {
        auto path = session().downloadFile(repo, QStringLiteral("main"), QStringLiteral("tokenizer.json"));
        QVERIFY(!path);
        QVERIFY(path.error().message.starts_with("file \"tokenizer.json\" not found"));
        QVERIFY(QFileInfo(repoDir() + "/.no_exist/" + mainHead().id + "/tokenizer.json").isFile());
        QCOMPARE(readAll(repoDir() + "/refs/main"), mainHead().id);
        QVERIFY(
            session().cache().isKnownMissing(repo, QStringLiteral("main"), QStringLiteral("tokenizer.json")));
    }

    void hostileNamesNeverWriteOutsideTheCache()
    {
        auto snapshot = session().downloadSnapshot(QStringLiteral("acme/hostile"), QStringLiteral("main"));
        QVERIFY(!snapshot);
        QCOMPARE(snapshot.error().kind, ErrorKind::Unsafe);
        QVERIFY2(snapshot.error().message.find("refused file name") != std::string::npos,
                 snapshot.error().message.c_str());
        QVERIFY(!QFileInfo::exists(f->settings.cacheDir + "/models--acme--hostile/snapshots"));
        QVERIFY(!QFileInfo::exists(f->settings.cacheDir + "/models--acme--hostile/x"));
        QVERIFY(!QFileInfo::exists(QStringLiteral("/abs")));
        const qsizetype before = f->server->requests().size();
        for (const char* name : {"../x", "/abs", "a\\b", "ok/../../x"}) {
            auto file = session().downloadFile(QStringLiteral("acme/hostile"), QStringLiteral("main"),
                                               QString::fromLatin1(name));
            QVERIFY(!file);
            QCOMPARE(file.error().kind, ErrorKind::Unsafe);
        }
        QCOMPARE(f->server->requests().size(), before);
        QDirIterator it(f->home.path(), QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
                        QDirIterator::Subdirectories);
        while (it.hasNext())
            QVERIFY2(!it.next().contains(QLatin1String("outside")), qPrintable(it.filePath()));
    }

    void snapshotDownloadsEverythingAtOneCommit()
    {
        QList<DownloadProgress> reports;
        auto snapshot = session().downloadSnapshot(repo, QStringLiteral("v1.0"), {},
                                                   [&](const DownloadProgress& p) { reports.append(p); });
        QVERIFY2(snapshot, snapshot ? "" : snapshot.error().message.c_str());
        const QByteArray tagCommit = f->server->repo(repo)->tags[QStringLiteral("v1.0")];
        QCOMPARE(snapshot->commit.toLatin1(), tagCommit);
        QCOMPARE(snapshot->snapshotPath, repoDir() + "/snapshots/" + tagCommit);
        QCOMPARE(snapshot->files,
                 (QStringList{".gitattributes", "README.md", "config.json", "model.safetensors"}));
        for (const QString& file : snapshot->files)
            QCOMPARE(readAll(snapshot->snapshotPath + '/' + file),
                     f->server->repo(repo)->byId(tagCommit)->files[file].content);
        QCOMPARE(readAll(repoDir() + "/refs/v1.0"), tagCommit);
        QVERIFY(QFileInfo(repoDir() + "/trees/" + tagCommit + ".json").isFile());
        QVERIFY(!reports.isEmpty());
        QCOMPARE(reports.last().filesDone, 4);
        QCOMPARE(reports.last().filesTotal, 4);
        QCOMPARE(reports.last().totalDone, reports.last().totalBytes);
        QVERIFY(reports.last().totalBytes > 300 * 1024);
        // Every file request named the resolved commit, never the tag.
        for (const auto& r : f->server->requests())
            if (r.path.contains("/resolve/"))
                QVERIFY2(r.path.contains("/resolve/" + tagCommit + "/"), r.path.constData());

        f->server->clearRequests();
        auto again = session().downloadSnapshot(repo, QString::fromLatin1(tagCommit));
        QVERIFY(again);
        QVERIFY(again->fromCacheOnly);
        QCOMPARE(f->server->requests().size(), 0);
    }

    void asyncClientReportsProgressAndCancels()
    {
        HubClient client(f->settings);
        std::optional<Result<SnapshotResult>> outcome;
        f->server->addFault({.kind = Fault::Kind::Status,
                             .pathContains = "/xet-bridge-us/",
                             .remaining = 100,
                             .status = 503,
                             .retryAfter = 1});
        HubTask* task =
            client.downloadSnapshot(repo, QStringLiteral("main"), {QStringLiteral("model.safetensors")},
                                    [&](Result<SnapshotResult> r) { outcome = std::move(r); });
        QSignalSpy finished(task, &HubTask::finished);
        QTest::qWait(300); // the worker is now waiting out Retry-After; the GUI thread is not blocked
        task->cancel();
        QVERIFY(finished.wait(3000));
        QVERIFY(outcome.has_value());
        QVERIFY(!*outcome);
        QCOMPARE(outcome->error().kind, ErrorKind::Cancelled);
    }

    void asyncClientDownloads()
    {
        HubClient client(f->settings);
        std::optional<Result<SnapshotResult>> outcome;
        HubTask* task = client.downloadSnapshot(repo, QStringLiteral("main"), {},
                                                [&](Result<SnapshotResult> r) { outcome = std::move(r); });
        QSignalSpy progress(task, &HubTask::progress);
        QSignalSpy finished(task, &HubTask::finished);
        QVERIFY(finished.wait(10000));
        QVERIFY(outcome && *outcome);
        QVERIFY(progress.count() >= 1);
        const auto last = progress.last().first().value<DownloadProgress>();
        QCOMPARE(last.filesDone, last.filesTotal);
    }

private:
    static QByteArray readLink(const QString& path)
    {
        return QFile::encodeName(
            QString::fromStdString(std::filesystem::read_symlink(path.toStdString()).string()));
    }
};

QTEST_MAIN(TestHubDownload)
#include "test_hub_download.moc"
