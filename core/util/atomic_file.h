#pragma once

// Writing files so that a crash or a full disk never leaves a half-written file behind: the data goes
// to a temporary file next to the target, is flushed, and is renamed over the target in one step.
// Callable from any thread; errors come back as Error values naming the path.
// Paths inside the shared Hub cache (or links into it) are refused with ErrorKind::Unsafe: the cache is
// written by downloads only (see hub/hub_cache_guard.h).

#include "error.h"

#include <QByteArray>
#include <QString>

namespace mwb {

Result<void> writeFileAtomically(const QString& path, const QByteArray& contents);

} // namespace mwb
