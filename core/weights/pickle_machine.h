#pragma once

// Internal to core, torch-free: a restricted pickle machine for tensor checkpoints. It never imports
// or calls anything: GLOBAL only accepts the allowlist of pickle_scanner.h (refusing anything else
// with ErrorKind::Unsafe, naming `module.name`), and REDUCE/NEWOBJ on an allowed callable builds a
// Call node that the caller interprets (or rejects). collections.OrderedDict becomes a plain Dict and
// BUILD state on a dict (a state_dict's `_metadata`) is dropped. Persistent ids (torch storages)
// become PersistentId nodes. Reentrant; callable from any thread.

#include "error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mwb {

struct PickleValue;
using PickleRef = std::shared_ptr<PickleValue>;

struct PickleValue
{
    enum class Kind
    {
        None,
        Bool,
        Int,
        BigInt, // an integer wider than 64 bits; `text` holds its little-endian bytes
        Float,
        Text,
        Bytes,
        Tuple,
        List,
        Dict,
        Global,      // `text` is "module.name"
        Call,        // items[0] the Global called, items[1] the argument tuple
        PersistentId // items[0] the persistent id (a tuple for torch storages)
    };
    Kind kind = Kind::None;
    int64_t integer = 0; // Bool, Int
    double real = 0;     // Float
    std::string text;    // Text, Bytes, BigInt, Global
    std::vector<PickleRef> items;
    std::vector<std::pair<PickleRef, PickleRef>> entries; // Dict, in insertion order

    PickleValue() = default;
    PickleValue(const PickleValue&) = delete;
    PickleValue& operator=(const PickleValue&) = delete;
    // Dismantles children iteratively: a hostile pickle can nest a million lists, and a recursive
    // destructor would overflow the stack.
    ~PickleValue();
};

struct UnpickleResult
{
    PickleRef value;
    uint64_t end = 0; // offset just past STOP, where a following pickle in the same stream starts
};

// Runs the pickle that starts at `start` in `data`. `source` names the file/record in messages.
Result<UnpickleResult>
unpickleRestricted(std::string_view data, const std::string& source, uint64_t start = 0);

// A short description of a value for messages: "a dict", "torch._utils._rebuild_tensor_v2(...)".
std::string describePickleValue(const PickleValue& value);

} // namespace mwb
