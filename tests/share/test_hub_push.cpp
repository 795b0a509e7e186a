// Pushing a custom-code repo to the local test Hub (ARCHITECTURE.md, "Hub: uploads"): the repo holds every
// byte at the returned commit, an unchanged push uploads nothing, read-only tokens and moved branch heads are
// refused before anything changes, dropped uploads are retried, multipart uploads reassemble.

#include "fake_hub.h"
#include "hub/hub_session.h"
#include "review/trust_store.h"
#include "share/custom_code_repo.h"
#include "share/hub_push.h"
#include "share_test_support.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace mwb;
using namespace mwb::share;
using mwb::fakehub::FakeHub;
using mwb::fakehub::Fault;

class TestHubPush : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    FakeHub m_hub;
    QString m_repo; // a custom-code repo folder, seed 7

    hub::HubSettings settings() const
    {
        hub::HubSettings s;
        s.endpoint = m_hub.endpoint();
        s.hfHome = m_dir.filePath(QStringLiteral("hf"));
        s.cacheDir = m_dir.filePath(QStringLiteral("hf/hub"));
        s.tokenPath = m_dir.filePath(QStringLiteral("hf/token"));
        s.userAgent = QStringLiteral("mwb-tests");
        s.maxRetries = 2;
        s.backoffBaseMs = 10;
        s.backoffMaxMs = 40;
        return s;
    }

    Result<PushResult> push(const QString& folder,
                            const QString& repoId,
                            const QString& token = "hf_alice_token",
                            const QString& parent = {})
    {
        PushOptions options;
        options.folder = folder;
        options.repoId = repoId;
        options.summary = QStringLiteral("Upload tiny ResNet");
        options.parentCommit = parent;
        options.trustStoreDirectory = m_dir.filePath(QStringLiteral("trust"));
        HubPusher pusher(settings(), token);
        return pusher.push(options);
    }

    QString makeRepo(const QString& name, std::uint64_t seed)
    {
        const QString source = m_dir.filePath(name + "-source");
        if (!sharetest::writeTinyPretrainedFolder(source, seed))
            return {};
        const QString target = m_dir.filePath(name);
        CustomCodeRepoOptions options;
        options.repoId = "alice/" + name;
        return writeCustomCodeRepo(source, target, options) ? target : QString();
    }

    int count(const QByteArray& origin, const QByteArray& method, const QByteArray& pathPart) const
    {
        int n = 0;
        for (const auto& r : m_hub.requests())
            if (r.origin == origin && r.method == method && r.path.contains(pathPart))
                ++n;
        return n;
    }

    // Every file of `folder` is in the server's repo at `commit` with the same bytes.
    void compareWithServer(const QString& folder, const QString& repoId, const QString& commit)
    {
        const fakehub::FakeRepo* repo = m_hub.repo(repoId);
        QVERIFY(repo);
        const fakehub::FakeCommit* c = repo->resolve(commit);
        QVERIFY(c);
        const auto files = listRepoFiles(folder);
        QVERIFY(files);
        for (const RepoFile& f : *files) {
            QVERIFY2(c->files.contains(f.path), qPrintable(f.path));
            QCOMPARE(c->files[f.path].content, sharetest::readAll(folder + '/' + f.path));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_hub.listen());
        m_hub.addDemoContent();
        m_repo = makeRepo(QStringLiteral("tiny"), 7);
        QVERIFY(!m_repo.isEmpty());
    }

    void pushesAndDownloadsEveryByte()
    {
        m_hub.clearRequests();
        const auto result = push(m_repo, QStringLiteral("alice/tiny"));
        QVERIFY2(result, result ? "" : result.error().message.c_str());
        QVERIFY(result->created);
        QVERIFY(hub::isFullCommitId(result->commitId));
        QCOMPARE(result->commitUrl, m_hub.endpoint() + "/alice/tiny/commit/" + result->commitId);
        QCOMPARE(result->pinnedUrl, m_hub.endpoint() + "/alice/tiny/tree/" + result->commitId);
        QCOMPARE(result->files.size(), 6);
        for (const PushedFile& f : result->files) {
            QCOMPARE(f.lfs, f.path == QLatin1String("model.safetensors"));
            QVERIFY(f.uploaded);
        }
        QCOMPARE(m_hub.repo("alice/tiny")->branches["main"], result->commitId.toLatin1());
        QVERIFY(m_hub.repo("alice/tiny")->resolve(result->commitId)->files["model.safetensors"].lfs);
        // Presigned PUTs go to the storage origin, never with the Hub token.
        QCOMPARE(count("cdn", "PUT", "/lfs-upload/"), 1);
        for (const auto& r : m_hub.requests())
            if (r.origin == QLatin1String("cdn"))
                QVERIFY(r.authorization.isEmpty());
        QCOMPARE(count("hub", "POST", "/objects/verify"), 1);
        QCOMPARE(count("hub", "POST", "/commit/main"), 1);

        // Downloaded at the returned commit, every byte matches.
        hub::HubSession session(settings(), QStringLiteral("hf_alice_token"));
        const auto snapshot = session.downloadSnapshot(QStringLiteral("alice/tiny"), result->commitId);
        QVERIFY2(snapshot, snapshot ? "" : snapshot.error().message.c_str());
        const auto files = listRepoFiles(m_repo);
        for (const RepoFile& f : *files)
            QCOMPARE(sharetest::readAll(snapshot->snapshotPath + '/' + f.path),
                     sharetest::readAll(m_repo + '/' + f.path));
        compareWithServer(m_repo, QStringLiteral("alice/tiny"), result->commitId);

        // The pushed code is the user's own: trusted at exactly this commit.
        QVERIFY(result->trusted);
        auto store = review::TrustStore::open(m_dir.filePath(QStringLiteral("trust")));
        QVERIFY(store);
        const auto entry = store->find(QStringLiteral("alice/tiny"), result->commitId);
        QVERIFY(entry);
        QCOMPARE(entry->files.size(), size_t(2));
    }

    void pushAgainUnchangedUploadsNothing()
    {
        const QByteArray head = m_hub.repo("alice/tiny")->branches["main"];
        m_hub.clearRequests();
        const auto again = push(m_repo, QStringLiteral("alice/tiny"));
        QVERIFY2(again, again ? "" : again.error().message.c_str());
        QVERIFY(again->noChanges);
        QVERIFY(!again->created);
        QCOMPARE(again->commitId.toLatin1(), head);
        QCOMPARE(count("cdn", "PUT", ""), 0);
        QCOMPARE(count("hub", "POST", "/objects/batch"), 0);
        QCOMPARE(count("hub", "POST", "/commit/"), 0);
        for (const PushedFile& f : again->files)
            QVERIFY(f.unchanged && !f.uploaded);

        // A changed card alone: one commit with the README, the weights are not sent again.
        QVERIFY(
            sharetest::writeAll(m_repo + "/README.md", sharetest::readAll(m_repo + "/README.md") + "\nv2\n"));
        m_hub.clearRequests();
        const auto card = push(m_repo, QStringLiteral("alice/tiny"));
        QVERIFY2(card, card ? "" : card.error().message.c_str());
        QVERIFY(!card->noChanges);
        QCOMPARE(count("cdn", "PUT", ""), 0);
        QCOMPARE(m_hub.repo("alice/tiny")->resolve(card->commitId)->parent, head);
        compareWithServer(m_repo, QStringLiteral("alice/tiny"), card->commitId);
    }

    void readOnlyTokenIsRefusedBeforeAnyUpload()
    {
        m_hub.clearRequests();
        const auto result = push(m_repo, QStringLiteral("bob/tiny"), QStringLiteral("hf_bob_token"));
        QVERIFY(!result);
        QCOMPARE(result.error().kind, ErrorKind::InvalidInput);
        QVERIFY2(result.error().message.find("read-only") != std::string::npos,
                 result.error().message.c_str());
        for (const auto& r : m_hub.requests())
            QVERIFY2(r.method == "GET", r.path.constData()); // only whoami
        QVERIFY(!m_hub.repo("bob/tiny"));
    }

    void cancelBeforePushStartsIsKept()
    {
        // The Share window may cancel before its job reaches push(): that request must not be lost.
        m_hub.clearRequests();
        PushOptions options;
        options.folder = m_repo;
        options.repoId = QStringLiteral("alice/cancelled-early");
        options.trustStoreDirectory = m_dir.filePath(QStringLiteral("trust"));
        HubPusher pusher(settings(), QStringLiteral("hf_alice_token"));
        pusher.cancel();
        const auto result = pusher.push(options);
        QVERIFY(!result);
        QCOMPARE(result.error().kind, ErrorKind::Cancelled);
        QCOMPARE(count("hub", "POST", ""), 0);
        QVERIFY(!m_hub.repo("alice/cancelled-early"));
    }

    void otherNamespaceIsRefusedBeforeAnyUpload()
    {
        m_hub.clearRequests();
        const auto result = push(m_repo, QStringLiteral("someone-else/tiny"));
        QVERIFY(!result);
        QVERIFY2(result.error().message.find("namespace") != std::string::npos,
                 result.error().message.c_str());
        QCOMPARE(count("hub", "POST", ""), 0);
    }

    void movedBranchHeadIsAConflict()
    {
        const auto first = push(m_repo, QStringLiteral("acme/moving"));
        QVERIFY2(first, first ? "" : first.error().message.c_str());
        fakehub::FakeRepo* repo = m_hub.repo("acme/moving");
        const QByteArray theirs = repo->commit("main", "Someone else's change", {}, "bob",
                                               {{"notes.txt", fakehub::FakeFile{"hello", false}}});
        QVERIFY(
            sharetest::writeAll(m_repo + "/README.md", sharetest::readAll(m_repo + "/README.md") + "\nv3\n"));
        const auto stale =
            push(m_repo, QStringLiteral("acme/moving"), QStringLiteral("hf_alice_token"), first->commitId);
        QVERIFY(!stale);
        QVERIFY2(stale.error().message.find("moved") != std::string::npos, stale.error().message.c_str());
        QCOMPARE(repo->branches["main"], theirs); // unchanged
    }

    void droppedUploadIsRetried()
    {
        const QString folder = makeRepo(QStringLiteral("flaky"), 11);
        m_hub.clearRequests();
        Fault drop;
        drop.kind = Fault::Kind::DropMidBody;
        drop.pathContains = "/lfs-upload/";
        drop.method = "PUT";
        drop.remaining = 1;
        m_hub.addFault(drop);
        const auto result = push(folder, QStringLiteral("alice/flaky"));
        QVERIFY2(result, result ? "" : result.error().message.c_str());
        QCOMPARE(count("cdn", "PUT", "/lfs-upload/"), 2);
        compareWithServer(folder, QStringLiteral("alice/flaky"), result->commitId);
    }

    void uploadThatKeepsDroppingLeavesTheRepoUnchanged()
    {
        const QString folder = makeRepo(QStringLiteral("broken-link"), 12);
        Fault drop;
        drop.kind = Fault::Kind::DropMidBody;
        drop.pathContains = "/lfs-upload/";
        drop.method = "PUT";
        drop.remaining = 3; // the first try and both retries
        m_hub.addFault(drop);
        const auto failed = push(folder, QStringLiteral("alice/broken-link"));
        QVERIFY(!failed);
        QCOMPARE(failed.error().kind, ErrorKind::Network);
        QVERIFY2(failed.error().message.find("model.safetensors") != std::string::npos &&
                     failed.error().message.find("nothing was committed") != std::string::npos,
                 failed.error().message.c_str());
        const fakehub::FakeRepo* repo = m_hub.repo("alice/broken-link");
        QCOMPARE(repo->commits.size(), 1); // the initial commit only
        QCOMPARE(repo->commits.first().files.keys(), QStringList{".gitattributes"});

        const auto retried = push(folder, QStringLiteral("alice/broken-link"));
        QVERIFY2(retried, retried ? "" : retried.error().message.c_str());
        compareWithServer(folder, QStringLiteral("alice/broken-link"), retried->commitId);
    }

    void multipartUploadReassembles()
    {
        const QString folder = makeRepo(QStringLiteral("parts"), 13);
        const qint64 size = QFileInfo(folder + "/model.safetensors").size();
        m_hub.setMultipartChunkSize(1 << 20);
        m_hub.clearRequests();
        const auto result = push(folder, QStringLiteral("alice/parts"));
        m_hub.setMultipartChunkSize(0);
        QVERIFY2(result, result ? "" : result.error().message.c_str());
        QCOMPARE(count("cdn", "PUT", "/lfs-upload/"), int((size + (1 << 20) - 1) >> 20));
        QCOMPARE(count("hub", "POST", "/info/lfs/complete/"), 1);
        compareWithServer(folder, QStringLiteral("alice/parts"), result->commitId);
    }

    void multipartTakesOnlyTheNumericPartKeys()
    {
        const QString folder = makeRepo(QStringLiteral("parts-extra"), 15);
        m_hub.setMultipartChunkSize(1 << 20);
        m_hub.setMultipartExtraHeaderKeys(true);
        const auto result = push(folder, QStringLiteral("alice/parts-extra"));
        m_hub.setMultipartChunkSize(0);
        m_hub.setMultipartExtraHeaderKeys(false);
        QVERIFY2(result, result ? "" : result.error().message.c_str());
        compareWithServer(folder, QStringLiteral("alice/parts-extra"), result->commitId);
    }

    // The commit was applied but its answer was lost: the retry must report the truth, not a conflict.
    void lostCommitAnswerIsReportedAsTheCommitThatLanded()
    {
        const QString folder = makeRepo(QStringLiteral("lost-answer"), 16);
        const auto first = push(folder, QStringLiteral("alice/lost-answer"));
        QVERIFY2(first, first ? "" : first.error().message.c_str());
        const qsizetype commitsBefore = m_hub.repo("alice/lost-answer")->commits.size();
        for (const bool withParent : {true, false}) {
            QVERIFY(sharetest::writeAll(folder + "/README.md", sharetest::readAll(folder + "/README.md") +
                                                                   (withParent ? "p\n" : "n\n")));
            m_hub.addFault(
                {.kind = Fault::Kind::LoseAnswer, .pathContains = "/commit/main", .method = "POST"});
            const QString head = QString::fromLatin1(m_hub.repo("alice/lost-answer")->branches["main"]);
            const auto result = push(folder, QStringLiteral("alice/lost-answer"),
                                     QStringLiteral("hf_alice_token"), withParent ? head : QString());
            QVERIFY2(result, result ? "" : result.error().message.c_str());
            QCOMPARE(result->commitId.toLatin1(), m_hub.repo("alice/lost-answer")->branches["main"]);
            QVERIFY(result->commitId != head);
            QVERIFY(result->trusted);
            compareWithServer(folder, QStringLiteral("alice/lost-answer"), result->commitId);
        }
        QCOMPARE(m_hub.repo("alice/lost-answer")->commits.size(), commitsBefore + 2); // no duplicates
    }

    void rateLimitIsHonoured()
    {
        const QString folder = makeRepo(QStringLiteral("limited"), 14);
        Fault limit;
        limit.pathContains = "/preupload/";
        limit.status = 429;
        limit.retryAfter = 0;
        m_hub.addFault(limit);
        Fault busy;
        busy.pathContains = "/commit/";
        busy.status = 503;
        m_hub.addFault(busy);
        m_hub.clearRequests();
        const auto result = push(folder, QStringLiteral("alice/limited"));
        QVERIFY2(result, result ? "" : result.error().message.c_str());
        QCOMPARE(count("hub", "POST", "/preupload/"), 2);
        QCOMPARE(count("hub", "POST", "/commit/"), 2);
        QCOMPARE(m_hub.repo("alice/limited")->commits.size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestHubPush)
#include "test_hub_push.moc"
