#include "review/trust_store.h"

#include "review/code_collector.h"
#include "util/atomic_file.h"
#include "util/json_parse.h"

#include <algorithm>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

#include <nlohmann/json.hpp>

namespace mwb::review {

using nlohmann::json;

namespace {

constexpr auto kOwnerOnlyDir = QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner;
constexpr auto kOwnerOnlyFile = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

bool isSha256(const QString& text)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{64}$"));
    return re.match(text).hasMatch();
}

Result<void> makePrivateDir(const QString& dir)
{
    if (!QDir().mkpath(dir))
        return fail(ErrorKind::Io, "cannot create folder " + dir.toStdString());
    if (!QFile::setPermissions(dir, kOwnerOnlyDir))
        return fail(ErrorKind::Io, "cannot make folder " + dir.toStdString() + " private");
    return {};
}

json entryToJson(const TrustEntry& e)
{
    json files = json::array();
    for (const TrustedFile& f : e.files)
        files.push_back({{"path", f.path.toStdString()}, {"sha256", f.sha256.toStdString()}});
    return {{"repo", e.repoId.toStdString()},
            {"commit", e.commit.toStdString()},
            {"files", files},
            {"date", e.date.toString(Qt::ISODate).toStdString()},
            {"note", e.note.toStdString()}};
}

Result<TrustEntry> entryFromJson(const json& j, const std::string& where)
{
    try {
        TrustEntry e;
        e.repoId = QString::fromStdString(j.at("repo").get<std::string>());
        e.commit = QString::fromStdString(j.at("commit").get<std::string>());
        e.date = QDateTime::fromString(QString::fromStdString(j.at("date").get<std::string>()), Qt::ISODate);
        e.note = QString::fromStdString(j.value("note", std::string()));
        for (const json& f : j.at("files"))
            e.files.push_back({QString::fromStdString(f.at("path").get<std::string>()),
                               QString::fromStdString(f.at("sha256").get<std::string>())});
        if (!isFullCommitId(e.commit))
            return fail(ErrorKind::InvalidInput, where + ".commit: not a full commit id");
        return e;
    } catch (const json::exception& ex) {
        return fail(ErrorKind::InvalidInput, where + ": " + ex.what());
    }
}

} // namespace

const char* trustStateName(TrustState state)
{
    switch (state) {
    case TrustState::Untrusted:
        return "untrusted";
    case TrustState::Trusted:
        return "trusted";
    case TrustState::Void:
        return "void";
    }
    return "untrusted";
}

bool isFullCommitId(const QString& revision)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{40}$"));
    return re.match(revision).hasMatch();
}

QString TrustStore::defaultDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/trust");
}

QString TrustStore::indexPath() const
{
    return m_dir + QStringLiteral("/trust.json");
}

Result<TrustStore> TrustStore::open(const QString& directory)
{
    TrustStore store(QDir(directory).absolutePath());
    if (auto ok = store.reload(); !ok)
        return std::unexpected(ok.error());
    return store;
}

Result<void> TrustStore::reload()
{
    m_entries.clear();
    QFile file(indexPath());
    if (!file.exists())
        return {};
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorKind::Io,
                    indexPath().toStdString() + ": cannot read: " + file.errorString().toStdString());
    const QByteArray bytes = file.readAll();
    const json doc = parseJson(std::string_view(bytes.constData(), size_t(bytes.size())), "trust store")
                         .value_or(json(json::value_t::discarded));
    const std::string where = indexPath().toStdString();
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("entries") || !doc["entries"].is_array())
        return fail(ErrorKind::InvalidInput, where + ": not a trust store (expected {\"entries\": [...]})");
    for (size_t i = 0; i < doc["entries"].size(); ++i) {
        auto entry = entryFromJson(doc["entries"][i], where + ": entries[" + std::to_string(i) + "]");
        if (!entry)
            return std::unexpected(entry.error());
        m_entries.push_back(std::move(*entry));
    }
    return {};
}

Result<void> TrustStore::save() const
{
    if (auto ok = makePrivateDir(m_dir); !ok)
        return ok;
    json entries = json::array();
    for (const TrustEntry& e : m_entries)
        entries.push_back(entryToJson(e));
    const json doc = {{"version", 1}, {"entries", entries}};
    if (auto ok = writeFileAtomically(indexPath(), QByteArray::fromStdString(doc.dump(2) + "\n")); !ok)
        return ok;
    if (!QFile::setPermissions(indexPath(), kOwnerOnlyFile))
        return fail(ErrorKind::Io, "cannot make " + indexPath().toStdString() + " private");
    return {};
}

std::optional<TrustEntry> TrustStore::find(const QString& repoId, const QString& commit) const
{
    for (const TrustEntry& e : m_entries)
        if (e.repoId == repoId && e.commit == commit)
            return e;
    return std::nullopt;
}

std::optional<TrustEntry> TrustStore::lastTrusted(const QString& repoId, const QString& exceptCommit) const
{
    std::optional<TrustEntry> best;
    for (const TrustEntry& e : m_entries)
        if (e.repoId == repoId && e.commit != exceptCommit && (!best || e.date >= best->date))
            best = e;
    return best;
}

TrustCheck
TrustStore::check(const QString& repoId, const QString& commit, const std::map<QString, QString>& files) const
{
    TrustCheck result;
    const auto entry = find(repoId, commit);
    if (!entry)
        return result;
    std::map<QString, QString> trusted;
    for (const TrustedFile& f : entry->files)
        trusted[f.path] = f.sha256;
    for (const auto& [path, sha] : files)
        if (auto it = trusted.find(path); it == trusted.end() || it->second != sha)
            result.changedFiles.append(path);
    for (const auto& [path, sha] : trusted)
        if (!files.contains(path))
            result.changedFiles.append(path);
    result.state = result.changedFiles.isEmpty() ? TrustState::Trusted : TrustState::Void;
    return result;
}

std::optional<QByteArray> TrustStore::storedContent(const QString& sha256) const
{
    if (!isSha256(sha256))
        return std::nullopt;
    QFile file(m_dir + QStringLiteral("/blobs/") + sha256);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    QByteArray content = file.readAll();
    if (sha256Hex(content) != sha256) // altered on disk: do not show it as what was trusted
        return std::nullopt;
    return content;
}

Result<void> TrustStore::trust(const QString& repoId,
                               const QString& commit,
                               const std::map<QString, QByteArray>& files,
                               const QString& note)
{
    if (!isFullCommitId(commit))
        return fail(ErrorKind::InvalidInput,
                    "\"" + commit.toStdString() +
                        "\" is not a full 40-hex commit id; trust is recorded per commit");
    if (auto ok = reload(); !ok)
        return ok;
    if (auto ok = makePrivateDir(m_dir + QStringLiteral("/blobs")); !ok)
        return ok;
    TrustEntry entry{repoId, commit, {}, QDateTime::currentDateTimeUtc(), note};
    for (const auto& [path, content] : files) {
        const QString sha = sha256Hex(content);
        const QString blob = m_dir + QStringLiteral("/blobs/") + sha;
        if (!storedContent(sha))
            if (auto ok = writeFileAtomically(blob, content); !ok)
                return ok;
        entry.files.push_back({path, sha});
    }
    std::erase_if(m_entries, [&](const TrustEntry& e) { return e.repoId == repoId && e.commit == commit; });
    m_entries.push_back(std::move(entry));
    return save();
}

Result<void> TrustStore::revoke(const QString& repoId, const QString& commit)
{
    if (auto ok = reload(); !ok)
        return ok;
    const auto removed = std::erase_if(
        m_entries, [&](const TrustEntry& e) { return e.repoId == repoId && e.commit == commit; });
    if (removed == 0)
        return fail(ErrorKind::InvalidInput, repoId.toStdString() + " at " + commit.toStdString() +
                                                 " is not trusted; nothing to revoke");
    return save();
}

} // namespace mwb::review
