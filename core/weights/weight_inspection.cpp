#include "weights/weight_inspection.h"

#include "input_limits.h"
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

const char* torchFormatName(TorchFileKind kind)
{
    switch (kind) {
    case TorchFileKind::Zip:
        return "torch-zip";
    case TorchFileKind::Legacy:
        return "torch-legacy";
    case TorchFileKind::NotTorch:
        break;
    }
    return "pickle";
}

// The globals of every pickle torch.load would run, and the verdict. A pickle that cannot be read to
// its end is never called safe: it is an error, unless what it imports before that already makes
// it unsafe (then the verdict says so).
Result<WeightFileInfo> describeTorchFile(std::string_view bytes, const std::string& fileName)
{
    const PickleScan scan = scanTorchLoadPickles(bytes, fileName);
    WeightFileInfo info{torchFormatName(detectTorchFile(bytes))};
    info.pickleGlobals = scan.globals;
    info.verdict = overallVerdict(scan.globals);
    if (info.verdict != PickleVerdict::Safe)
        return info; // never hand an unsafe pickle to anything that interprets it
    if (scan.error)
        return std::unexpected(*scan.error);
    auto checkpoint = readTorchCheckpoint(bytes, fileName);
    if (!checkpoint)
        return std::unexpected(checkpoint.error());
    if (checkpoint->tensors.size() > limits::kTensorCount.value)
        return fail(ErrorKind::InvalidInput,
                    fileName + ": " + exceedsLimit(limits::kTensorCount, checkpoint->tensors.size()));
    for (const PickledTensor& tensor : checkpoint->tensors) {
        const PickledStorage& storage = checkpoint->storages.at(tensor.storageKey);
        // A view with stride 0 can be far larger than its storage: count its own elements, checked.
        uint64_t elements = 1, bytesNeeded = 0;
        for (int64_t dim : tensor.shape)
            if (__builtin_mul_overflow(elements, uint64_t(dim), &elements))
                return fail(ErrorKind::InvalidInput,
                            fileName + ": tensor \"" + tensor.name + "\": shape has more than 2^64 elements");
        if (__builtin_mul_overflow(elements, uint64_t(elementSizeOf(storage.dtype)), &bytesNeeded))
            return fail(ErrorKind::InvalidInput,
                        fileName + ": tensor \"" + tensor.name + "\": size in bytes overflows 64 bits");
        info.tensors.push_back({tensor.name, storage.dtype, tensor.shape, bytesNeeded});
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
    if (!looksLikeSafetensors(bytes) && bytes.size() >= 8) {
        // torch.load would unpickle this before noticing it is no torch.save file: say what it imports.
        const PickleScan scan = scanTorchLoadPickles(bytes, fileName);
        if (overallVerdict(scan.globals) != PickleVerdict::Safe) {
            WeightFileInfo info{"pickle"};
            info.pickleGlobals = scan.globals;
            info.verdict = overallVerdict(scan.globals);
            return info;
        }
        return fail(ErrorKind::InvalidInput,
                    fileName + ": not a weight file (neither safetensors nor torch.save)");
    }
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
