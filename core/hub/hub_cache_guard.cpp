#include "hub/hub_cache_guard.h"

#include "hub/hub_paths.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

namespace mwb::hub {

namespace {

// The absolute path with every symlink resolved: of the path itself when it exists, else of its closest
// existing ancestor with the rest appended (a file about to be created inside a linked folder).
QString resolvedPath(const QString& path)
{
    QFileInfo info(QDir::cleanPath(QFileInfo(path).absoluteFilePath()));
    QStringList tail;
    while (!info.exists() && !info.isSymLink()) {
        const QString parent = info.absolutePath();
        if (parent == info.absoluteFilePath())
            break;
        tail.prepend(info.fileName());
        info = QFileInfo(parent);
    }
    QString base = info.canonicalFilePath();
    if (base.isEmpty()) // a dangling link: where it points is what a write would create
        base = QDir::cleanPath(info.symLinkTarget());
    if (base.isEmpty())
        base = info.absoluteFilePath();
    return tail.isEmpty() ? base : base + '/' + tail.join('/');
}

bool isUnder(const QString& path, const QString& root)
{
    if (root.isEmpty())
        return false;
    return path == root || path.startsWith(root.endsWith('/') ? root : root + '/');
}

bool looksLikeCacheRepo(const QString& path)
{
    static const QRegularExpression layout(
        QStringLiteral("/(models|datasets|spaces)--[^/]+/(blobs|snapshots|refs|\\.no_exist)(/|$)"));
    return layout.match(path).hasMatch();
}

} // namespace

bool isInsideHubCache(const QString& path, const QString& cacheDir)
{
    if (path.isEmpty())
        return false;
    const QString root = cacheDir.isEmpty() ? HubSettings::fromEnvironment().cacheDir : cacheDir;
    const QString rootAbsolute = QDir::cleanPath(QFileInfo(root).absoluteFilePath());
    const QString rootResolved = resolvedPath(root);
    const QString absolute = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    const QString resolved = resolvedPath(path);
    for (const QString& candidate : {absolute, resolved})
        if (isUnder(candidate, rootAbsolute) || isUnder(candidate, rootResolved) ||
            looksLikeCacheRepo(candidate))
            return true;
    return false;
}

Result<void> refuseWriteInsideHubCache(const QString& path)
{
    if (!isInsideHubCache(path))
        return {};
    return fail(ErrorKind::Unsafe,
                path.toStdString() +
                    ": refusing to write inside the shared Hub cache (or through a link into it): its files "
                    "belong to a pinned commit and are shared with every tool that reads the cache. Save "
                    "into another folder instead (Save As).");
}

} // namespace mwb::hub
