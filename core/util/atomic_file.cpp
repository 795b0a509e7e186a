#include "util/atomic_file.h"

#include "hub/hub_cache_guard.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace mwb {

Result<void> writeFileAtomically(const QString& path, const QByteArray& contents)
{
    if (auto allowed = hub::refuseWriteInsideHubCache(path); !allowed)
        return allowed;
    const QString target = QFileInfo(path).absoluteFilePath();
    const QString dir = QFileInfo(target).absolutePath();
    if (!QDir().mkpath(dir)) {
        return fail(ErrorKind::Io, "cannot create folder " + dir.toStdString());
    }
    // QSaveFile writes to a temporary file in the same folder and renames it on commit().
    QSaveFile file(target);
    if (!file.open(QIODevice::WriteOnly)) {
        return fail(ErrorKind::Io,
                    target.toStdString() + ": cannot write: " + file.errorString().toStdString());
    }
    if (file.write(contents) != contents.size()) {
        const std::string reason = file.errorString().toStdString();
        file.cancelWriting();
        return fail(ErrorKind::Io, target.toStdString() + ": write failed: " + reason);
    }
    if (!file.commit()) {
        return fail(ErrorKind::Io,
                    target.toStdString() + ": cannot finish writing: " + file.errorString().toStdString());
    }
    return {};
}

} // namespace mwb
