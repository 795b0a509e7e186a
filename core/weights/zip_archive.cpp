#include "weights/zip_archive.h"

#include "weights/pickle_opcodes.h"

namespace mwb {

namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50, kZip64Locator = 0x07064b50, kZip64End = 0x06064b50,
                   kCentralHeader = 0x02014b50, kLocalHeader = 0x04034b50;
constexpr uint32_t kSaturated32 = 0xFFFFFFFF;

// Bounds-checked little-endian field reads; `ok` turns false on the first read past the end.
struct Reader
{
    std::string_view bytes;
    bool ok = true;

    uint64_t field(uint64_t offset, int size)
    {
        if (offset > bytes.size() || bytes.size() - offset < uint64_t(size)) {
            ok = false;
            return 0;
        }
        return pickleUnsigned(bytes.substr(offset, size));
    }
};

struct Directory
{
    uint64_t offset = 0, size = 0, entries = 0;
};

Result<Directory> findDirectory(std::string_view archive, const std::string& fileName)
{
    auto bad = [&](const std::string& what) { return fail(ErrorKind::InvalidInput, fileName + ": " + what); };
    if (archive.size() < 22)
        return bad("zip archive is truncated (no end-of-directory record)");
    Reader r{archive};
    // The end record sits in the last 22 + 65535 bytes (it may be followed by a comment).
    const uint64_t lowest = archive.size() > 22 + 65535 ? archive.size() - 22 - 65535 : 0;
    for (uint64_t at = archive.size() - 22 + 1; at-- > lowest;) {
        if (r.field(at, 4) != kEndOfDirectory)
            continue;
        Directory dir{r.field(at + 16, 4), r.field(at + 12, 4), r.field(at + 10, 2)};
        if (r.field(at + 4, 2) != 0 || r.field(at + 6, 2) != 0)
            return bad("multi-disk zip archives are not supported");
        if (at >= 20 && r.field(at - 20, 4) == kZip64Locator) {
            const uint64_t end64 = r.field(at - 20 + 8, 8);
            if (r.field(end64, 4) != kZip64End || !r.ok)
                return bad("zip archive has a broken ZIP64 end record");
            dir = {r.field(end64 + 48, 8), r.field(end64 + 40, 8), r.field(end64 + 32, 8)};
        }
        if (!r.ok || dir.offset > archive.size() || dir.size > archive.size() - dir.offset)
            return bad("zip central directory lies outside the file (truncated archive?)");
        return dir;
    }
    return bad("zip archive is truncated (no end-of-directory record)");
}

// Replaces saturated 32-bit fields by the ZIP64 extra field's 64-bit values.
void applyZip64Extra(Reader& r,
                     uint64_t extra,
                     uint64_t extraLength,
                     uint64_t& size,
                     uint64_t& compressed,
                     uint64_t& localOffset)
{
    for (uint64_t at = extra; at + 4 <= extra + extraLength;) {
        const uint64_t id = r.field(at, 2), length = r.field(at + 2, 2);
        if (id == 0x0001) {
            uint64_t field = at + 4;
            for (uint64_t* value : {&size, &compressed, &localOffset}) {
                if (*value == kSaturated32 && field + 8 <= at + 4 + length) {
                    *value = r.field(field, 8);
                    field += 8;
                }
            }
        }
        at += 4 + length;
    }
}

} // namespace

Result<std::vector<ZipEntry>> readZipDirectory(std::string_view archive, const std::string& fileName)
{
    auto dir = findDirectory(archive, fileName);
    if (!dir)
        return std::unexpected(dir.error());
    Reader r{archive};
    std::vector<ZipEntry> entries;
    uint64_t at = dir->offset;
    for (uint64_t i = 0; i < dir->entries; ++i) {
        if (r.field(at, 4) != kCentralHeader || !r.ok)
            return fail(ErrorKind::InvalidInput,
                        fileName + ": zip central directory is corrupt at entry " + std::to_string(i));
        const uint64_t flags = r.field(at + 8, 2), method = r.field(at + 10, 2);
        uint64_t compressed = r.field(at + 20, 4), size = r.field(at + 24, 4);
        const uint64_t nameLength = r.field(at + 28, 2), extraLength = r.field(at + 30, 2),
                       commentLength = r.field(at + 32, 2);
        uint64_t localOffset = r.field(at + 42, 4);
        if (!r.ok || at + 46 + nameLength > archive.size())
            return fail(ErrorKind::InvalidInput, fileName + ": zip central directory is truncated");
        ZipEntry entry{std::string(archive.substr(at + 46, nameLength))};
        applyZip64Extra(r, at + 46 + nameLength, extraLength, size, compressed, localOffset);
        const std::string where = fileName + ": zip entry \"" + entry.name + "\": ";
        if (flags & 0x1) {
            entry.stored = false;
            entry.whyNotStored = "is encrypted";
        } else if (method != 0 || compressed != size) {
            entry.stored = false;
            entry.whyNotStored = "is compressed (method " + std::to_string(method) + ")";
        }
        if (!entry.stored)
            size = compressed;
        if (r.field(localOffset, 4) != kLocalHeader || !r.ok)
            return fail(ErrorKind::InvalidInput, where + "local header is missing or outside the file");
        entry.dataOffset = localOffset + 30 + r.field(localOffset + 26, 2) + r.field(localOffset + 28, 2);
        entry.size = size;
        if (entry.dataOffset > archive.size() || entry.size > archive.size() - entry.dataOffset)
            return fail(ErrorKind::InvalidInput,
                        where + "data runs past the end of the file (truncated archive?)");
        entries.push_back(std::move(entry));
        at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
}

} // namespace mwb
