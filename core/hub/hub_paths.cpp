#include "hub/hub_paths.h"

#include <cstring>

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QtGlobal>

namespace mwb::hub {

namespace {

QString env(const char* name)
{
    return qEnvironmentVariable(name);
}

// huggingface_hub expands `~` and $VARS in these paths.
QString expandPath(QString path)
{
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
        path = QDir::homePath() + path.mid(1);
    static const QRegularExpression var(QStringLiteral("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)\\}?"));
    QRegularExpressionMatch m;
    qsizetype from = 0;
    while ((m = var.match(path, from)).hasMatch()) {
        const QString value = qEnvironmentVariable(m.captured(1).toLatin1().constData());
        path.replace(m.capturedStart(), m.capturedLength(), value);
        from = m.capturedStart() + value.size();
    }
    return path;
}

bool isTrue(const QString& value)
{
    const QString v = value.trimmed().toUpper();
    return v == QLatin1String("1") || v == QLatin1String("ON") || v == QLatin1String("YES") ||
           v == QLatin1String("TRUE");
}

int secondsToMs(const char* name, int fallbackMs)
{
    bool ok = false;
    const double seconds = env(name).toDouble(&ok);
    return ok && seconds > 0 ? int(seconds * 1000) : fallbackMs;
}

} // namespace

HubSettings HubSettings::fromEnvironment()
{
    HubSettings s;
    s.endpoint = env("HF_ENDPOINT").trimmed();
    if (s.endpoint.isEmpty())
        s.endpoint = QStringLiteral("https://huggingface.co");
    while (s.endpoint.endsWith('/'))
        s.endpoint.chop(1);

    if (!env("HF_HOME").isEmpty())
        s.hfHome = expandPath(env("HF_HOME"));
    else if (!env("XDG_CACHE_HOME").isEmpty())
        s.hfHome = expandPath(env("XDG_CACHE_HOME")) + QStringLiteral("/huggingface");
    else
        s.hfHome = QDir::homePath() + QStringLiteral("/.cache/huggingface");

    if (!env("HF_HUB_CACHE").isEmpty())
        s.cacheDir = expandPath(env("HF_HUB_CACHE"));
    else if (!env("HUGGINGFACE_HUB_CACHE").isEmpty())
        s.cacheDir = expandPath(env("HUGGINGFACE_HUB_CACHE"));
    else
        s.cacheDir = s.hfHome + QStringLiteral("/hub");

    s.tokenPath = env("HF_TOKEN_PATH").isEmpty() ? s.hfHome + QStringLiteral("/token")
                                                 : expandPath(env("HF_TOKEN_PATH"));
    s.offline = isTrue(env("HF_HUB_OFFLINE")) || isTrue(env("TRANSFORMERS_OFFLINE"));
    s.disableImplicitToken = isTrue(env("HF_HUB_DISABLE_IMPLICIT_TOKEN"));
    s.userAgent = QStringLiteral("model-workbench/" MWB_VERSION "; hf_hub/compatible; qt/") +
                  QString::fromLatin1(qVersion());
    if (isTrue(env("HF_HUB_DISABLE_TELEMETRY")) || isTrue(env("DISABLE_TELEMETRY")) ||
        isTrue(env("DO_NOT_TRACK")))
        s.userAgent += QStringLiteral("; telemetry/off");
    s.metadataTimeoutMs = secondsToMs("HF_HUB_ETAG_TIMEOUT", s.metadataTimeoutMs);
    s.downloadTimeoutMs = secondsToMs("HF_HUB_DOWNLOAD_TIMEOUT", s.downloadTimeoutMs);
    return s;
}

QString HubSettings::storedTokensPath() const
{
    return QFileInfo(tokenPath).absolutePath() + QStringLiteral("/stored_tokens");
}

bool isFullCommitId(const QString& revision)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{40}$"));
    return re.match(revision).hasMatch();
}

Result<void> validateRepoId(const QString& repoId)
{
    const std::string id = repoId.toStdString();
    auto bad = [&](const std::string& why) {
        return fail(ErrorKind::InvalidInput, "invalid repo id \"" + id + "\": " + why);
    };
    if (repoId.isEmpty())
        return bad("it is empty; expected \"namespace/name\"");
    for (const char* kind : {"datasets/", "spaces/"})
        if (repoId.startsWith(QLatin1String(kind)))
            return fail(
                ErrorKind::InvalidInput,
                "\"" + id + "\" is a " + std::string(kind).substr(0, std::strlen(kind) - 2) +
                    " repo: Datasets and Spaces are out of scope; Model Workbench opens, downloads and "
                    "pushes model repos only (\"namespace/name\")");
    if (repoId.count('/') > 1)
        return bad("expected \"namespace/name\" with at most one '/'");
    static const QRegularExpression allowed(QStringLiteral("^[A-Za-z0-9_.\\-/]+$"));
    if (!allowed.match(repoId).hasMatch())
        return bad("only letters, digits, '_', '-' and '.' are allowed");
    for (const QString& part : repoId.split('/')) {
        if (part.isEmpty())
            return bad("the namespace and the name must not be empty");
        if (part.startsWith('-') || part.startsWith('.') || part.endsWith('-') || part.endsWith('.'))
            return bad("a name cannot start or end with '-' or '.'");
    }
    if (repoId.contains(QLatin1String("--")) || repoId.contains(QLatin1String("..")))
        return bad("\"--\" and \"..\" are not allowed");
    if (repoId.endsWith(QLatin1String(".git")))
        return bad("it must not end with \".git\"");
    if (repoId.size() > 96)
        return bad("longer than 96 characters");
    return {};
}

QString repoFolderName(const QString& repoId)
{
    return QStringLiteral("models--") + QString(repoId).replace('/', QLatin1String("--"));
}

} // namespace mwb::hub
