#include "util/json_parse.h"

#include <set>

namespace mwb {

std::optional<std::uint64_t> findJsonNestingAbove(std::string_view text, std::uint64_t maxDepth)
{
    std::uint64_t depth = 0;
    bool inString = false, escaped = false;
    for (std::uint64_t at = 0; at < text.size(); ++at) {
        const char c = text[at];
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case '"':
            inString = true;
            break;
        case '[':
        case '{':
            if (++depth > maxDepth)
                return at;
            break;
        case ']':
        case '}':
            if (depth > 0)
                --depth;
            break;
        default:
            break;
        }
    }
    return std::nullopt;
}

std::string describeJsonException(const nlohmann::json::exception& error)
{
    std::string what = error.what();
    if (what.starts_with("[json.exception.")) {
        const auto end = what.find("] ");
        if (end != std::string::npos)
            what.erase(0, end + 2);
    }
    return what;
}

Result<nlohmann::json> parseJson(std::string_view text, const std::string& source, JsonLimits limits)
{
    if (text.size() > limits.maxBytes)
        return fail(ErrorKind::InvalidInput,
                    source + ": " + exceedsLimit({limits::kJsonBytes.name, limits.maxBytes}, text.size()));
    if (const auto at = findJsonNestingAbove(text, limits.maxDepth))
        return fail(ErrorKind::InvalidInput,
                    source + ": " +
                        exceedsLimit({limits::kJsonDepth.name, limits.maxDepth}, limits.maxDepth + 1) +
                        " (at byte " + std::to_string(*at) + ")");
    try {
        return nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorKind::InvalidInput, source + ": malformed JSON: " + describeJsonException(e));
    } catch (const std::bad_alloc&) {
        return fail(ErrorKind::InvalidInput, source + ": JSON document too large to hold in memory");
    }
}

namespace {

// Sees every key of the top-level object and nothing else; values are skipped.
struct TopLevelKeys : nlohmann::json_sax<nlohmann::json>
{
    int depth = 0;
    std::set<std::string> seen;
    std::optional<std::string> duplicate;

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return ++depth, true; }
    bool end_object() override { return --depth, true; }
    bool start_array(std::size_t) override { return ++depth, true; }
    bool end_array() override { return --depth, true; }
    bool key(string_t& name) override
    {
        if (depth == 1 && !seen.insert(name).second)
            duplicate = name;
        return !duplicate; // stop at the first duplicate
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override
    {
        return false;
    }
};

} // namespace

std::optional<std::string> findDuplicateTopLevelKey(std::string_view text)
{
    TopLevelKeys keys;
    try {
        nlohmann::json::sax_parse(text.begin(), text.end(), &keys);
    } catch (const nlohmann::json::exception&) {
        return std::nullopt; // parseJson reports malformed text
    }
    return keys.duplicate;
}

Result<nlohmann::json> parseJsonObject(std::string_view text, const std::string& source, JsonLimits limits)
{
    auto doc = parseJson(text, source, limits);
    if (doc && !doc->is_object())
        return fail(ErrorKind::InvalidInput,
                    source + ": expected a JSON object, got " + std::string(doc->type_name()));
    return doc;
}

} // namespace mwb
