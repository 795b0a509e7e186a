// The Hub API client against the local Hub: whoami, repo info, refs, commits and tree pagination (both
// Link forms), paths-info, and the errors users meet (401 vs 404, revision, file, gated, token, 429).

#include "hub/hub_session.h"
#include "hub_test_support.h"

#include <QTest>

using namespace mwb;
using namespace mwb::hub;
using mwb::hubtest::HubFixture;

class TestHubApi : public QObject
{
    Q_OBJECT

    std::unique_ptr<HubFixture> f;

    HubSession session(const QString& token = {}) { return HubSession(f->settings, token); }
    const fakehub::FakeRepo& tiny() { return *f->server->repo(QStringLiteral("acme/resnet-tiny")); }

private Q_SLOTS:
    void init()
    {
        f = std::make_unique<HubFixture>();
        QVERIFY(f->start());
    }

    void whoAmIReportsUserOrgsAndRole()
    {
        auto who = session(QStringLiteral("hf_alice_token")).whoAmI();
        QVERIFY2(who, who ? "" : who.error().message.c_str());
        QCOMPARE(who->name, QStringLiteral("alice"));
        QCOMPARE(who->orgs, QStringList{QStringLiteral("acme")});
        QCOMPARE(who->tokenRole, QStringLiteral("write"));
        QCOMPARE(who->tokenName, QStringLiteral("laptop"));
        QCOMPARE(f->server->requests().first().authorization, QByteArray("Bearer hf_alice_token"));
        QVERIFY(f->server->requests().first().userAgent.startsWith("model-workbench/"));
        QCOMPARE(f->server->requests().first().acceptEncoding, QByteArray("identity"));
    }

    void whoAmIWithoutTokenSendsNothing()
    {
        auto who = session().whoAmI();
        QVERIFY(!who);
        QVERIFY(QString::fromStdString(who.error().message).contains(QStringLiteral("mwb login")));
        QCOMPARE(f->server->requests().size(), 0);
    }

    void whoAmIWithInvalidTokenSaysSo()
    {
        auto who = session(QStringLiteral("hf_wrong")).whoAmI();
        QVERIFY(!who);
        QVERIFY2(who.error().message.find("rejected the token") != std::string::npos,
                 who.error().message.c_str());
        QVERIFY(who.error().message.find("hf_wrong") == std::string::npos);
    }

    void repoInfoResolvesRevisions_data()
    {
        QTest::addColumn<QString>("revision");
        QTest::addColumn<QString>("expectedRef"); // branch or tag whose commit must come back
        QTest::newRow("default branch") << QString() << "main";
        QTest::newRow("branch") << "dev"
                                << "dev";
        QTest::newRow("tag") << "v1.0"
                             << "v1.0";
    }
    void repoInfoResolvesRevisions()
    {
        QFETCH(QString, revision);
        QFETCH(QString, expectedRef);
        auto info = session().repoInfo(QStringLiteral("acme/resnet-tiny"), revision, true);
        QVERIFY2(info, info ? "" : info.error().message.c_str());
        const QByteArray expected = tiny().branches.value(expectedRef, tiny().tags.value(expectedRef));
        QCOMPARE(info->sha.toLatin1(), expected);
        QCOMPARE(info->id, QStringLiteral("acme/resnet-tiny"));
        QVERIFY(!info->siblings.isEmpty());
        QVERIFY(info->siblings.first().size.has_value());
    }

    void repoInfoAtShortCommitId()
    {
        const QByteArray full = tiny().commits[1].id;
        auto info = session().repoInfo(QStringLiteral("acme/resnet-tiny"), QString::fromLatin1(full.left(7)));
        QVERIFY(info);
        QCOMPARE(info->sha.toLatin1(), full);
    }

    void refsListBranchesAndTags()
    {
        auto refs = session().refs(QStringLiteral("acme/resnet-tiny"));
        QVERIFY(refs);
        QCOMPARE(refs->branches.size(), 2);
        QCOMPARE(refs->branches[0].name, QStringLiteral("dev"));
        QCOMPARE(refs->branches[1].ref, QStringLiteral("refs/heads/main"));
        QCOMPARE(refs->tags.size(), 1);
        QCOMPARE(refs->tags[0].name, QStringLiteral("v1.0"));
        QCOMPARE(refs->tags[0].targetCommit.toLatin1(), tiny().tags[QStringLiteral("v1.0")]);
    }

    void commitsFollowEveryPage_data()
    {
        QTest::addColumn<bool>("absoluteLinks");
        QTest::newRow("absolute Link URLs") << true;
        QTest::newRow("host-relative Link URLs") << false;
    }
    void commitsFollowEveryPage()
    {
        QFETCH(bool, absoluteLinks);
        f->server->setCommitPageSize(2);
        f->server->setAbsoluteLinks(absoluteLinks);
        auto commits = session().commits(QStringLiteral("acme/resnet-tiny"), QStringLiteral("main"));
        QVERIFY2(commits, commits ? "" : commits.error().message.c_str());
        const auto history = tiny().history(*tiny().resolve(QStringLiteral("main")));
        QCOMPARE(commits->size(), history.size()); // 7 commits: 4 pages of 2
        for (qsizetype i = 0; i < history.size(); ++i)
            QCOMPARE((*commits)[i].id.toLatin1(), history[i]->id);
        QCOMPARE(commits->last().title, QStringLiteral("initial commit"));
        QCOMPARE(commits->last().authors, QStringList{QStringLiteral("system")});
        QCOMPARE(f->countRequests(QStringLiteral("hub")), 4);
        QCOMPARE(f->server->requests().last().query, QByteArray("p=3&limit=2"));
    }

    void commitsPageGivesNextAndTotal()
    {
        f->server->setCommitPageSize(3);
        auto page = session().commitsPage(QStringLiteral("acme/resnet-tiny"), QStringLiteral("dev"));
        QVERIFY(page);
        QCOMPARE(page->commits.size(), 3);
        QCOMPARE(page->commits.first().title, QStringLiteral("Try wider stem"));
        QCOMPARE(page->totalCount, std::optional<qint64>(5));
        QVERIFY(!page->next.isEmpty());
        auto second =
            session().commitsPage(QStringLiteral("acme/resnet-tiny"), QStringLiteral("dev"), page->next);
        QVERIFY(second);
        QCOMPARE(second->commits.size(), 2);
        QVERIFY(second->next.isEmpty());
    }

    void longHistoryUsesDefaultPages()
    {
        auto commits = session().commits(QStringLiteral("acme/long-history"), QStringLiteral("main"));
        QVERIFY(commits);
        QCOMPARE(commits->size(), 120);
        QCOMPARE(commits->first().title, QStringLiteral("Step 119"));
        QCOMPARE(f->countRequests(QStringLiteral("hub")), 3);
    }

    void treeFollowsEveryPage_data()
    {
        QTest::addColumn<bool>("absoluteLinks");
        QTest::newRow("absolute Link URLs") << true;
        QTest::newRow("host-relative Link URLs") << false;
    }
    void treeFollowsEveryPage()
    {
        QFETCH(bool, absoluteLinks);
        f->server->setTreePageSize(3);
        f->server->setAbsoluteLinks(absoluteLinks);
        auto tree = session().tree(QStringLiteral("acme/resnet-tiny"), QStringLiteral("main"));
        QVERIFY2(tree, tree ? "" : tree.error().message.c_str());
        QStringList paths;
        for (const TreeEntry& e : *tree)
            paths.append(e.path);
        QCOMPARE(paths, (QStringList{".gitattributes", "README.md", "config.json", "docs", "docs/notes",
                                     "docs/notes/usage.md", "model.safetensors", "onnx", "onnx/model.onnx"}));
        QCOMPARE(f->countRequests(QStringLiteral("hub")), 3);
        const TreeEntry& weights = (*tree)[6];
        QVERIFY(weights.isLfs());
        const auto& file = tiny().resolve(QStringLiteral("main"))->files[QStringLiteral("model.safetensors")];
        QCOMPARE(weights.lfsSha256.toLatin1(), file.sha256());
        QCOMPARE(weights.oid.toLatin1(), file.gitBlobId());
        QCOMPARE(weights.size, qint64(300 * 1024));
        QCOMPARE((*tree)[3].type, TreeEntry::Type::Directory);
    }

    void treeOfAFolderNonRecursive()
    {
        auto tree = session().tree(QStringLiteral("acme/resnet-tiny"), QStringLiteral("main"),
                                   QStringLiteral("docs"), false);
        QVERIFY(tree);
        QCOMPARE(tree->size(), 1);
        QCOMPARE(tree->first().path, QStringLiteral("docs/notes"));
    }

    void pathsInfoLeavesOutMissingPaths()
    {
        auto info = session().pathsInfo(
            QStringLiteral("acme/resnet-tiny"), QStringLiteral("main"),
            {QStringLiteral("config.json"), QStringLiteral("nope.txt"), QStringLiteral("onnx/model.onnx")});
        QVERIFY2(info, info ? "" : info.error().message.c_str());
        QCOMPARE(info->size(), 2);
        QCOMPARE(info->at(1).path, QStringLiteral("onnx/model.onnx"));
        QVERIFY(info->at(1).isLfs());
    }

    void errorsSayWhatToDo_data()
    {
        QTest::addColumn<QString>("repo");
        QTest::addColumn<QString>("revision");
        QTest::addColumn<QString>("token");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing repo, anonymous (401)") << "acme/missing"
                                                       << ""
                                                       << ""
                                                       << "not found, or it is private (http";
        QTest::newRow("private repo, anonymous (401)") << "acme/private-model"
                                                       << ""
                                                       << ""
                                                       << "log in with `mwb login`";
        QTest::newRow("private repo, other user (404)") << "acme/private-model"
                                                        << ""
                                                        << "hf_bob_token"
                                                        << "Check the repo id, and that the token";
        QTest::newRow("bad revision") << "acme/resnet-tiny"
                                      << "nope"
                                      << ""
                                      << "revision \"nope\" not found";
        QTest::newRow("invalid token") << "acme/resnet-tiny"
                                       << ""
                                       << "hf_expired"
                                       << "rejected the token";
    }
    void errorsSayWhatToDo()
    {
        QFETCH(QString, repo);
        QFETCH(QString, revision);
        QFETCH(QString, token);
        QFETCH(QString, expected);
        auto info = session(token).repoInfo(repo, revision);
        QVERIFY(!info);
        const QString message = QString::fromStdString(info.error().message);
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(message.contains(repo) || message.contains(QStringLiteral("token")), qPrintable(message));
        if (!token.isEmpty())
            QVERIFY(!message.contains(token));
    }

    void privateRepoVisibleToMember()
    {
        QVERIFY(session(QStringLiteral("hf_alice_token")).repoInfo(QStringLiteral("acme/private-model")));
    }

    void missingFileAndGatedRepo()
    {
        auto missing = session().fileMetadata(QStringLiteral("acme/resnet-tiny"), QStringLiteral("main"),
                                              QStringLiteral("nope.bin"));
        QVERIFY(!missing);
        QVERIFY2(missing.error().message.starts_with("file \"nope.bin\" not found"),
                 missing.error().message.c_str());
        auto gated = session(QStringLiteral("hf_alice_token"))
                         .fileMetadata(QStringLiteral("acme/gated-model"), {}, QStringLiteral("config.json"));
        QVERIFY(!gated);
        QVERIFY2(gated.error().message.find("gated repo") != std::string::npos,
                 gated.error().message.c_str());
        QVERIFY(gated.error().message.find("Request access") != std::string::npos);
        QVERIFY(session(QStringLiteral("hf_bob_token"))
                    .fileMetadata(QStringLiteral("acme/gated-model"), {}, QStringLiteral("config.json")));
    }

    void rateLimitIsReportedWhenRetriesRunOut()
    {
        f->settings.maxRetries = 1;
        f->server->addFault({.kind = fakehub::Fault::Kind::Status,
                             .pathContains = "/refs",
                             .remaining = 5,
                             .status = 429,
                             .retryAfter = 0});
        auto refs = session().refs(QStringLiteral("acme/resnet-tiny"));
        QVERIFY(!refs);
        QVERIFY2(refs.error().message.find("rate-limited") != std::string::npos,
                 refs.error().message.c_str());
        QCOMPARE(f->countRequests(QStringLiteral("hub")), 2);
    }

    void invalidRepoIdSendsNothing_data()
    {
        QTest::addColumn<QString>("repo");
        for (const char* bad : {"a/b/c", "-acme/x", "acme/x.git", "ac--me/x", "acme/../x", "acme/x y", ""})
            QTest::newRow(bad) << QString::fromLatin1(bad);
    }
    void invalidRepoIdSendsNothing()
    {
        QFETCH(QString, repo);
        auto info = session().repoInfo(repo);
        QVERIFY(!info);
        QCOMPARE(info.error().kind, ErrorKind::InvalidInput);
        QCOMPARE(f->server->requests().size(), 0);
    }
};

QTEST_MAIN(TestHubApi)
#include "test_hub_api.moc"
