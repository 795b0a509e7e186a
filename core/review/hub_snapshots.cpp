#include "review/hub_snapshots.h"

#include "hub/hub_cache.h"
#include "hub/hub_session.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

namespace mwb::review {

Result<SnapshotRef>
downloadRepoSnapshot(hub::HubSession& session, const QString& repoId, const QString& revision)
{
    auto result = session.downloadSnapshot(repoId, revision);
    if (!result)
        return std::unexpected(result.error());
    return SnapshotRef{result->snapshotPath, repoId, result->commit, revision};
}

SnapshotProvider hubCodeProvider(hub::HubSession& session)
{
    return [&session](const QString& repoId, const QString& revision) -> Result<SnapshotRef> {
        auto info = session.repoInfo(repoId, revision);
        if (!info)
            return std::unexpected(info.error());
        QStringList code;
        for (const hub::RepoSibling& s : info->siblings)
            if (s.path.endsWith(QStringLiteral(".py")) || s.path == QStringLiteral("config.json"))
                code.append(s.path);
        // Pinned to the commit the revision resolved to, so every file comes from the same state.
        auto result = session.downloadSnapshot(repoId, info->sha, code);
        if (!result)
            return std::unexpected(result.error());
        return SnapshotRef{result->snapshotPath, repoId, result->commit, revision};
    };
}

SnapshotProvider cacheCodeProvider(const hub::HubCache& cache)
{
    return [cache](const QString& repoId, const QString& revision) -> Result<SnapshotRef> {
        const auto commit = cache.cachedCommit(repoId, revision);
        if (!commit || !QFileInfo(cache.snapshotDir(repoId, *commit)).isDir())
            return fail(ErrorKind::Io, repoId.toStdString() + "@" + revision.toStdString() +
                                           " is not in the download cache; review it from the Hub");
        return SnapshotRef{cache.snapshotDir(repoId, *commit), repoId, *commit, revision};
    };
}

std::optional<QString>
resolveRevision(hub::HubSession& session, const QString& repoId, const QString& revision)
{
    if (auto cached = session.cache().cachedCommit(repoId, revision))
        return cached;
    auto info = session.repoInfo(repoId, revision);
    if (!info || !isFullCommitId(info->sha))
        return std::nullopt;
    return info->sha;
}

std::optional<SnapshotRef> snapshotFromCachePath(const QString& directory)
{
    static const QRegularExpression re(QStringLiteral("/models--([^/]+)/snapshots/([0-9a-f]{40})/?$"));
    const auto m = re.match(QDir(directory).absolutePath());
    if (!m.hasMatch())
        return std::nullopt;
    const QString repo = m.captured(1).replace(QStringLiteral("--"), QStringLiteral("/"));
    return SnapshotRef{QDir(directory).absolutePath(), repo, m.captured(2), m.captured(2)};
}

} // namespace mwb::review
