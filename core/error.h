#pragma once

// Errors are values in Model Workbench: core functions return Result<T>, never throw across their
// boundary. Exceptions from LibTorch, OpenCV or nlohmann_json are caught inside core and turned into
// an Error whose message names the file, field, tensor or URL at fault.

#include <expected>
#include <string>
#include <utility>

namespace mwb {

enum class ErrorKind
{
    InvalidInput, // malformed or impossible input: bad JSON, wrong type, corrupt file
    Io,           // the file system refused: missing permission, disk full
    Network,      // connection failed, timed out, server error
    Unsafe,       // refused for safety: untrusted remote code, dangerous pickle
    Cancelled,    // the user cancelled long-running work
};

struct Error
{
    ErrorKind kind = ErrorKind::InvalidInput;
    std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string message)
{
    return std::unexpected(Error{kind, std::move(message)});
}

// The `mwb` exit code for an error of this kind (see DESIGN.md, "Command line").
int exitCodeFor(ErrorKind kind);

} // namespace mwb
