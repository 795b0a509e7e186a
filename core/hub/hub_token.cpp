#include "hub/hub_token.h"

#include <filesystem>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStringList>
#include <QTemporaryFile>

namespace mwb::hub {

namespace {

QString readTokenFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    // huggingface_hub strips CR/LF and surrounding whitespace.
    return QString::fromUtf8(file.read(64 * 1024)).remove('\r').remove('\n').trimmed();
}

// Written through a QTemporaryFile, which is created 0600, so the token is never readable by others,
// not even for a moment; then renamed over the target in one step.
Result<void> writePrivateFile(const QString& path, const QByteArray& contents)
{
    const QString dir = QFileInfo(path).absolutePath();
    const bool created = !QFileInfo::exists(dir);
    if (!QDir().mkpath(dir))
        return fail(ErrorKind::Io, "cannot create folder " + dir.toStdString());
    // 0700 as huggingface_hub, but only for a folder made here: HF_TOKEN_PATH=~/token must not close $HOME.
    if (created)
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QTemporaryFile temp(path + QStringLiteral(".XXXXXX.tmp"));
    if (!temp.open() || temp.write(contents) != contents.size() || !temp.flush())
        return fail(ErrorKind::Io,
                    path.toStdString() + ": cannot write: " + temp.errorString().toStdString());
    temp.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    temp.close();
    std::error_code ec;
    std::filesystem::rename(temp.fileName().toStdString(), path.toStdString(), ec);
    if (ec)
        return fail(ErrorKind::Io, path.toStdString() + ": cannot write: " + ec.message());
    temp.setAutoRemove(false);
    return {};
}

// The INI file as sections of lines, kept as text so unknown keys (refresh_token, ...) survive.
struct IniSection
{
    QString name;
    QStringList lines;
};

QList<IniSection> readIni(const QString& path)
{
    QList<IniSection> sections;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return sections;
    for (const QString& raw : QString::fromUtf8(file.readAll()).split('\n')) {
        const QString line = raw.trimmed();
        if (line.startsWith('[') && line.endsWith(']'))
            sections.append({line.mid(1, line.size() - 2).trimmed(), {}});
        else if (!sections.isEmpty() && !line.isEmpty())
            sections.last().lines.append(line);
    }
    return sections;
}

QString iniValue(const IniSection& section, const QString& key)
{
    for (const QString& line : section.lines) {
        const qsizetype sep = line.indexOf(QRegularExpression(QStringLiteral("[=:]")));
        if (sep > 0 && line.left(sep).trimmed() == key)
            return line.mid(sep + 1).trimmed();
    }
    return {};
}

QByteArray writeIni(const QList<IniSection>& sections)
{
    QByteArray out;
    for (const IniSection& s : sections) {
        out += '[' + s.name.toUtf8() + "]\n";
        for (const QString& line : s.lines)
            out += line.toUtf8() + '\n';
        out += '\n';
    }
    return out;
}

} // namespace

QString safeSectionName(const QString& name)
{
    // The name comes from the server (whoami's displayName): a newline or bracket in it would inject
    // sections or keys into stored_tokens.
    QString out;
    for (const QChar c : name)
        out += (c.unicode() < 0x20 || c.unicode() == 0x7f || c == '[' || c == ']') ? QChar(' ') : c;
    out = out.simplified().left(100);
    return out.isEmpty() ? QStringLiteral("token") : out;
}

QString FoundToken::describeSource(const HubSettings& settings) const
{
    switch (source) {
    case TokenSource::EnvHfToken:
        return QStringLiteral("from the HF_TOKEN environment variable");
    case TokenSource::EnvHuggingFaceToken:
        return QStringLiteral("from the HUGGING_FACE_HUB_TOKEN environment variable");
    case TokenSource::TokenFile:
        break;
    }
    return QStringLiteral("from the token file ") + settings.tokenPath;
}

std::optional<FoundToken> findToken(const HubSettings& settings)
{
    const QString hfToken = qEnvironmentVariable("HF_TOKEN").trimmed();
    if (!hfToken.isEmpty())
        return FoundToken{hfToken, TokenSource::EnvHfToken};
    const QString legacy = qEnvironmentVariable("HUGGING_FACE_HUB_TOKEN").trimmed();
    if (!legacy.isEmpty())
        return FoundToken{legacy, TokenSource::EnvHuggingFaceToken};
    const QString fromFile = readTokenFile(settings.tokenPath);
    if (!fromFile.isEmpty())
        return FoundToken{fromFile, TokenSource::TokenFile};
    return std::nullopt;
}

QString maskToken(const QString& token)
{
    if (token.size() <= 8)
        return QStringLiteral("****");
    const int head = token.startsWith(QLatin1String("hf_")) ? 4 : 2;
    return token.left(head) + QStringLiteral("…") + token.right(4);
}

Result<void> storeToken(const HubSettings& settings, const QString& token, const QString& name)
{
    if (token.isEmpty() || token.contains(QRegularExpression(QStringLiteral("\\s"))))
        return fail(ErrorKind::InvalidInput, "the token is empty or contains whitespace");
    if (token.startsWith(QLatin1String("api_org")))
        return fail(ErrorKind::InvalidInput,
                    "organization API tokens (api_org...) are no longer accepted by the "
                    "Hub; create a user access token at <endpoint>/settings/tokens");
    const QString section = safeSectionName(name);
    QList<IniSection> sections = readIni(settings.storedTokensPath());
    sections.removeIf([&](const IniSection& s) { return s.name == section; });
    sections.append({section, {QStringLiteral("hf_token = ") + token}});
    if (auto ok = writePrivateFile(settings.storedTokensPath(), writeIni(sections)); !ok)
        return ok;
    return writePrivateFile(settings.tokenPath, token.toUtf8());
}

Result<bool> removeAllStoredTokens(const HubSettings& settings)
{
    bool removed = false;
    for (const QString& path : {settings.tokenPath, settings.storedTokensPath()}) {
        if (!QFileInfo::exists(path))
            continue;
        if (!QFile::remove(path))
            return fail(ErrorKind::Io, path.toStdString() + ": cannot remove");
        removed = true;
    }
    return removed;
}

Result<bool> removeStoredToken(const HubSettings& settings)
{
    const QString active = readTokenFile(settings.tokenPath);
    if (active.isEmpty() && !QFileInfo::exists(settings.tokenPath))
        return false;
    QList<IniSection> sections = readIni(settings.storedTokensPath());
    const qsizetype before = sections.size();
    sections.removeIf([&](const IniSection& s) { return iniValue(s, QStringLiteral("hf_token")) == active; });
    if (sections.size() != before) {
        if (sections.isEmpty()) {
            if (!QFile::remove(settings.storedTokensPath()))
                return fail(ErrorKind::Io, settings.storedTokensPath().toStdString() + ": cannot remove");
        } else if (auto ok = writePrivateFile(settings.storedTokensPath(), writeIni(sections)); !ok) {
            return std::unexpected(ok.error());
        }
    }
    if (QFileInfo::exists(settings.tokenPath) && !QFile::remove(settings.tokenPath))
        return fail(ErrorKind::Io, settings.tokenPath.toStdString() + ": cannot remove the token file");
    return true;
}

} // namespace mwb::hub
