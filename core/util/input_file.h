#pragma once

// Reading a whole input file that came from a stranger. Only regular files are read: a FIFO, a
// character device such as /dev/zero, a socket or a folder is refused before a byte is read (a FIFO
// would block forever, /dev/zero never ends). The size is checked against a limit before reading.
//
// Free functions, reentrant, any thread. Errors start with the path: InvalidInput for a non-regular
// file or one above the limit, Io when the file cannot be opened or read.

#include "error.h"
#include "input_limits.h"

#include <QByteArray>
#include <QString>

namespace mwb {

// Refuses `path` unless it is (a symlink to) a regular file. Does not block on FIFOs.
Result<void> requireRegularFile(const QString& path);

// The whole file, at most `maxBytes` bytes (the limit is named in the error).
Result<QByteArray> readRegularFile(const QString& path, const Limit& maxBytes);

} // namespace mwb
