// writeSafetensors: the layout of the reference writer (ARCHITECTURE.md, "Formats: safetensors"), streamed
// through QSaveFile so a 100 MB model is never held twice in memory and a failed write leaves nothing behind.

#include "hub/hub_cache_guard.h"
#include "weights/mapped_tensor.h"
#include "weights/safetensors_dtype.h"
#include "weights/weight_reader.h"

#include <algorithm>
#include <set>

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

struct PlannedTensor
{
    const NamedTensor* source;
    std::string dtype;
    int sortRank;
    uint64_t begin = 0, end = 0;
};

Result<std::vector<PlannedTensor>> planLayout(const TensorList& tensors, const std::string& fileName)
{
    std::vector<PlannedTensor> plan;
    std::set<std::string> names;
    for (const NamedTensor& named : tensors) {
        if (!names.insert(named.name).second)
            return fail(ErrorKind::InvalidInput, fileName + ": tensor \"" + named.name + "\" is given twice");
        if (!named.tensor.defined() || named.tensor.layout() != at::kStrided)
            return fail(ErrorKind::InvalidInput,
                        fileName + ": tensor \"" + named.name + "\" is not a dense tensor");
        auto dtype = safetensorsDtypeFor(named.tensor.scalar_type());
        if (!dtype)
            return fail(ErrorKind::InvalidInput, fileName + ": tensor \"" + named.name + "\" has dtype " +
                                                     std::string(c10::toString(named.tensor.scalar_type())) +
                                                     ", which safetensors cannot store");
        plan.push_back({&named, *dtype, findSafetensorsDtype(*dtype)->sortRank});
    }
    // Reference order: dtype rank descending (I64 first for a ResNet), then name ascending.
    std::sort(plan.begin(), plan.end(), [](const PlannedTensor& a, const PlannedTensor& b) {
        return a.sortRank != b.sortRank ? a.sortRank > b.sortRank : a.source->name < b.source->name;
    });
    uint64_t offset = 0;
    for (PlannedTensor& entry : plan) {
        entry.begin = offset;
        offset += uint64_t(entry.source->tensor.numel()) * entry.source->tensor.element_size();
        entry.end = offset;
    }
    return plan;
}

// Compact JSON with __metadata__ first and fields in the order dtype, shape, data_offsets (nlohmann
// objects would sort the keys), padded with spaces to a multiple of 8.
std::string headerJson(const std::vector<PlannedTensor>& plan,
                       const std::map<std::string, std::string>& metadata)
{
    using json = nlohmann::json;
    std::string text = "{";
    if (!metadata.empty())
        text += "\"__metadata__\":" + json(metadata).dump();
    for (const PlannedTensor& entry : plan) {
        if (text.size() > 1)
            text += ',';
        text += json(entry.source->name).dump() + ":{\"dtype\":\"" + entry.dtype +
                "\",\"shape\":" + json(entry.source->tensor.sizes().vec()).dump() + ",\"data_offsets\":[" +
                std::to_string(entry.begin) + "," + std::to_string(entry.end) + "]}";
    }
    text += '}';
    text.append((8 - (text.size() % 8)) % 8, ' ');
    return text;
}

} // namespace

Result<void> writeSafetensors(const QString& path,
                              const TensorList& tensors,
                              const std::map<std::string, std::string>& metadata)
{
    if (auto allowed = hub::refuseWriteInsideHubCache(path); !allowed) // downloads own the cache
        return std::unexpected(allowed.error());
    const QString target = QFileInfo(path).absoluteFilePath();
    const std::string fileName = target.toStdString();
    auto plan = planLayout(tensors, fileName);
    if (!plan)
        return std::unexpected(plan.error());
    const std::string header = headerJson(*plan, metadata);

    if (!QDir().mkpath(QFileInfo(target).absolutePath()))
        return fail(ErrorKind::Io, fileName + ": cannot create its folder");
    QSaveFile file(target);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorKind::Io, fileName + ": cannot write: " + file.errorString().toStdString());
    auto write = [&file](const void* data, qint64 size) {
        return size == 0 || file.write(static_cast<const char*>(data), size) == size;
    };
    uint64_t headerLength = header.size();
    unsigned char lengthBytes[8];
    for (int i = 0; i < 8; ++i)
        lengthBytes[i] = uint8_t(headerLength >> (8 * i));
    bool ok = write(lengthBytes, 8) && write(header.data(), qint64(header.size()));
    try {
        for (const PlannedTensor& entry : *plan) {
            if (!ok)
                break;
            const at::Tensor contiguous = entry.source->tensor.cpu().contiguous();
            ok = write(contiguous.data_ptr(), qint64(contiguous.nbytes()));
        }
    } catch (const c10::Error& e) {
        file.cancelWriting();
        return fail(ErrorKind::InvalidInput,
                    fileName + ": cannot write tensors: " + e.what_without_backtrace());
    }
    if (!ok) {
        const std::string reason = file.errorString().toStdString();
        file.cancelWriting();
        return fail(ErrorKind::Io, fileName + ": write failed: " + reason);
    }
    if (!file.commit())
        return fail(ErrorKind::Io, fileName + ": cannot finish writing: " + file.errorString().toStdString());
    return {};
}

} // namespace mwb
