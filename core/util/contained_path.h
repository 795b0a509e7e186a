#pragma once

// Files of a repository folder must not resolve outside it: a `configuration_x.py` that is a symlink
// to /etc/passwd would otherwise be read, hashed, shown in a review, copied into the trust store or
// uploaded by push. A Hub cache snapshot (…/models--org--name/snapshots/<commit>/) is made of
// relative symlinks into the repo's own blobs/ folder, so there the repo's cache folder is the bound.
//
// Free functions, reentrant, any thread. They touch the file system (canonical paths).

#include "error.h"

#include <QString>
#include <QStringList>

namespace mwb {

// The folder every file of `folder` must resolve into (see above).
QString containmentRoot(const QString& folder);

// True when `path`, with every symlink followed, lies inside `root` (also resolved). A dangling
// symlink is not inside.
bool resolvesInside(const QString& path, const QString& root);

// Unsafe naming every file under `folder` (recursively, symlinks included) that resolves outside
// containmentRoot(folder), with where it points: "config.py (-> /etc/passwd)".
Result<void> refuseFilesOutside(const QString& folder, const std::string& what);

} // namespace mwb
