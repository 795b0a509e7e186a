#pragma once

// The table of risky names the Python scanner looks for, by qualified name ("os.system",
// "subprocess.*", "builtins.exec"). Internal to core/review; any thread.

#include "review/python_scanner.h"

#include <optional>
#include <string_view>

namespace mwb::review {

struct RiskRule
{
    std::string_view pattern; // exact name, or "prefix*" / "module.*"
    Severity severity;
    std::string_view category;
    std::string_view reason;
};

// The first rule that matches a qualified name used in code, if any.
std::optional<RiskRule> ruleForName(std::string_view qualifiedName);
// A finding for importing a module that deserves a look (subprocess, socket, ctypes...), if any.
std::optional<RiskRule> ruleForImport(std::string_view module);

// Decoders whose output fed to exec/eval means hidden code (base64.b64decode, zlib.decompress...).
bool isDecoderName(std::string_view qualifiedName);
// Words in a string literal that point at credentials: ".ssh", ".netrc", "HF_TOKEN", ...
std::optional<std::string_view> credentialMarker(std::string_view literal);
// An environment variable name that looks like a secret: *TOKEN*, *SECRET*, *PASSWORD*, *API_KEY*.
bool isSecretVariableName(std::string_view name);

} // namespace mwb::review
