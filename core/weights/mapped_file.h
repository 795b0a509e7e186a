#pragma once

// Internal to core: a read-only view of a whole file through a private (copy-on-write) memory
// mapping. Weight readers build tensors directly on it, so a file's bytes are paged in on demand and
// never copied; a tensor written to in place gets private pages instead of crashing on a read-only
// page. Held by shared_ptr: every tensor built on the mapping keeps a reference, and the file is
// unmapped when the last one goes. Safe to share between threads (the mapping is immutable).

#include "error.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include <QString>

namespace mwb {

class MappedFile
{
public:
    // Maps `path`. An empty file gives a valid object of size 0 (nothing to map).
    static Result<std::shared_ptr<MappedFile>> open(const QString& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::byte* data() const { return m_data; }
    std::byte* mutableData() const { return m_data; } // private mapping: writes never reach the file
    uint64_t size() const { return m_size; }
    std::string_view bytes() const { return {reinterpret_cast<const char*>(m_data), size_t(m_size)}; }
    const QString& path() const { return m_path; }

private:
    MappedFile() = default;
    std::byte* m_data = nullptr;
    uint64_t m_size = 0;
    QString m_path;
};

} // namespace mwb
