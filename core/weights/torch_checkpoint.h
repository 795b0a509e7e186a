#pragma once

// Internal to core, torch-free: the structure of a torch.save file (zip or legacy), read with the
// restricted pickle machine: which tensors it holds, their storages and where those storages lie in
// the file. Building the tensors themselves is left to the caller (torch_checkpoint_loader.cpp), so
// inspection can list tensors without LibTorch. Checkpoints that wrap the weights ({"state_dict": ..}
// or {"model": ..}) are unwrapped. Errors: InvalidInput for malformed files, Unsafe for pickles that
// import anything off the allowlist; messages name the file, and the tensor or global at fault.

#include "error.h"
#include "weights/pickle_scanner.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mwb {

struct PickledStorage
{
    std::string dtype;       // safetensors-style dtype name, e.g. "F32"
    uint64_t numel = 0;      // elements, as the persistent id says
    uint64_t dataOffset = 0; // where its bytes start in the file
    uint64_t byteSize = 0;   // numel × element size
};

struct PickledTensor
{
    std::string name;
    std::string storageKey;
    int64_t storageOffset = 0; // in elements
    std::vector<int64_t> shape, stride;
};

struct TorchCheckpoint
{
    std::string format; // "torch-zip" or "torch-legacy"
    std::vector<PickledTensor> tensors;
    std::map<std::string, PickledStorage> storages;
};

enum class TorchFileKind
{
    NotTorch,
    Zip,
    Legacy
};

TorchFileKind detectTorchFile(std::string_view fileBytes);

// The pickles of a torch.save file that describe objects (zip: data.pkl; legacy: all of them, in
// order), checked structurally but not run. For scanning their globals.
Result<std::vector<std::string_view>> torchFilePickles(std::string_view fileBytes,
                                                       const std::string& fileName);

// Scans what torch.load would unpickle from these bytes (zip: data.pkl; legacy: up to five
// consecutive pickles; anything else: the first pickle), without running anything. Zip problems
// that make the pickle uncheckable (two entries of one name, a compressed data.pkl) come back as an
// Unsafe `error`.
PickleScan scanTorchLoadPickles(std::string_view fileBytes, const std::string& fileName);

// Unsafe when that scan finds any global off the allowlist (naming it), else the scan's error if it
// could not be read to the end, else nothing.
Result<void> refuseUnlessAllowlisted(std::string_view fileBytes, const std::string& fileName);

// Reads the whole structure with the restricted pickle machine and bounds-checks every tensor view
// against its storage. refuseUnlessAllowlisted runs first.
Result<TorchCheckpoint> readTorchCheckpoint(std::string_view fileBytes, const std::string& fileName);

// Element size in bytes of a dtype name from PickledStorage::dtype.
int elementSizeOf(std::string_view dtype);

} // namespace mwb
