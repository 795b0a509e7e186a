#include "weights/pickle_scanner.h"

#include "weights/pickle_opcodes.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

namespace mwb {

namespace {

bool isAllowlisted(std::string_view module, std::string_view name)
{
    static constexpr std::array<std::string_view, 10> storages = {
        "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage",
        "IntStorage",   "ShortStorage",  "CharStorage", "ByteStorage",     "BoolStorage"};
    if (module == "collections")
        return name == "OrderedDict";
    if (module == "torch._utils")
        return name == "_rebuild_tensor_v2" || name == "_rebuild_parameter";
    if (module == "torch")
        return std::find(storages.begin(), storages.end(), name) != storages.end();
    return false;
}

bool isDangerous(std::string_view module, std::string_view name)
{
    // Whole modules whose callables run programs, code or I/O.
    static constexpr std::array<std::string_view, 22> modules = {
        "os",     "posix",      "nt",       "subprocess", "socket",          "shutil",  "pty",
        "runpy",  "webbrowser", "commands", "sys",        "importlib",       "ctypes",  "code",
        "codeop", "marshal",    "pickle",   "_pickle",    "multiprocessing", "asyncio", "requests",
        "urllib"};
    static constexpr std::array<std::string_view, 14> builtins = {
        "eval",  "exec", "compile",  "__import__", "getattr", "setattr",    "delattr",
        "apply", "open", "execfile", "input",      "globals", "breakpoint", "vars"};
    const std::string_view root = module.substr(0, module.find('.'));
    if (std::find(modules.begin(), modules.end(), root) != modules.end())
        return true;
    if (module == "builtins" || module == "__builtin__" || module == "__builtins__")
        return std::find(builtins.begin(), builtins.end(), name) != builtins.end();
    if (module == "types")
        return name == "CodeType" || name == "FunctionType";
    if (module == "operator")
        return name == "attrgetter" || name == "methodcaller";
    if (module == "torch.hub" || module == "torch.serialization" || module == "torch.jit")
        return true; // nested loads and code
    return false;
}

// Strings the scanner can follow statically, for STACK_GLOBAL's operands.
struct StringTracker
{
    std::vector<std::optional<std::string>> recent; // what the last pushes were, if strings
    std::map<uint64_t, std::optional<std::string>> memo;

    void push(std::optional<std::string> value)
    {
        recent.push_back(std::move(value));
        if (recent.size() > 2)
            recent.erase(recent.begin());
    }
    std::optional<std::string> top() const { return recent.empty() ? std::nullopt : recent.back(); }
};

void addGlobal(std::vector<PickleGlobal>& globals, std::string module, std::string name)
{
    for (const PickleGlobal& g : globals)
        if (g.module == module && g.name == name)
            return;
    const PickleVerdict verdict = classifyPickleGlobal(module, name);
    globals.push_back({std::move(module), std::move(name), verdict});
}

} // namespace

PickleVerdict classifyPickleGlobal(std::string_view module, std::string_view name)
{
    if (isAllowlisted(module, name))
        return PickleVerdict::Safe;
    return isDangerous(module, name) ? PickleVerdict::Dangerous : PickleVerdict::Suspicious;
}

PickleVerdict overallVerdict(const std::vector<PickleGlobal>& globals)
{
    PickleVerdict worst = PickleVerdict::Safe;
    for (const PickleGlobal& g : globals)
        worst = std::max(worst, g.verdict);
    return worst;
}

const char* verdictName(PickleVerdict verdict)
{
    switch (verdict) {
    case PickleVerdict::Safe:
        return "safe";
    case PickleVerdict::Suspicious:
        return "suspicious";
    case PickleVerdict::Dangerous:
        return "dangerous";
    }
    return "unknown";
}

Result<std::vector<PickleGlobal>> scanPickleGlobals(QByteArrayView pickleBytes)
{
    using namespace pickle_op;
    const std::string_view data(pickleBytes.data(), size_t(pickleBytes.size()));
    std::vector<PickleGlobal> globals;
    StringTracker strings;
    for (uint64_t pos = 0;;) {
        auto op = readPickleOp(data, pos, "pickle");
        if (!op)
            return std::unexpected(op.error());
        switch (op->code) {
        case kStop:
            return globals;
        case kGlobal:
        case kInst: {
            const size_t split = op->arg.find('\n');
            addGlobal(globals, std::string(op->arg.substr(0, split)), std::string(op->arg.substr(split + 1)));
            strings.push(std::nullopt);
            break;
        }
        case kStackGlobal: {
            const auto name = strings.recent.size() == 2 ? strings.recent[1] : std::nullopt;
            const auto module = strings.recent.size() == 2 ? strings.recent[0] : std::nullopt;
            addGlobal(globals, module.value_or("?"), name.value_or("?"));
            strings.push(std::nullopt);
            break;
        }
        case kExt1:
        case kExt2:
        case kExt4:
            addGlobal(globals, "copyreg", "<extension " + std::to_string(pickleUnsigned(op->arg)) + ">");
            strings.push(std::nullopt);
            break;
        case kShortBinUnicode:
        case kBinUnicode:
        case kBinUnicode8:
        case kShortBinString:
        case kBinString:
            strings.push(std::string(op->arg));
            break;
        case kMemoize:
            strings.memo[strings.memo.size()] = strings.top();
            break;
        case kBinPut:
        case kLongBinPut:
            strings.memo[pickleUnsigned(op->arg)] = strings.top();
            break;
        case kBinGet:
        case kLongBinGet: {
            const auto it = strings.memo.find(pickleUnsigned(op->arg));
            strings.push(it == strings.memo.end() ? std::nullopt : it->second);
            break;
        }
        case kProto:
        case kFrame:
            break; // no stack effect
        default:
            strings.push(std::nullopt);
            break;
        }
    }
}

} // namespace mwb
