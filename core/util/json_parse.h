#pragma once

// The one way core parses JSON from a file or a server. Before nlohmann sees the text, a linear
// pre-scan refuses documents larger than `maxBytes` or nested deeper than `maxDepth`, so nothing that
// later copies, compares or dumps a value (all recursive in nlohmann) can overflow the stack. Every
// nlohmann exception (parse_error, out_of_range for a number such as 1e400, ...) is caught here.
//
// Free functions, reentrant, any thread. Errors are ErrorKind::InvalidInput and start with `source`:
// "config.json: malformed JSON: parse error at line 1, column 3: ...",
// "config.json: JSON nesting depth 257 exceeds the limit of 256 (at byte 256)".

#include "error.h"
#include "input_limits.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mwb {

struct JsonLimits
{
    std::uint64_t maxBytes = limits::kJsonBytes.value;
    std::uint64_t maxDepth = limits::kJsonDepth.value;
};

// The byte offset of the first bracket that opens a level deeper than `maxDepth`, if any. Brackets
// inside strings do not count; the text need not be valid JSON.
std::optional<std::uint64_t> findJsonNestingAbove(std::string_view text, std::uint64_t maxDepth);

// Parses one JSON document (any top-level type).
Result<nlohmann::json> parseJson(std::string_view text, const std::string& source, JsonLimits limits = {});

// nlohmann keeps the last of duplicate keys. The first key that a top-level object names twice, found
// by a linear SAX pass over text that parseJson accepted. (nlohmann's parser callbacks are not used
// anywhere: they rescan the parent at every object end, which is quadratic.)
std::optional<std::string> findDuplicateTopLevelKey(std::string_view text);

// Parses a document that must be a JSON object ("<source>: expected a JSON object, got array").
Result<nlohmann::json>
parseJsonObject(std::string_view text, const std::string& source, JsonLimits limits = {});

// nlohmann's exception text without its "[json.exception.parse_error.101] " prefix.
std::string describeJsonException(const nlohmann::json::exception& error);

} // namespace mwb
