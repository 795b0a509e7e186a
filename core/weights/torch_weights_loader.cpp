#include "weights/torch_weights_loader.h"

#include "weights/mapped_tensor.h"
#include "weights/torch_checkpoint.h"

namespace mwb {

Result<TensorList> readTorchWeights(const QString& path)
{
    auto file = MappedFile::open(path);
    if (!file)
        return std::unexpected(file.error());
    const std::string fileName = path.toStdString();
    auto checkpoint = readTorchCheckpoint((*file)->bytes(), fileName);
    if (!checkpoint)
        return std::unexpected(checkpoint.error());
    std::map<std::string, at::Tensor> storages; // one base tensor per storage, shared by its views
    TensorList tensors;
    tensors.reserve(checkpoint->tensors.size());
    try {
        for (const PickledTensor& pickled : checkpoint->tensors) {
            at::Tensor& base = storages[pickled.storageKey];
            if (!base.defined()) {
                const PickledStorage& storage = checkpoint->storages.at(pickled.storageKey);
                base = tensorOnMapping(*file, storage.dataOffset, {int64_t(storage.numel)},
                                       *scalarTypeForSafetensorsDtype(storage.dtype));
            }
            tensors.push_back(
                {pickled.name, base.as_strided(pickled.shape, pickled.stride, pickled.storageOffset)});
        }
    } catch (const c10::Error& e) {
        return fail(ErrorKind::InvalidInput,
                    fileName + ": cannot build tensor: " + e.what_without_backtrace());
    }
    return tensors;
}

} // namespace mwb
