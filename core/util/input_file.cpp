#include "util/input_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mwb {

namespace {

std::string kindOf(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

std::unexpected<Error> notRegular(const QString& path, mode_t mode)
{
    return fail(ErrorKind::InvalidInput,
                path.toStdString() + ": is " + kindOf(mode) + ", not a regular file; refused as input");
}

// Opens without blocking (O_NONBLOCK: opening a FIFO for reading would wait for a writer) and
// checks the type on the open descriptor, so the file cannot be swapped between check and read.
Result<int> openRegular(const QString& path, struct stat& info)
{
    const QByteArray native = path.toLocal8Bit();
    const int fd = ::open(native.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(ErrorKind::Io, path.toStdString() + ": cannot open: " + std::strerror(errno));
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        const mode_t mode = info.st_mode;
        ::close(fd);
        return notRegular(path, mode);
    }
    return fd;
}

} // namespace

Result<void> requireRegularFile(const QString& path)
{
    struct stat info
    {
    };
    auto fd = openRegular(path, info);
    if (!fd)
        return std::unexpected(fd.error());
    ::close(*fd);
    return {};
}

Result<QByteArray> readRegularFile(const QString& path, const Limit& maxBytes)
{
    struct stat info
    {
    };
    auto fd = openRegular(path, info);
    if (!fd)
        return std::unexpected(fd.error());
    const auto size = std::uint64_t(info.st_size);
    if (size > maxBytes.value) {
        ::close(*fd);
        return fail(ErrorKind::InvalidInput, path.toStdString() + ": " + exceedsLimit(maxBytes, size));
    }
    QByteArray bytes(qsizetype(size), Qt::Uninitialized);
    std::uint64_t done = 0;
    while (done < size) {
        const ssize_t got = ::read(*fd, bytes.data() + done, size - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            const int error = errno;
            ::close(*fd);
            return fail(ErrorKind::Io, path.toStdString() + ": read error" +
                                           (got < 0 ? std::string(": ") + std::strerror(error) : ""));
        }
        done += std::uint64_t(got);
    }
    ::close(*fd);
    return bytes;
}

} // namespace mwb
