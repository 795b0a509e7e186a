// Tokens and settings as huggingface_hub reads and writes them: HF_TOKEN > HUGGING_FACE_HUB_TOKEN > token
// file (HF_TOKEN_PATH or HF_HOME/token), stored_tokens INI, 0600 files, masking; HF_HOME/HF_HUB_CACHE/
// XDG_CACHE_HOME, HF_ENDPOINT and HF_HUB_OFFLINE parsing.

#include "hub/hub_paths.h"
#include "hub/hub_token.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace mwb;
using namespace mwb::hub;

namespace {

const char* const kEnvNames[] = {"HF_TOKEN",
                                 "HUGGING_FACE_HUB_TOKEN",
                                 "HF_TOKEN_PATH",
                                 "HF_HOME",
                                 "HF_HUB_CACHE",
                                 "HUGGINGFACE_HUB_CACHE",
                                 "XDG_CACHE_HOME",
                                 "HF_ENDPOINT",
                                 "HF_HUB_OFFLINE",
                                 "TRANSFORMERS_OFFLINE",
                                 "HF_HUB_DISABLE_IMPLICIT_TOKEN"};

void writeFile(const QString& path, const QByteArray& data)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(data);
}

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestHubToken : public QObject
{
    Q_OBJECT

    QTemporaryDir dir;

private Q_SLOTS:
    void init()
    {
        for (const char* name : kEnvNames)
            qunsetenv(name);
        qputenv("HF_HOME", QFile::encodeName(dir.path() + "/hf"));
        QDir(dir.path() + "/hf").removeRecursively(); // each test starts without a login
    }

    void pathsFollowHuggingfaceHub()
    {
        HubSettings s = HubSettings::fromEnvironment();
        QCOMPARE(s.endpoint, QStringLiteral("https://huggingface.co"));
        QCOMPARE(s.cacheDir, dir.path() + "/hf/hub");
        QCOMPARE(s.tokenPath, dir.path() + "/hf/token");
        QCOMPARE(s.storedTokensPath(), dir.path() + "/hf/stored_tokens");
        QVERIFY(s.userAgent.startsWith(QStringLiteral("model-workbench/")));

        qunsetenv("HF_HOME");
        qputenv("XDG_CACHE_HOME", QFile::encodeName(dir.path() + "/xdg"));
        QCOMPARE(HubSettings::fromEnvironment().cacheDir, dir.path() + "/xdg/huggingface/hub");
        qputenv("HF_HUB_CACHE", QFile::encodeName(dir.path() + "/cache"));
        qputenv("HF_ENDPOINT", "http://mirror.example:8080/");
        qputenv("HF_TOKEN_PATH", QFile::encodeName(dir.path() + "/elsewhere/tok"));
        s = HubSettings::fromEnvironment();
        QCOMPARE(s.cacheDir, dir.path() + "/cache");
        QCOMPARE(s.endpoint, QStringLiteral("http://mirror.example:8080"));
        QCOMPARE(s.tokenPath, dir.path() + "/elsewhere/tok");
        QCOMPARE(s.storedTokensPath(), dir.path() + "/elsewhere/stored_tokens");
    }

    void offlineValues_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<bool>("offline");
        for (const char* on : {"1", "ON", "yes", "True"})
            QTest::newRow(on) << QByteArray(on) << true;
        for (const char* off : {"0", "", "no", "off"})
            QTest::newRow(off[0] ? off : "empty") << QByteArray(off) << false;
    }
    void offlineValues()
    {
        QFETCH(QByteArray, value);
        QFETCH(bool, offline);
        qputenv("HF_HUB_OFFLINE", value);
        QCOMPARE(HubSettings::fromEnvironment().offline, offline);
    }

    void tokenPrecedence_data()
    {
        QTest::addColumn<QByteArray>("hfToken");
        QTest::addColumn<QByteArray>("legacy");
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<int>("source");
        QTest::newRow("HF_TOKEN wins") << QByteArray("hf_env") << QByteArray("hf_legacy")
                                       << QByteArray("hf_file") << "hf_env" << int(TokenSource::EnvHfToken);
        QTest::newRow("then HUGGING_FACE_HUB_TOKEN")
            << QByteArray() << QByteArray("hf_legacy") << QByteArray("hf_file") << "hf_legacy"
            << int(TokenSource::EnvHuggingFaceToken);
        QTest::newRow("then the file, trimmed") << QByteArray() << QByteArray() << QByteArray("  hf_file\r\n")
                                                << "hf_file" << int(TokenSource::TokenFile);
        QTest::newRow("empty HF_TOKEN counts as none")
            << QByteArray(" ") << QByteArray() << QByteArray("hf_file") << "hf_file"
            << int(TokenSource::TokenFile);
        QTest::newRow("none") << QByteArray() << QByteArray() << QByteArray("\n") << "" << -1;
    }
    void tokenPrecedence()
    {
        QFETCH(QByteArray, hfToken);
        QFETCH(QByteArray, legacy);
        QFETCH(QByteArray, file);
        QFETCH(QString, expected);
        QFETCH(int, source);
        if (!hfToken.isEmpty())
            qputenv("HF_TOKEN", hfToken);
        if (!legacy.isEmpty())
            qputenv("HUGGING_FACE_HUB_TOKEN", legacy);
        const HubSettings s = HubSettings::fromEnvironment();
        writeFile(s.tokenPath, file);
        const auto found = findToken(s);
        QCOMPARE(found.has_value(), !expected.isEmpty());
        if (found) {
            QCOMPARE(found->token, expected);
            QCOMPARE(int(found->source), source);
        }
    }

    void tokenPathOverride()
    {
        qputenv("HF_TOKEN_PATH", QFile::encodeName(dir.path() + "/custom/token"));
        writeFile(dir.path() + "/custom/token", "hf_custom");
        writeFile(dir.path() + "/hf/token", "hf_default");
        QCOMPARE(findToken(HubSettings::fromEnvironment())->token, QStringLiteral("hf_custom"));
    }

    void storeWritesBothFilesOwnerOnly()
    {
        const HubSettings s = HubSettings::fromEnvironment();
        QVERIFY(storeToken(s, QStringLiteral("hf_first_token_value"), QStringLiteral("laptop")));
        QVERIFY(storeToken(s, QStringLiteral("hf_second_token_value"), QStringLiteral("ci")));
        QCOMPARE(readFile(s.tokenPath), QByteArray("hf_second_token_value"));
        QCOMPARE(
            readFile(s.storedTokensPath()),
            QByteArray(
                "[laptop]\nhf_token = hf_first_token_value\n\n[ci]\nhf_token = hf_second_token_value\n\n"));
        const auto ownerOnly = QFile::ReadOwner | QFile::WriteOwner;
        QCOMPARE(QFileInfo(s.tokenPath).permissions() & ~(QFile::ReadUser | QFile::WriteUser), ownerOnly);
        QCOMPARE(QFileInfo(s.storedTokensPath()).permissions() & ~(QFile::ReadUser | QFile::WriteUser),
                 ownerOnly);
        QCOMPARE(QFileInfo(QFileInfo(s.tokenPath).absolutePath()).permissions() &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
        QCOMPARE(findToken(s)->token, QStringLiteral("hf_second_token_value"));

        // Storing the same name again replaces its section.
        QVERIFY(storeToken(s, QStringLiteral("hf_third_token_value"), QStringLiteral("laptop")));
        QCOMPARE(
            readFile(s.storedTokensPath()),
            QByteArray(
                "[ci]\nhf_token = hf_second_token_value\n\n[laptop]\nhf_token = hf_third_token_value\n\n"));

        auto removed = removeStoredToken(s);
        QVERIFY(removed && *removed);
        QVERIFY(!QFileInfo::exists(s.tokenPath));
        QCOMPARE(readFile(s.storedTokensPath()), QByteArray("[ci]\nhf_token = hf_second_token_value\n\n"));
        QVERIFY(!findToken(s));
        auto again = removeStoredToken(s);
        QVERIFY(again && !*again);
    }

    // Issue 15: the token name comes from the server; a newline must not inject INI lines.
    void hostileTokenNameCannotInjectIntoStoredTokens()
    {
        const HubSettings s = HubSettings::fromEnvironment();
        QVERIFY(storeToken(s, QStringLiteral("hf_first_token_value"),
                           QStringLiteral("laptop]\nhf_token = hf_evil\n[admin")));
        const QByteArray ini = readFile(s.storedTokensPath());
        QCOMPARE(ini.count('\n'), 3); // one section line, one key line, one blank line
        QVERIFY2(!ini.contains("hf_evil\n"), ini.constData());
        QVERIFY(ini.startsWith("[laptop hf_token = hf_evil admin]\nhf_token = hf_first_token_value\n"));
        QCOMPARE(safeSectionName(QStringLiteral("\n\t")), QStringLiteral("token"));
    }

    // Issue 15: HF_TOKEN_PATH=~/token must not chmod the user's home (only a folder we created).
    void existingTokenFolderKeepsItsPermissions()
    {
        const QString home = dir.path() + "/home-like";
        QVERIFY(QDir().mkpath(home));
        const auto open = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup |
                          QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther;
        QVERIFY(QFile::setPermissions(home, open));
        qputenv("HF_TOKEN_PATH", QFile::encodeName(home + "/token"));
        const HubSettings s = HubSettings::fromEnvironment();
        QVERIFY(storeToken(s, QStringLiteral("hf_some_token_value"), QStringLiteral("laptop")));
        QCOMPARE(QFileInfo(home).permissions() & ~(QFile::ReadUser | QFile::WriteUser | QFile::ExeUser),
                 open);
        QCOMPARE(readFile(home + "/token"), QByteArray("hf_some_token_value"));
        const auto fresh = dir.path() + "/made-here/sub";
        qputenv("HF_TOKEN_PATH", QFile::encodeName(fresh + "/token"));
        QVERIFY(storeToken(HubSettings::fromEnvironment(), QStringLiteral("hf_some_token_value"),
                           QStringLiteral("x")));
        QCOMPARE(QFileInfo(fresh).permissions() & (QFile::ReadOther | QFile::ReadGroup),
                 QFile::Permissions());
    }

    void logoutAllRemovesEveryStoredToken()
    {
        const HubSettings s = HubSettings::fromEnvironment();
        QVERIFY(storeToken(s, QStringLiteral("hf_first_token_value"), QStringLiteral("laptop")));
        QVERIFY(storeToken(s, QStringLiteral("hf_second_token_value"), QStringLiteral("ci")));
        auto removed = removeAllStoredTokens(s);
        QVERIFY(removed && *removed);
        QVERIFY(!QFileInfo::exists(s.tokenPath));
        QVERIFY(!QFileInfo::exists(s.storedTokensPath()));
        auto again = removeAllStoredTokens(s);
        QVERIFY(again && !*again);
    }

    void implicitTokenSwitchIsRead()
    {
        QVERIFY(!HubSettings::fromEnvironment().disableImplicitToken);
        qputenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1");
        QVERIFY(HubSettings::fromEnvironment().disableImplicitToken);
    }

    void storeRefusesBadTokens()
    {
        const HubSettings s = HubSettings::fromEnvironment();
        QVERIFY(!storeToken(s, QString(), QStringLiteral("x")));
        QVERIFY(!storeToken(s, QStringLiteral("hf_a b"), QStringLiteral("x")));
        QVERIFY(!storeToken(s, QStringLiteral("api_org_abcdef"), QStringLiteral("x")));
        QVERIFY(!QFileInfo::exists(s.tokenPath));
    }

    void maskingHidesTheToken()
    {
        const QString token = QStringLiteral("hf_abcdefghijklmnopqrstuvwxyz");
        const QString masked = maskToken(token);
        QVERIFY(!masked.contains(QStringLiteral("abcdefghijklmnop")));
        QVERIFY(masked.endsWith(QStringLiteral("wxyz")));
        QCOMPARE(maskToken(QStringLiteral("short")), QStringLiteral("****"));
    }

    void repoIdsAndCommitIds()
    {
        QVERIFY(validateRepoId(QStringLiteral("acme/resnet-tiny")));
        QVERIFY(validateRepoId(QStringLiteral("gpt2")));
        QVERIFY(!validateRepoId(QStringLiteral("acme/x.")));
        QVERIFY(!validateRepoId(QString(97, 'a')));
        QVERIFY(isFullCommitId(QStringLiteral("0123456789abcdef0123456789abcdef01234567")));
        QVERIFY(!isFullCommitId(QStringLiteral("0123456789ABCDEF0123456789abcdef01234567")));
        QVERIFY(!isFullCommitId(QStringLiteral("0123456")));
        QCOMPARE(repoFolderName(QStringLiteral("acme/resnet-tiny")),
                 QStringLiteral("models--acme--resnet-tiny"));
        QCOMPARE(repoFolderName(QStringLiteral("gpt2")), QStringLiteral("models--gpt2"));
    }
};

QTEST_MAIN(TestHubToken)
#include "test_hub_token.moc"
