#include "weights/pickle_scanner.h"

#include "input_limits.h"
#include "weights/pickle_opcodes.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

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
    static constexpr std::array<std::string_view, 36> modules = {"os",
                                                                 "posix",
                                                                 "nt",
                                                                 "subprocess",
                                                                 "socket",
                                                                 "shutil",
                                                                 "pty",
                                                                 "runpy",
                                                                 "webbrowser",
                                                                 "commands",
                                                                 "sys",
                                                                 "importlib",
                                                                 "ctypes",
                                                                 "code",
                                                                 "codeop",
                                                                 "marshal",
                                                                 "pickle",
                                                                 "_pickle",
                                                                 "multiprocessing",
                                                                 "asyncio",
                                                                 "requests",
                                                                 "urllib",
                                                                 "timeit",
                                                                 "pdb",
                                                                 "bdb",
                                                                 "profile",
                                                                 "cProfile",
                                                                 "trace",
                                                                 "doctest",
                                                                 "io",
                                                                 "_io",
                                                                 "_posixsubprocess",
                                                                 "_socket",
                                                                 "http",
                                                                 "ftplib",
                                                                 "telnetlib"};
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
    if (module == "operator" || module == "_operator")
        return name == "attrgetter" || name == "methodcaller";
    if (module.starts_with("numpy.testing"))
        return true; // numpy.testing._private.utils.runstring execs a string
    if (module == "torch" && name == "load")
        return true; // a nested torch.load runs another pickle
    if (module == "torch.hub" || module == "torch.serialization" || module == "torch.jit")
        return true; // nested loads and code
    return false;
}

} // namespace

PickleVerdict classifyPickleGlobal(std::string_view module, std::string_view name)
{
    if (isAllowlisted(module, name))
        return PickleVerdict::Safe;
    return isDangerous(module, name) ? PickleVerdict::Dangerous : PickleVerdict::Suspicious;
}

void mergePickleGlobals(std::vector<PickleGlobal>& into, const std::vector<PickleGlobal>& more)
{
    std::set<std::pair<std::string, std::string>> known;
    for (const PickleGlobal& g : into)
        known.emplace(g.module, g.name);
    for (const PickleGlobal& g : more)
        if (known.emplace(g.module, g.name).second)
            into.push_back(g);
}

PickleVerdict PickleScan::verdict() const
{
    const PickleVerdict worst = overallVerdict(globals);
    return error ? std::max(worst, PickleVerdict::Suspicious) : worst;
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
    const std::string_view data(pickleBytes.data(), size_t(pickleBytes.size()));
    PickleScan scan = scanPickle(data, 0, "pickle");
    if (scan.error)
        return std::unexpected(*scan.error);
    return std::move(scan.globals);
}

PickleScan
scanPickleStream(std::string_view data, const std::string& source, size_t maxPickles, bool dataMayFollow)
{
    PickleScan all;
    uint64_t pos = 0;
    for (size_t count = 0; pos < data.size() && count < maxPickles; ++count) {
        PickleScan one = scanPickle(data, pos, source);
        mergePickleGlobals(all.globals, one.globals);
        ++all.pickles;
        all.end = one.end;
        if (one.error) {
            all.error = one.error;
            return all;
        }
        pos = one.end;
    }
    if (pos < data.size() && !dataMayFollow)
        all.error = Error{ErrorKind::InvalidInput,
                          source + ": " + exceedsLimit(limits::kPicklesPerFile, all.pickles + 1)};
    return all;
}

} // namespace mwb
