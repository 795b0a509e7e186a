#pragma once

// Reads one Python source file, without running it, and lists what a reviewer should look at: its
// imports (top-level package, standard library or third party) and its risky constructs (process
// execution, dynamic code, network, deserialisation, native code, obfuscation, credentials and the
// environment, writing or deleting outside the working folder), each with line, severity and reason.
//
// This is a guide for the reader, NOT a sandbox: code can hide intent from any static scan (getattr
// chains, data files, code downloaded later). Nothing here makes running the code safe. Model Workbench
// never runs it; it rebuilds supported models natively instead.
//
// Pure functions; any thread. Works on tokens (python_tokenizer.h), so strings and comments that
// merely mention `os.system` are not flagged.

#include <string>
#include <string_view>
#include <vector>

namespace mwb::review {

enum class Severity
{
    Low,    // worth knowing (e.g. an import of a module that can reach the network)
    Medium, // does something outside the model's job: reads the environment, deletes files
    High,   // can run other programs or arbitrary code, or touches credentials
};

const char* severityName(Severity severity); // "low", "medium", "high"

struct Finding
{
    int line = 0;
    Severity severity = Severity::Low;
    std::string category;  // "process", "dynamic-code", "network", "deserialization", "native-code",
                           // "obfuscation", "credentials", "environment", "filesystem"
    std::string construct; // what was seen, qualified: "os.system", "subprocess.run", "exec"
    std::string reason;    // one short sentence for the reader
};

struct ImportRecord
{
    int line = 0;
    int level = 0;                  // leading dots of a relative import (0 = absolute)
    std::string module;             // dotted module as written after the dots ("" for `from . import x`)
    std::vector<std::string> names; // for `from M import a, b`: a, b ("*" for a star import)
    std::string topLevel;           // first component of an absolute import ("torch" for torch.nn)
    bool standardLibrary = false;   // absolute import of a Python 3.11 standard library module

    bool isRelative() const { return level > 0; }
};

struct SourceScan
{
    std::vector<ImportRecord> imports;
    std::vector<Finding> findings; // in line order

    // Distinct top-level packages of absolute imports, sorted.
    std::vector<std::string> thirdPartyPackages() const;
    std::vector<std::string> standardLibraryModules() const;
    Severity worstSeverity() const; // Low when there are no findings
};

// The sentence every review output carries.
inline constexpr const char* kReviewDisclaimer =
    "This review is a guide for the reader, not a sandbox: it points at code worth reading, it cannot "
    "prove code safe. Model Workbench never runs the repository's Python.";

SourceScan scanPythonSource(std::string_view source);

} // namespace mwb::review
