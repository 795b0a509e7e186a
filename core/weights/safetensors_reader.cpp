#include "weights/mapped_tensor.h"
#include "weights/safetensors_header.h"
#include "weights/safetensors_io.h"

namespace mwb {

Result<TensorList> readSafetensors(const QString& path)
{
    auto file = MappedFile::open(path);
    if (!file)
        return std::unexpected(file.error());
    const std::string fileName = path.toStdString();
    auto header = parseSafetensorsHeader((*file)->bytes(), fileName, /*requireLibTorchDtype=*/true);
    if (!header)
        return std::unexpected(header.error());
    TensorList tensors;
    tensors.reserve(header->entries.size());
    try {
        for (const SafetensorsEntry& entry : header->entries) {
            const at::ScalarType type = *scalarTypeForSafetensorsDtype(entry.dtype);
            tensors.push_back(
                {entry.name, tensorOnMapping(*file, header->dataStart + entry.begin, entry.shape, type)});
        }
    } catch (const c10::Error& e) {
        return fail(ErrorKind::InvalidInput,
                    fileName + ": cannot build tensor: " + e.what_without_backtrace());
    }
    return tensors;
}

} // namespace mwb
