#include "util/contained_path.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>

namespace mwb {

QString containmentRoot(const QString& folder)
{
    const QFileInfo info(folder);
    QDir dir(info.absoluteFilePath());
    const QString parentName = QFileInfo(dir.absolutePath()).dir().dirName();
    if (parentName == QLatin1String("snapshots")) {
        QDir repo = dir;
        if (repo.cdUp() && repo.cdUp())
            return repo.absolutePath();
    }
    return dir.absolutePath();
}

bool resolvesInside(const QString& path, const QString& root)
{
    const QString canonicalRoot = QFileInfo(root).canonicalFilePath();
    const QString canonical = QFileInfo(path).canonicalFilePath(); // empty when dangling
    if (canonicalRoot.isEmpty() || canonical.isEmpty())
        return false;
    return canonical == canonicalRoot || canonical.startsWith(canonicalRoot + QLatin1Char('/'));
}

Result<void> refuseFilesOutside(const QString& folder, const std::string& what)
{
    const QString root = containmentRoot(folder);
    QStringList outside;
    QDirIterator it(folder, QDir::AllEntries | QDir::System | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QFileInfo info = it.fileInfo();
        if (!info.isSymLink())
            continue;
        if (!resolvesInside(path, root)) {
            const QString target = info.symLinkTarget();
            outside << QDir(folder).relativeFilePath(path) + QStringLiteral(" (-> ") +
                           (target.isEmpty() ? QStringLiteral("nothing") : target) + QLatin1Char(')');
        }
    }
    if (outside.isEmpty())
        return {};
    outside.sort();
    return fail(ErrorKind::Unsafe, what + ": " + outside.join(QStringLiteral(", ")).toStdString() +
                                       (outside.size() == 1 ? " resolves" : " resolve") +
                                       " outside the repository folder; refused for safety");
}

} // namespace mwb
