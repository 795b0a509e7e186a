#include "hub/hub_cache.h"

#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <unistd.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>

namespace mwb::hub {

namespace {

std::unexpected<Error> unsafe(const QString& what, const QString& name, const char* why)
{
    return fail(ErrorKind::Unsafe, "refused " + what.toStdString() + " \"" + name.toStdString() +
                                       "\" from the server: " + why + "; it could write outside the cache");
}

QString randomSuffix()
{
    return QString::number(QRandomGenerator::global()->generate(), 16);
}

QByteArray
hashFile(const QString& filePath, QCryptographicHash::Algorithm algorithm, const QByteArray& prefix)
{
    QFile file(filePath);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(algorithm);
    if (prefix == "git")
        hash.addData("blob " + QByteArray::number(file.size()) + '\0');
    while (!file.atEnd())
        hash.addData(file.read(1 << 20));
    return hash.result().toHex();
}

// The cache's own small files (refs, .no_exist markers, trees/): a temporary file in the same folder,
// renamed over the target. rename() replaces a symlink itself, so nothing is ever written through one.
// (The app's general writer, writeFileAtomically, refuses the cache on purpose.)
Result<void> writeCacheFile(const QString& path, const QByteArray& contents)
{
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir))
        return fail(ErrorKind::Io, "cannot create folder " + dir.toStdString());
    const QString temp = path + '.' + randomSuffix() + QStringLiteral(".tmp");
    QFile file(temp);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly) || file.write(contents) != contents.size() ||
        !file.flush()) {
        const std::string reason = file.errorString().toStdString();
        file.close();
        QFile::remove(temp);
        return fail(ErrorKind::Io, path.toStdString() + ": cannot write: " + reason);
    }
    file.close();
    std::error_code ec;
    std::filesystem::rename(temp.toStdString(), path.toStdString(), ec);
    if (ec) {
        QFile::remove(temp);
        return fail(ErrorKind::Io, path.toStdString() + ": cannot write: " + ec.message());
    }
    return {};
}

} // namespace

Result<QString> checkedRepoPath(const QString& path)
{
    const QString what = QStringLiteral("file name");
    if (path.isEmpty() || path.size() > 4096)
        return unsafe(what, path, "empty or too long");
    if (path.contains('\\'))
        return unsafe(what, path, "it contains a backslash");
    if (path.contains(QChar(0)))
        return unsafe(what, path, "it contains a NUL character");
    if (path.startsWith('/') || (path.size() >= 2 && path[1] == ':'))
        return unsafe(what, path, "it is an absolute path");
    for (const QString& part : path.split('/'))
        if (part.isEmpty() || part == QLatin1String(".") || part == QLatin1String(".."))
            return unsafe(what, path, "it has an empty, \".\" or \"..\" segment");
    return path;
}

Result<QString> checkedRevision(const QString& revision)
{
    if (revision.isEmpty())
        return fail(ErrorKind::InvalidInput, "the revision is empty");
    auto checked = checkedRepoPath(revision);
    if (!checked)
        return fail(ErrorKind::InvalidInput,
                    "invalid revision \"" + revision.toStdString() +
                        "\": it cannot contain \"..\", backslashes or a leading '/'");
    return checked;
}

QString gitBlobSha1OfFile(const QString& filePath)
{
    return QString::fromLatin1(hashFile(filePath, QCryptographicHash::Sha1, "git"));
}

QString sha256OfFile(const QString& filePath)
{
    return QString::fromLatin1(hashFile(filePath, QCryptographicHash::Sha256, {}));
}

CacheLock::~CacheLock()
{
    if (m_fd >= 0) {
        ::flock(m_fd, LOCK_UN);
        ::close(m_fd);
    }
}

Result<CacheLock> CacheLock::acquire(const QString& lockPath)
{
    if (!QDir().mkpath(QFileInfo(lockPath).absolutePath()))
        return fail(ErrorKind::Io,
                    "cannot create folder " + QFileInfo(lockPath).absolutePath().toStdString());
    CacheLock lock;
    lock.m_fd = ::open(QFile::encodeName(lockPath).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock.m_fd < 0 || ::flock(lock.m_fd, LOCK_EX) != 0)
        return fail(ErrorKind::Io, lockPath.toStdString() + ": cannot lock: " + std::strerror(errno));
    return lock;
}

QString HubCache::repoDir(const QString& repoId) const
{
    return m_root + '/' + repoFolderName(repoId);
}
QString HubCache::blobPath(const QString& repoId, const QString& etag) const
{
    return repoDir(repoId) + QStringLiteral("/blobs/") + etag;
}
QString HubCache::incompletePath(const QString& repoId, const QString& etag) const
{
    return blobPath(repoId, etag) + QStringLiteral(".incomplete");
}
QString HubCache::lockPath(const QString& repoId, const QString& etag) const
{
    return m_root + QStringLiteral("/.locks/") + repoFolderName(repoId) + '/' + etag +
           QStringLiteral(".lock");
}
QString HubCache::snapshotDir(const QString& repoId, const QString& commit) const
{
    return repoDir(repoId) + QStringLiteral("/snapshots/") + commit;
}
QString HubCache::snapshotFile(const QString& repoId, const QString& commit, const QString& path) const
{
    return snapshotDir(repoId, commit) + '/' + path;
}
QString HubCache::refPath(const QString& repoId, const QString& revision) const
{
    return repoDir(repoId) + QStringLiteral("/refs/") + revision;
}
QString HubCache::noExistPath(const QString& repoId, const QString& commit, const QString& path) const
{
    return repoDir(repoId) + QStringLiteral("/.no_exist/") + commit + '/' + path;
}
QString HubCache::treeCachePath(const QString& repoId, const QString& commit) const
{
    return repoDir(repoId) + QStringLiteral("/trees/") + commit + QStringLiteral(".json");
}

std::optional<QString> HubCache::cachedCommit(const QString& repoId, const QString& revision) const
{
    if (isFullCommitId(revision))
        return revision;
    if (!checkedRevision(revision))
        return std::nullopt;
    QFile ref(refPath(repoId, revision));
    if (!ref.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QString commit = QString::fromLatin1(ref.read(100)).trimmed();
    return isFullCommitId(commit) ? std::optional(commit) : std::nullopt;
}

std::optional<QString>
HubCache::cachedFile(const QString& repoId, const QString& revision, const QString& path) const
{
    const auto commit = cachedCommit(repoId, revision);
    if (!commit || !checkedRepoPath(path))
        return std::nullopt;
    const QString file = snapshotFile(repoId, *commit, path);
    return QFileInfo(file).isFile() ? std::optional(file) : std::nullopt; // isFile() follows symlinks
}

bool HubCache::isKnownMissing(const QString& repoId, const QString& revision, const QString& path) const
{
    const auto commit = cachedCommit(repoId, revision);
    return commit && checkedRepoPath(path) && QFileInfo::exists(noExistPath(repoId, *commit, path));
}

Result<void> HubCache::writeRef(const QString& repoId, const QString& revision, const QString& commit) const
{
    if (revision == commit)
        return {};
    if (auto ok = checkedRevision(revision); !ok)
        return std::unexpected(ok.error());
    if (cachedCommit(repoId, revision) == commit)
        return {};
    return writeCacheFile(refPath(repoId, revision), commit.toLatin1());
}

Result<void> HubCache::linkSnapshotFile(const QString& repoId,
                                        const QString& commit,
                                        const QString& path,
                                        const QString& etag) const
{
    if (auto ok = checkedRepoPath(path); !ok)
        return std::unexpected(ok.error());
    const QString link = snapshotFile(repoId, commit, path);
    const QString linkDir = QFileInfo(link).absolutePath();
    if (!QDir().mkpath(linkDir))
        return fail(ErrorKind::Io, "cannot create folder " + linkDir.toStdString());
    // Relative, like os.path.relpath(blob, dirname(link)), so the cache can be moved or mounted elsewhere.
    const QString target = QDir(linkDir).relativeFilePath(blobPath(repoId, etag));
    const QString temp = link + '.' + randomSuffix() + QStringLiteral(".tmp");
    std::error_code ec;
    std::filesystem::create_symlink(target.toStdString(), temp.toStdString(), ec);
    if (!ec)
        std::filesystem::rename(temp.toStdString(), link.toStdString(), ec);
    if (ec) {
        QFile::remove(temp);
        return fail(ErrorKind::Io, link.toStdString() + ": cannot create the snapshot link: " + ec.message());
    }
    return {};
}

Result<void> HubCache::markMissing(const QString& repoId, const QString& commit, const QString& path) const
{
    if (auto ok = checkedRepoPath(path); !ok)
        return std::unexpected(ok.error());
    return writeCacheFile(noExistPath(repoId, commit, path), {});
}

Result<void>
HubCache::writeTreeCache(const QString& repoId, const QString& commit, const QList<TreeEntry>& files) const
{
    QJsonObject list;
    for (const TreeEntry& e : files) {
        QJsonObject o{{"size", e.size}, {"blob_id", e.oid}};
        if (e.isLfs()) {
            o["lfs_sha256"] = e.lfsSha256;
            o["lfs_size"] = e.size;
        }
        if (!e.xetHash.isEmpty())
            o["xet_hash"] = e.xetHash;
        list[e.path] = o;
    }
    const QJsonObject doc{{"format_version", 1}, {"files", list}};
    return writeCacheFile(treeCachePath(repoId, commit), QJsonDocument(doc).toJson(QJsonDocument::Compact));
}

std::optional<QList<TreeEntry>> HubCache::readTreeCache(const QString& repoId, const QString& commit) const
{
    QFile file(treeCachePath(repoId, commit));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QJsonObject doc = QJsonDocument::fromJson(file.readAll()).object();
    if (doc.value("format_version").toInt() != 1 || !doc.value("files").isObject())
        return std::nullopt;
    QList<TreeEntry> out;
    const QJsonObject files = doc.value("files").toObject();
    for (auto it = files.begin(); it != files.end(); ++it) {
        TreeEntry e;
        e.type = TreeEntry::Type::File;
        e.path = it.key();
        const QJsonObject o = it.value().toObject();
        e.size = qint64(o.value("size").toDouble());
        e.oid = o.value("blob_id").toString();
        e.lfsSha256 = o.value("lfs_sha256").toString();
        e.xetHash = o.value("xet_hash").toString();
        out.append(e);
    }
    return out;
}

} // namespace mwb::hub
