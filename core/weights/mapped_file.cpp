#include "weights/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QFile>

namespace mwb {

Result<std::shared_ptr<MappedFile>> MappedFile::open(const QString& path)
{
    const std::string name = path.toStdString();
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below like any non-file.
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fail(ErrorKind::Io, name + ": cannot open: " + std::strerror(errno));
    struct stat info = {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return fail(ErrorKind::InvalidInput, name + ": not a regular file; refused as input");
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_path = path;
    file->m_size = uint64_t(info.st_size);
    if (file->m_size > 0) {
        // PROT_WRITE on a MAP_PRIVATE mapping only allows copy-on-write; the file stays untouched.
        void* address = ::mmap(nullptr, size_t(file->m_size), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (address == MAP_FAILED) {
            const int error = errno;
            ::close(fd);
            return fail(ErrorKind::Io, name + ": cannot map: " + std::strerror(error));
        }
        file->m_data = static_cast<std::byte*>(address);
    }
    ::close(fd); // the mapping keeps the file alive
    return file;
}

MappedFile::~MappedFile()
{
    if (m_data)
        ::munmap(m_data, size_t(m_size));
}

} // namespace mwb
