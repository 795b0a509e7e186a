// readWeights: the one entry point for every weight file format; dispatch on content, folders and
// shard indexes.

#include "weights/weight_reader.h"

#include "util/input_file.h"
#include "weights/mapped_file.h"
#include "weights/safetensors_header.h"
#include "weights/safetensors_io.h"
#include "weights/shard_index.h"
#include "weights/torch_checkpoint.h"
#include "weights/torch_weights_loader.h"

#include <set>

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace mwb {

namespace {

Result<TensorList> readWeightFile(const QString& path)
{
    if (auto regular = requireRegularFile(path); !regular)
        return std::unexpected(regular.error());
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorKind::Io, path.toStdString() + ": cannot open: " + file.errorString().toStdString());
    const QByteArray head = file.read(64);
    const std::string_view start(head.constData(), size_t(head.size()));
    if (detectTorchFile(start) != TorchFileKind::NotTorch)
        return readTorchWeights(path);
    if (looksLikeSafetensors(start) || head.size() < 8)
        return readSafetensors(path); // tiny files get the safetensors reader's precise message
    // torch.load would unpickle anything else: refuse it for safety when that pickle is unsafe.
    if (auto mapped = MappedFile::open(path); mapped) {
        const PickleScan scan = scanTorchLoadPickles((*mapped)->bytes(), path.toStdString());
        if (overallVerdict(scan.globals) != PickleVerdict::Safe)
            return std::unexpected(refuseUnlessAllowlisted((*mapped)->bytes(), path.toStdString()).error());
    }
    return fail(ErrorKind::InvalidInput,
                path.toStdString() + ": not a weight file (neither safetensors nor torch.save format)");
}

Result<TensorList> readShards(const QString& indexPath)
{
    auto index = readShardIndex(indexPath);
    if (!index)
        return std::unexpected(index.error());
    TensorList all;
    std::set<std::string> names;
    for (const auto& [shard, expected] : index->tensorsByShard) {
        auto tensors = readWeightFile(shard);
        if (!tensors)
            return std::unexpected(tensors.error());
        std::set<std::string> present;
        for (NamedTensor& named : *tensors) {
            if (!names.insert(named.name).second)
                return fail(ErrorKind::InvalidInput,
                            shard.toStdString() + ": tensor \"" + named.name + "\" is also in another shard");
            present.insert(named.name);
            all.push_back(std::move(named));
        }
        for (const std::string& name : expected)
            if (!present.contains(name))
                return fail(ErrorKind::InvalidInput, indexPath.toStdString() + ": tensor \"" + name +
                                                         "\" should be in " + shard.toStdString() +
                                                         ", which does not hold it");
    }
    return all;
}

Result<TensorList> readFolder(const QString& folder)
{
    const QDir dir(folder);
    for (const char* name : {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                             "pytorch_model.bin.index.json"}) {
        const QString path = dir.filePath(QString::fromLatin1(name));
        if (QFileInfo(path).isFile())
            return readWeights(path);
    }
    return fail(ErrorKind::InvalidInput,
                folder.toStdString() + ": no weights in this folder (looked for model.safetensors, "
                                       "model.safetensors.index.json, pytorch_model.bin and its index)");
}

} // namespace

Result<TensorList> readWeights(const QString& pathOrFolder)
{
    const QFileInfo info(pathOrFolder);
    if (info.isDir())
        return readFolder(pathOrFolder);
    if (!info.exists())
        return fail(ErrorKind::Io, pathOrFolder.toStdString() + ": no such file");
    if (pathOrFolder.endsWith(QLatin1String(".index.json")))
        return readShards(pathOrFolder);
    return readWeightFile(pathOrFolder);
}

} // namespace mwb
