#pragma once

// Public, torch-free: what a pickle would import, without running it. Used by `mwb weights inspect`,
// the weight import, and the code-review of Hub repos. Nothing in a pickle is ever executed here;
// the scanner only decodes opcodes and records the globals that GLOBAL, STACK_GLOBAL and INST name.
// All functions are reentrant and may be called from any thread.

#include "error.h"
#include "input_limits.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <QByteArrayView>

namespace mwb {

enum class PickleVerdict
{
    Safe,       // on the tensor-checkpoint allowlist (what torch.save of a state_dict uses)
    Suspicious, // not needed by a tensor checkpoint, but not a known way to run code
    Dangerous,  // runs commands or code, or opens files and sockets (os.system, builtins.eval, ...)
};

struct PickleGlobal
{
    std::string module, name; // "?" when a STACK_GLOBAL's operands are not plain strings
    PickleVerdict verdict = PickleVerdict::Suspicious;
};

// The verdict for one global. Safe is exactly the allowlist the restricted pickle reader accepts:
// collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and the
// torch.<Type>Storage classes.
PickleVerdict classifyPickleGlobal(std::string_view module, std::string_view name);

// The worst verdict in `globals` (Safe for none).
PickleVerdict overallVerdict(const std::vector<PickleGlobal>& globals);

const char* verdictName(PickleVerdict verdict); // "safe", "suspicious", "dangerous"

// What scanning found. The scanner models the unpickler's stack, mark stack and memo exactly as
// Python's pickle and pickletools do (MARK, POP of a mark, DUP, PUT/BINPUT/LONG_BINPUT/MEMOIZE,
// GET/BINGET/LONG_BINGET), so STACK_GLOBAL names what Python would import, whatever the tricks. An
// operand that is not a plain string gives the global "?.?" (never safe).
struct PickleScan
{
    std::vector<PickleGlobal> globals; // imported before STOP (or the error), first appearance order
    uint64_t end = 0;                  // just past the last STOP read
    size_t pickles = 0;                // pickles read (scanPickleStream)
    std::optional<Error> error;        // could not be read to its STOP; Python may have run what came before
    // The worst verdict of the globals; an unreadable pickle is never Safe (at least Suspicious).
    PickleVerdict verdict() const;
};

// One pickle starting at `start`. Linear in its size; memory bounded by the pickle's size.
PickleScan scanPickle(std::string_view data, uint64_t start, const std::string& source);

// Consecutive pickles until the end of `data` (pickle.dump may append several to one file). After
// `maxPickles`, the rest is an error unless `dataMayFollow` (a legacy torch.save file: raw storages).
PickleScan scanPickleStream(std::string_view data,
                            const std::string& source,
                            size_t maxPickles = limits::kPicklesPerFile.value,
                            bool dataMayFollow = false);

// Appends the globals of `more` that `into` does not hold yet, keeping the order.
void mergePickleGlobals(std::vector<PickleGlobal>& into, const std::vector<PickleGlobal>& more);

// Every global one pickle imports (up to its STOP), in order of first appearance, without
// duplicates. Malformed pickles (unknown opcodes, truncated arguments) give ErrorKind::InvalidInput;
// an EXT* opcode (the copyreg extension registry) is reported as the global "copyreg.<extension N>".
Result<std::vector<PickleGlobal>> scanPickleGlobals(QByteArrayView pickleBytes);

} // namespace mwb
