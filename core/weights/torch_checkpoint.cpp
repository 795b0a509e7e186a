#include "weights/torch_checkpoint.h"

#include "input_limits.h"
#include "weights/pickle_machine.h"
#include "weights/pickle_opcodes.h"
#include "weights/zip_archive.h"

#include <set>
#include <unordered_set>

namespace mwb {

namespace {

using Kind = PickleValue::Kind;

// pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2): the magic number that opens a legacy file.
constexpr std::string_view kLegacyMagic("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e", 15);
constexpr uint64_t kMaxNesting = limits::kPickleNesting.value;
constexpr int kLegacyPickleCount = 5; // magic, protocol, sys info, object, storage keys

std::unexpected<Error> invalid(const std::string& fileName, const std::string& what)
{
    return fail(ErrorKind::InvalidInput, fileName + ": " + what);
}

std::string dtypeForStorage(std::string_view global)
{
    static const std::map<std::string_view, std::string_view> types = {
        {"torch.FloatStorage", "F32"},     {"torch.DoubleStorage", "F64"}, {"torch.HalfStorage", "F16"},
        {"torch.BFloat16Storage", "BF16"}, {"torch.LongStorage", "I64"},   {"torch.IntStorage", "I32"},
        {"torch.ShortStorage", "I16"},     {"torch.CharStorage", "I8"},    {"torch.ByteStorage", "U8"},
        {"torch.BoolStorage", "BOOL"}};
    const auto it = types.find(global);
    return it == types.end() ? std::string() : std::string(it->second);
}

bool isInt(const PickleRef& v)
{
    return v && v->kind == Kind::Int;
}
bool isText(const PickleRef& v, std::string_view text = {})
{
    return v && v->kind == Kind::Text && (text.empty() || v->text == text);
}

// ('storage', torch.XStorage, key, location, numel[, view_metadata]) → key and storage description.
Result<std::pair<std::string, PickledStorage>> parseStorageId(const PickleValue& id,
                                                              const std::string& fileName)
{
    const auto& t = id.items;
    if (id.kind != Kind::Tuple || t.size() < 5 || !isText(t[0], "storage") || t[1]->kind != Kind::Global ||
        !isText(t[2]) || !isText(t[3]) || !isInt(t[4]) || t[4]->integer < 0)
        return invalid(fileName, "pickle has a persistent id that is not a torch storage");
    if (t.size() > 5 && t[5]->kind != Kind::None)
        return invalid(fileName,
                       "storage \"" + t[2]->text + "\" is a view of another storage (not supported)");
    PickledStorage storage{dtypeForStorage(t[1]->text), uint64_t(t[4]->integer)};
    if (storage.dtype.empty())
        return invalid(fileName, "storage \"" + t[2]->text + "\" has unknown type " + t[1]->text);
    if (__builtin_mul_overflow(storage.numel, uint64_t(elementSizeOf(storage.dtype)), &storage.byteSize))
        return invalid(fileName, "storage \"" + t[2]->text + "\" is too large");
    return std::pair{t[2]->text, storage};
}

// Every storage the object graph refers to (a tensor may be outside the part we unwrap).
Result<void> collectStorages(const PickleRef& value,
                             std::map<std::string, PickledStorage>& storages,
                             std::unordered_set<const PickleValue*>& seen,
                             uint64_t depth,
                             const std::string& fileName)
{
    if (!value || !seen.insert(value.get()).second)
        return {};
    if (depth > kMaxNesting)
        return invalid(fileName, "pickle nests objects too deeply");
    if (value->kind == Kind::PersistentId) {
        auto storage = parseStorageId(*value->items[0], fileName);
        if (!storage)
            return std::unexpected(storage.error());
        auto [it, inserted] = storages.insert(*storage);
        if (!inserted &&
            (it->second.dtype != storage->second.dtype || it->second.numel != storage->second.numel))
            return invalid(fileName, "storage \"" + it->first + "\" is described in two different ways");
        return {};
    }
    for (const PickleRef& item : value->items)
        if (auto ok = collectStorages(item, storages, seen, depth + 1, fileName); !ok)
            return ok;
    for (const auto& [key, item] : value->entries) {
        if (auto ok = collectStorages(key, storages, seen, depth + 1, fileName); !ok)
            return ok;
        if (auto ok = collectStorages(item, storages, seen, depth + 1, fileName); !ok)
            return ok;
    }
    return {};
}

Result<std::vector<int64_t>> intTuple(const PickleRef& value)
{
    if (!value || value->kind != Kind::Tuple)
        return fail(ErrorKind::InvalidInput, "");
    std::vector<int64_t> ints;
    for (const PickleRef& item : value->items) {
        if (!isInt(item) || item->integer < 0)
            return fail(ErrorKind::InvalidInput, "");
        ints.push_back(item->integer);
    }
    return ints;
}

// The view must stay inside its storage: offset + Σ (size−1)·stride < numel.
bool viewFits(const PickledTensor& t, uint64_t storageNumel)
{
    uint64_t last = uint64_t(t.storageOffset);
    for (size_t d = 0; d < t.shape.size(); ++d) {
        if (t.shape[d] == 0)
            return uint64_t(t.storageOffset) <= storageNumel;
        uint64_t step = 0;
        if (__builtin_mul_overflow(uint64_t(t.shape[d] - 1), uint64_t(t.stride[d]), &step) ||
            __builtin_add_overflow(last, step, &last))
            return false;
    }
    return last < storageNumel;
}

Result<PickledTensor> parseTensor(const std::string& name,
                                  const PickleValue& value,
                                  const std::map<std::string, PickledStorage>& storages,
                                  const std::string& fileName)
{
    const std::string where = "tensor \"" + name + "\": ";
    if (value.kind != Kind::Call)
        return invalid(fileName, where + "value is " + describePickleValue(value) + ", not a tensor");
    const std::string& callable = value.items[0]->text;
    const auto& args = value.items[1]->items;
    if (callable == "torch._utils._rebuild_parameter") {
        if (args.empty() || args[0]->kind != Kind::Call ||
            args[0]->items[0]->text != "torch._utils._rebuild_tensor_v2")
            return invalid(fileName, where + "parameter without tensor data");
        return parseTensor(name, *args[0], storages, fileName);
    }
    if (callable != "torch._utils._rebuild_tensor_v2")
        return invalid(fileName, where + "value is " + describePickleValue(value) + ", not a tensor");
    if (args.size() < 6 || args[0]->kind != Kind::PersistentId || !isInt(args[1]) || args[1]->integer < 0)
        return invalid(fileName, where + "malformed _rebuild_tensor_v2 arguments");
    auto shape = intTuple(args[2]);
    auto stride = intTuple(args[3]);
    if (!shape || !stride || shape->size() != stride->size())
        return invalid(fileName,
                       where + "size and stride must be tuples of non-negative integers of equal length");
    const PickleValue& id = *args[0]->items[0];
    const std::string key = id.kind == Kind::Tuple && id.items.size() > 2 ? id.items[2]->text : std::string();
    PickledTensor tensor{name, key, args[1]->integer, std::move(*shape), std::move(*stride)};
    const auto storage = storages.find(key);
    if (storage == storages.end())
        return invalid(fileName, where + "unknown storage");
    if (!viewFits(tensor, storage->second.numel))
        return invalid(fileName, where + "size, stride and offset reach outside its storage \"" + key +
                                     "\" (" + std::to_string(storage->second.numel) + " elements)");
    return tensor;
}

// {"state_dict": {...}} and {"model": {...}} hold the weights one level down.
const PickleValue* unwrapWeights(const PickleValue& dict)
{
    const PickleValue* current = &dict;
    for (int level = 0; level < 2; ++level) {
        const PickleValue* inner = nullptr;
        for (const char* wrapper : {"state_dict", "model"})
            for (const auto& [key, value] : current->entries)
                if (!inner && isText(key, wrapper) && value->kind == Kind::Dict)
                    inner = value.get();
        if (!inner)
            break;
        current = inner;
    }
    return current;
}

Result<TorchCheckpoint>
interpret(const PickleRef& root, const std::string& fileName, TorchCheckpoint checkpoint)
{
    std::unordered_set<const PickleValue*> seen;
    if (auto ok = collectStorages(root, checkpoint.storages, seen, 0, fileName); !ok)
        return std::unexpected(ok.error());
    if (root->kind != Kind::Dict)
        return invalid(fileName, "holds " + describePickleValue(*root) + ", not a dict of tensors");
    std::set<std::string> names;
    for (const auto& [key, value] : unwrapWeights(*root)->entries) {
        if (!isText(key))
            return invalid(fileName,
                           "has a weight whose name is " + describePickleValue(*key) + ", not a string");
        if (!names.insert(key->text).second)
            return invalid(fileName, "names tensor \"" + key->text + "\" more than once");
        auto tensor = parseTensor(key->text, *value, checkpoint.storages, fileName);
        if (!tensor)
            return std::unexpected(tensor.error());
        checkpoint.tensors.push_back(std::move(*tensor));
    }
    return checkpoint;
}

// ---- zip layout (torch >= 1.6) ----

struct ZipMembers
{
    std::string_view pickle;
    std::map<std::string, ZipEntry> storages; // by key
};

// Every entry must sit in the archive's one top-level folder and be a record torch.save writes.
Result<ZipMembers> readZipMembers(std::string_view fileBytes, const std::string& fileName)
{
    auto entries = readZipDirectory(fileBytes, fileName);
    if (!entries)
        return std::unexpected(entries.error());
    if (entries->empty() || entries->front().name.find('/') == std::string::npos)
        return invalid(fileName, "zip archive has no top-level folder, so it is not a torch.save file");
    const std::string prefix = entries->front().name.substr(0, entries->front().name.find('/') + 1);
    static const std::set<std::string> records = {
        "data.pkl",           "version",   ".data/version",         ".format_version",
        ".storage_alignment", "byteorder", ".data/serialization_id"};
    // First what would make the pickle PyTorch runs differ from the one checked here (exit 3).
    std::set<std::string> names;
    for (const ZipEntry& entry : *entries) {
        // PyTorch reads the first of two same-named entries, other readers the last: refuse both.
        if (!names.insert(entry.name).second)
            return fail(ErrorKind::Unsafe,
                        fileName + ": zip archive holds two entries named \"" + entry.name +
                            "\"; refused for safety (readers disagree on which one counts)");
        if (!entry.stored && entry.name == prefix + "data.pkl")
            return fail(ErrorKind::Unsafe,
                        fileName + ": zip entry \"" + entry.name + "\" " + entry.whyNotStored +
                            ", so its pickle cannot be checked; PyTorch would still run it: "
                            "refused for safety");
    }
    ZipMembers members;
    bool hasPickle = false;
    for (const ZipEntry& entry : *entries) {
        const std::string where = "zip entry \"" + entry.name + "\" ";
        if (!entry.name.starts_with(prefix) || entry.name.find("..") != std::string::npos)
            return invalid(fileName, where + "is outside the archive folder \"" + prefix + "\"");
        const std::string record = entry.name.substr(prefix.size());
        if (!entry.stored)
            return invalid(fileName, where + entry.whyNotStored + "; torch.save stores entries uncompressed");
        const std::string_view bytes = fileBytes.substr(entry.dataOffset, entry.size);
        if (record == "data.pkl") {
            members.pickle = bytes;
            hasPickle = true;
        } else if (record.starts_with("data/") && record.size() > 5 &&
                   record.find('/', 5) == std::string::npos) {
            members.storages[record.substr(5)] = entry;
        } else if (!records.contains(record)) {
            return invalid(fileName, where + "is not part of a torch.save checkpoint (unexpected member \"" +
                                         record + "\"; TorchScript archives are not supported)");
        } else if (record == "byteorder" && bytes != "little") {
            return invalid(fileName, "is saved with byte order \"" + std::string(bytes) +
                                         "\"; only little is supported");
        }
    }
    if (!hasPickle)
        return invalid(fileName, "zip archive has no data.pkl, so it is not a torch.save file");
    return members;
}

// What PyTorch's torch.load would unpickle, scanned without running anything: data.pkl of a zip (one
// pickle: load() stops at STOP), the consecutive pickles of a legacy file (load() is called five
// times, stopping at the first failure), or the first pickle of anything else that is not
// safetensors (torch.load unpickles it before checking the magic number).
PickleScan scanWhatTorchLoadRuns(std::string_view fileBytes, const std::string& fileName)
{
    PickleScan scan;
    switch (detectTorchFile(fileBytes)) {
    case TorchFileKind::Zip: {
        auto members = readZipMembers(fileBytes, fileName);
        if (!members) {
            scan.error = members.error();
            return scan;
        }
        const std::string_view pickle = members->pickle;
        return scanPickle(pickle, 0, fileName + " (data.pkl)");
    }
    case TorchFileKind::Legacy:
        return scanPickleStream(fileBytes, fileName, kLegacyPickleCount, /*dataMayFollow=*/true);
    case TorchFileKind::NotTorch:
        break;
    }
    return scanPickle(fileBytes, 0, fileName);
}

// Unsafe naming the first global off the allowlist, if any; else the scan's error, if any.
Result<void> requireAllowlistedPickles(const PickleScan& scan, const std::string& fileName)
{
    std::vector<const PickleGlobal*> offList;
    for (const PickleGlobal& g : scan.globals)
        if (g.verdict != PickleVerdict::Safe)
            offList.push_back(&g);
    if (!offList.empty())
        return fail(ErrorKind::Unsafe,
                    fileName + ": pickle imports " + offList[0]->module + "." + offList[0]->name + " (" +
                        verdictName(offList[0]->verdict) + ")" +
                        (offList.size() > 1 ? " and " + std::to_string(offList.size() - 1) + " more" : "") +
                        "; refused for safety (nothing was executed). A tensor checkpoint only needs "
                        "OrderedDict, tensor rebuild functions and storage types");
    if (scan.error)
        return std::unexpected(*scan.error);
    return {};
}

Result<TorchCheckpoint> readZipCheckpoint(std::string_view fileBytes, const std::string& fileName)
{
    auto members = readZipMembers(fileBytes, fileName);
    if (!members)
        return std::unexpected(members.error());
    auto root = unpickleRestricted(members->pickle, fileName + " (data.pkl)");
    if (!root)
        return std::unexpected(root.error());
    auto checkpoint = interpret(root->value, fileName, {"torch-zip"});
    if (!checkpoint)
        return checkpoint;
    for (auto& [key, storage] : checkpoint->storages) {
        const auto entry = members->storages.find(key);
        if (entry == members->storages.end())
            return invalid(fileName, "storage \"" + key + "\" has no data/" + key + " record");
        if (entry->second.size != storage.byteSize)
            return invalid(fileName, "storage \"" + key + "\" should hold " +
                                         std::to_string(storage.byteSize) + " bytes but data/" + key +
                                         " has " + std::to_string(entry->second.size));
        storage.dataOffset = entry->second.dataOffset;
    }
    return checkpoint;
}

// ---- legacy layout (torch < 1.6): magic, protocol, sys info, object, storage keys, raw storages ----

Result<uint64_t> skipPickle(std::string_view data, uint64_t pos, const std::string& fileName)
{
    for (;;) {
        auto op = readPickleOp(data, pos, fileName);
        if (!op)
            return std::unexpected(op.error());
        if (op->code == pickle_op::kStop)
            return pos;
    }
}

struct LegacyPickles
{
    std::vector<std::string_view> pickles; // magic, protocol, sys info, object, keys
    uint64_t dataStart = 0;
};

Result<LegacyPickles> splitLegacyPickles(std::string_view fileBytes, const std::string& fileName)
{
    LegacyPickles split;
    uint64_t pos = 0;
    for (int i = 0; i < kLegacyPickleCount; ++i) {
        auto end = skipPickle(fileBytes, pos, fileName);
        if (!end)
            return std::unexpected(end.error());
        split.pickles.push_back(fileBytes.substr(pos, *end - pos));
        pos = *end;
    }
    split.dataStart = pos;
    return split;
}

Result<TorchCheckpoint> readLegacyCheckpoint(std::string_view fileBytes, const std::string& fileName)
{
    auto split = splitLegacyPickles(fileBytes, fileName);
    if (!split)
        return std::unexpected(split.error());
    std::vector<PickleRef> values;
    for (size_t i = 1; i < split->pickles.size(); ++i) {
        auto value = unpickleRestricted(split->pickles[i], fileName);
        if (!value)
            return std::unexpected(value.error());
        values.push_back(value->value);
    }
    if (!isInt(values[0]) || values[0]->integer != 1001)
        return invalid(fileName, "legacy torch.save file has an unsupported protocol version");
    for (const auto& [key, value] : values[1]->entries)
        if (isText(key, "little_endian") && !(value->kind == Kind::Bool && value->integer == 1))
            return invalid(fileName, "legacy torch.save file is big-endian (not supported)");
    auto checkpoint = interpret(values[2], fileName, {"torch-legacy"});
    if (!checkpoint)
        return checkpoint;
    if (values[3]->kind != Kind::List)
        return invalid(fileName, "legacy torch.save file has no list of storage keys");
    uint64_t pos = split->dataStart;
    for (const PickleRef& key : values[3]->items) {
        const auto storage = isText(key) ? checkpoint->storages.find(key->text) : checkpoint->storages.end();
        if (storage == checkpoint->storages.end())
            return invalid(fileName, "legacy storage list names a storage the pickle never uses");
        if (fileBytes.size() - pos < 8 || pickleUnsigned(fileBytes.substr(pos, 8)) != storage->second.numel)
            return invalid(fileName,
                           "legacy storage \"" + key->text + "\" is truncated or has the wrong size");
        storage->second.dataOffset = pos + 8;
        if (fileBytes.size() - pos - 8 < storage->second.byteSize)
            return invalid(fileName, "legacy storage \"" + key->text + "\" runs past the end of the file");
        pos += 8 + storage->second.byteSize;
    }
    for (const auto& [key, storage] : checkpoint->storages)
        if (storage.dataOffset == 0)
            return invalid(fileName, "storage \"" + key + "\" is missing from the legacy storage list");
    return checkpoint;
}

} // namespace

int elementSizeOf(std::string_view dtype)
{
    if (dtype == "F64" || dtype == "I64" || dtype == "C64")
        return 8;
    if (dtype == "F32" || dtype == "I32")
        return 4;
    if (dtype == "F16" || dtype == "BF16" || dtype == "I16")
        return 2;
    return 1;
}

TorchFileKind detectTorchFile(std::string_view fileBytes)
{
    if (fileBytes.starts_with(std::string_view("PK\x03\x04", 4)))
        return TorchFileKind::Zip;
    if (fileBytes.starts_with(kLegacyMagic))
        return TorchFileKind::Legacy;
    return TorchFileKind::NotTorch;
}

} // namespace mwb

namespace mwb {

PickleScan scanTorchLoadPickles(std::string_view fileBytes, const std::string& fileName)
{
    return scanWhatTorchLoadRuns(fileBytes, fileName);
}

Result<void> refuseUnlessAllowlisted(std::string_view fileBytes, const std::string& fileName)
{
    return requireAllowlistedPickles(scanWhatTorchLoadRuns(fileBytes, fileName), fileName);
}

Result<std::vector<std::string_view>> torchFilePickles(std::string_view fileBytes,
                                                       const std::string& fileName)
{
    switch (detectTorchFile(fileBytes)) {
    case TorchFileKind::Zip: {
        auto members = readZipMembers(fileBytes, fileName);
        if (!members)
            return std::unexpected(members.error());
        return std::vector<std::string_view>{members->pickle};
    }
    case TorchFileKind::Legacy: {
        auto split = splitLegacyPickles(fileBytes, fileName);
        if (!split)
            return std::unexpected(split.error());
        return split->pickles;
    }
    case TorchFileKind::NotTorch:
        break;
    }
    return invalid(fileName, "is not a torch.save file");
}

Result<TorchCheckpoint> readTorchCheckpoint(std::string_view fileBytes, const std::string& fileName)
{
    // Nothing reaches the restricted machine unless every global torch.load would import is allowed.
    if (auto ok = requireAllowlistedPickles(scanWhatTorchLoadRuns(fileBytes, fileName), fileName); !ok)
        return std::unexpected(ok.error());
    switch (detectTorchFile(fileBytes)) {
    case TorchFileKind::Zip:
        return readZipCheckpoint(fileBytes, fileName);
    case TorchFileKind::Legacy:
        return readLegacyCheckpoint(fileBytes, fileName);
    case TorchFileKind::NotTorch:
        break;
    }
    return invalid(fileName, "is not a torch.save file");
}

} // namespace mwb
