#include "review/python_rules.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace mwb::review {

namespace {

using enum Severity;

// First match wins, so specific entries come before the module-wide ones.
constexpr std::array kNameRules{
    RiskRule{"os.system", High, "process", "runs a shell command"},
    RiskRule{"os.popen", High, "process", "runs a shell command and reads its output"},
    RiskRule{"os.exec*", High, "process", "replaces the process with another program"},
    RiskRule{"os.spawn*", High, "process", "starts another program"},
    RiskRule{"os.posix_spawn*", High, "process", "starts another program"},
    RiskRule{"os.fork*", Medium, "process", "forks the process"},
    RiskRule{"os.kill", Medium, "process", "sends signals to processes"},
    RiskRule{"subprocess.*", High, "process", "starts another program"},
    RiskRule{"pty.*", High, "process", "starts a program on a pseudo-terminal"},
    RiskRule{"multiprocessing.*", Low, "process", "starts worker processes"},
    RiskRule{"builtins.eval", High, "dynamic-code", "evaluates a string as Python code"},
    RiskRule{"builtins.exec", High, "dynamic-code", "executes a string as Python code"},
    RiskRule{"builtins.compile", Medium, "dynamic-code", "compiles a string into code"},
    RiskRule{"builtins.__import__", High, "dynamic-code", "imports a module chosen at run time"},
    RiskRule{"importlib.*", Medium, "dynamic-code", "imports a module chosen at run time"},
    RiskRule{"runpy.*", High, "dynamic-code", "runs a module or script"},
    RiskRule{"socket.*", Medium, "network", "opens network connections"},
    RiskRule{"urllib.request.*", Medium, "network", "downloads from a URL"},
    RiskRule{"urllib.urlopen", Medium, "network", "downloads from a URL"},
    RiskRule{"urllib2.*", Medium, "network", "downloads from a URL"},
    RiskRule{"requests.*", Medium, "network", "makes HTTP requests"},
    RiskRule{"http.client.*", Medium, "network", "makes HTTP requests"},
    RiskRule{"http.server.*", Medium, "network", "serves HTTP"},
    RiskRule{"httpx.*", Medium, "network", "makes HTTP requests"},
    RiskRule{"aiohttp.*", Medium, "network", "makes HTTP requests"},
    RiskRule{"ftplib.*", Medium, "network", "opens FTP connections"},
    RiskRule{"smtplib.*", Medium, "network", "sends e-mail"},
    RiskRule{"webbrowser.*", Medium, "network", "opens a web browser"},
    RiskRule{"pickle.load", High, "deserialization", "unpickling runs code chosen by the file"},
    RiskRule{"pickle.loads", High, "deserialization", "unpickling runs code chosen by the data"},
    RiskRule{"pickle.Unpickler", High, "deserialization", "unpickling runs code chosen by the data"},
    RiskRule{"_pickle.*", High, "deserialization", "unpickling runs code chosen by the data"},
    RiskRule{"cPickle.*", High, "deserialization", "unpickling runs code chosen by the data"},
    RiskRule{"marshal.load*", High, "deserialization", "loads Python code objects"},
    RiskRule{"dill.load*", High, "deserialization", "unpickling runs code chosen by the data"},
    RiskRule{"joblib.load", High, "deserialization", "joblib files are pickles: loading runs their code"},
    RiskRule{"shelve.open", Medium, "deserialization", "shelve files are pickles"},
    RiskRule{"ctypes.*", High, "native-code", "calls native code directly"},
    RiskRule{"cffi.*", High, "native-code", "calls native code directly"},
    RiskRule{"os.environ*", Medium, "environment", "reads environment variables"},
    RiskRule{"os.getenv", Medium, "environment", "reads environment variables"},
    RiskRule{"os.putenv", Medium, "environment", "changes environment variables"},
    RiskRule{"shutil.rmtree", High, "filesystem", "deletes a whole folder tree"},
    RiskRule{"os.remove", Medium, "filesystem", "deletes files"},
    RiskRule{"os.unlink", Medium, "filesystem", "deletes files"},
    RiskRule{"os.rmdir", Medium, "filesystem", "deletes folders"},
    RiskRule{"os.removedirs", Medium, "filesystem", "deletes folders"},
};

constexpr std::array kImportRules{
    RiskRule{"subprocess", Medium, "process", "imports subprocess, which starts other programs"},
    RiskRule{"pty", Medium, "process", "imports pty, which starts programs"},
    RiskRule{"ctypes", Medium, "native-code", "imports ctypes, which calls native code"},
    RiskRule{"cffi", Medium, "native-code", "imports cffi, which calls native code"},
    RiskRule{"socket", Low, "network", "imports socket"},
    RiskRule{"urllib.request", Low, "network", "imports urllib.request"},
    RiskRule{"requests", Low, "network", "imports requests"},
    RiskRule{"http.client", Low, "network", "imports http.client"},
    RiskRule{"httpx", Low, "network", "imports httpx"},
    RiskRule{"aiohttp", Low, "network", "imports aiohttp"},
    RiskRule{"pickle", Low, "deserialization", "imports pickle"},
    RiskRule{"marshal", Low, "deserialization", "imports marshal"},
    RiskRule{"dill", Low, "deserialization", "imports dill"},
    RiskRule{"joblib", Low, "deserialization", "imports joblib"},
    RiskRule{"importlib", Low, "dynamic-code", "imports importlib"},
};

bool matches(std::string_view name, std::string_view pattern)
{
    if (pattern.ends_with(".*"))
        return name.starts_with(pattern.substr(0, pattern.size() - 1));
    if (pattern.ends_with('*'))
        return name.starts_with(pattern.substr(0, pattern.size() - 1));
    return name == pattern;
}

std::string upper(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

} // namespace

std::optional<RiskRule> ruleForName(std::string_view qualifiedName)
{
    for (const RiskRule& rule : kNameRules)
        if (matches(qualifiedName, rule.pattern))
            return rule;
    return std::nullopt;
}

std::optional<RiskRule> ruleForImport(std::string_view module)
{
    for (const RiskRule& rule : kImportRules)
        if (module == rule.pattern || module.starts_with(std::string(rule.pattern) + "."))
            return rule;
    return std::nullopt;
}

bool isDecoderName(std::string_view name)
{
    static constexpr std::string_view kDecoders[] = {
        "base64.*",        "binascii.*",      "codecs.decode", "zlib.decompress", "bz2.decompress",
        "lzma.decompress", "gzip.decompress", "marshal.loads", "bytes.fromhex",   "bytearray.fromhex"};
    return std::any_of(std::begin(kDecoders), std::end(kDecoders),
                       [&](std::string_view pattern) { return matches(name, pattern); });
}

std::optional<std::string_view> credentialMarker(std::string_view literal)
{
    static constexpr std::string_view kMarkers[] = {".ssh",
                                                    "id_rsa",
                                                    "id_ed25519",
                                                    ".netrc",
                                                    ".git-credentials",
                                                    ".aws",
                                                    ".pypirc",
                                                    ".kube/config",
                                                    "/etc/passwd",
                                                    "/etc/shadow",
                                                    "HF_TOKEN",
                                                    "HUGGING_FACE_HUB_TOKEN",
                                                    "huggingface/token",
                                                    "stored_tokens",
                                                    ".docker/config.json"};
    for (std::string_view marker : kMarkers)
        if (literal.find(marker) != std::string_view::npos)
            return marker;
    return std::nullopt;
}

bool isSecretVariableName(std::string_view name)
{
    const std::string u = upper(name);
    static constexpr std::string_view kWords[] = {"TOKEN",   "SECRET",     "PASSWORD",   "PASSWD",
                                                  "API_KEY", "ACCESS_KEY", "CREDENTIAL", "PRIVATE_KEY"};
    return std::any_of(std::begin(kWords), std::end(kWords),
                       [&](std::string_view w) { return u.find(w) != std::string::npos; });
}

} // namespace mwb::review
