#pragma once

// Public, torch-free: what a pickle would import, without running it. Used by `mwb weights inspect`,
// the weight import, and the code-review of Hub repos. Nothing in a pickle is ever executed here;
// the scanner only decodes opcodes and records the globals that GLOBAL, STACK_GLOBAL and INST name.
// All functions are reentrant and may be called from any thread.

#include "error.h"

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

// Every global one pickle imports (up to its STOP), in order of first appearance, without
// duplicates. Malformed pickles (unknown opcodes, truncated arguments) give ErrorKind::InvalidInput;
// an EXT* opcode (the copyreg extension registry) is reported as the global "copyreg.<extension N>".
Result<std::vector<PickleGlobal>> scanPickleGlobals(QByteArrayView pickleBytes);

} // namespace mwb
