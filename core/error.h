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

// A std::expected that must not be ignored: calling a function that returns a Result and dropping it
// is a compiler warning (-Wunused-result), because a dropped Result is an error nobody handled. When
// ignoring really is right, say so: `std::ignore = f();` with a comment on why.
template <typename T> class [[nodiscard]] Result : public std::expected<T, Error>
{
public:
    using std::expected<T, Error>::expected;
    Result() = default;
    // From a plain std::expected (what its monadic functions return in newer standard libraries).
    Result(std::expected<T, Error> other) : std::expected<T, Error>(std::move(other)) {}
};

inline std::unexpected<Error> fail(ErrorKind kind, std::string message)
{
    return std::unexpected(Error{kind, std::move(message)});
}

// The `mwb` exit code for an error of this kind (see ARCHITECTURE.md, "The error contract").
int exitCodeFor(ErrorKind kind);

} // namespace mwb
