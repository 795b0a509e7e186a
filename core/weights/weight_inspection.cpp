#include "weights/weight_inspection.h"

#include "weights/mapped_file.h"
#include "weights/safetensors_header.h"
#include "weights/shard_index.h"
#include "weights/torch_checkpoint.h"

namespace mwb {

namespace {

WeightFileInfo describeSafetensors(const SafetensorsHeader& header)
{
    WeightFileInfo info{"safetensors"};
    info.metadata = header.metadata;
    for (const SafetensorsEntry& entry : header.entries)
        info.tensors.push_back({entry.name, entry.dtype, entry.shape, entry.end - entry.begin});
    return info;
}

Result<WeightFileInfo> describeTorchFile(std::string_view bytes, const std::string& fileName)
{
    auto pickles = torchFilePickles(bytes, fileName);
    if (!pickles)
        return std::unexpected(pickles.error());
    WeightFileInfo info{detectTorchFile(bytes) == TorchFileKind::Zip ? "torch-zip" : "torch-legacy"};
    for (std::string_view pickle : *pickles) {
        auto globals = scanPickleGlobals(QByteArrayView(pickle.data(), qsizetype(pickle.size())));
        if (!globals)
            return fail(ErrorKind::InvalidInput, fileName + ": " + globals.error().message);
        for (PickleGlobal& global : *globals)
            info.pickleGlobals.push_back(std::move(global));
    }
    info.verdict = overallVerdict(info.pickleGlobals);
    if (info.verdict != PickleVerdict::Safe)
        return info; // never hand an unsafe pickle to anything that interprets it
    auto checkpoint = readTorchCheckpoint(bytes, fileName);
    if (!checkpoint)
        return std::unexpected(checkpoint.error());
    for (const PickledTensor& tensor : checkpoint->tensors) {
        const PickledStorage& storage = checkpoint->storages.at(tensor.storageKey);
        uint64_t elements = 1;
        for (int64_t dim : tensor.shape)
            elements *= uint64_t(dim); // cannot overflow: the view was checked to fit its storage
        info.tensors.push_back(
            {tensor.name, storage.dtype, tensor.shape, elements * elementSizeOf(storage.dtype)});
    }
    return info;
}

Result<WeightFileInfo> inspectSingleFile(const QString& path)
{
    auto file = MappedFile::open(path);
    if (!file)
        return std::unexpected(file.error());
    const std::string fileName = path.toStdString();
    const std::string_view bytes = (*file)->bytes();
    if (detectTorchFile(bytes) != TorchFileKind::NotTorch)
        return describeTorchFile(bytes, fileName);
    if (!looksLikeSafetensors(bytes) && bytes.size() >= 8)
        return fail(ErrorKind::InvalidInput,
                    fileName + ": not a weight file (neither safetensors nor torch.save)");
    auto header = parseSafetensorsHeader(bytes, fileName, /*requireLibTorchDtype=*/false);
    if (!header)
        return std::unexpected(header.error());
    return describeSafetensors(*header);
}

Result<WeightFileInfo> inspectIndex(const QString& path)
{
    auto index = readShardIndex(path);
    if (!index)
        return std::unexpected(index.error());
    WeightFileInfo all;
    all.metadata = index->metadata;
    for (const auto& [shard, names] : index->tensorsByShard) {
        auto info = inspectSingleFile(shard);
        if (!info)
            return info;
        all.format = info->format + " shards";
        all.tensors.insert(all.tensors.end(), info->tensors.begin(), info->tensors.end());
        all.pickleGlobals.insert(all.pickleGlobals.end(), info->pickleGlobals.begin(),
                                 info->pickleGlobals.end());
        all.verdict = std::max(all.verdict, info->verdict);
    }
    return all;
}

} // namespace

Result<WeightFileInfo> inspectWeightFile(const QString& path)
{
    auto info = path.endsWith(QLatin1String(".index.json")) ? inspectIndex(path) : inspectSingleFile(path);
    if (info)
        for (const TensorInfo& tensor : info->tensors)
            info->totalBytes += tensor.bytes;
    return info;
}

} // namespace mwb
