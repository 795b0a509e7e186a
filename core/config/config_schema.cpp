#include "config/config_schema.h"

#include "util/json_parse.h"

#include <sstream>

namespace mwb {

namespace {

std::string quoted(const std::string& s)
{
    return "\"" + s + "\"";
}

std::string joinChoices(const std::vector<std::string>& choices)
{
    std::string out;
    for (size_t i = 0; i < choices.size(); ++i) {
        out += (i == 0 ? "" : ", ") + quoted(choices[i]);
    }
    return out;
}

std::string jsonTypeName(const nlohmann::json& v)
{
    if (v.is_number_integer())
        return "an integer";
    if (v.is_number_float())
        return "a non-integer number";
    if (v.is_boolean())
        return "a boolean";
    if (v.is_string())
        return "a string";
    if (v.is_array())
        return "a list";
    if (v.is_object())
        return "an object";
    return "null";
}

std::optional<std::string>
checkInteger(const FieldSpec& spec, const nlohmann::json& v, const std::string& what)
{
    if (!v.is_number_integer()) {
        return what + " must be an integer, got " + jsonTypeName(v) + " (" + v.dump() + ")";
    }
    // Unsigned JSON numbers above INT64_MAX cannot fit any field.
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(spec.maximum)) {
        return what + " is " + v.dump() + "; allowed: " + std::to_string(spec.minimum) + " to " +
               std::to_string(spec.maximum);
    }
    const auto n = v.get<std::int64_t>();
    if (n < spec.minimum || n > spec.maximum) {
        return what + " is " + std::to_string(n) + "; allowed: " + std::to_string(spec.minimum) + " to " +
               std::to_string(spec.maximum);
    }
    return std::nullopt;
}

} // namespace

std::string FieldSpec::allowedDescription() const
{
    switch (type) {
    case FieldType::Integer:
        return "an integer from " + std::to_string(minimum) + " to " + std::to_string(maximum);
    case FieldType::Boolean:
        return "true or false";
    case FieldType::Choice:
        return "one of " + joinChoices(choices);
    case FieldType::IntegerList:
        return "a list of " + std::to_string(listLength) + " integers, each from " + std::to_string(minimum) +
               " to " + std::to_string(maximum);
    }
    return {};
}

const FieldSpec* ConfigSchema::field(const std::string& name) const
{
    for (const FieldSpec& f : fields) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

nlohmann::json ConfigSchema::defaults() const
{
    nlohmann::json out = nlohmann::json::object();
    out["model_type"] = modelType;
    for (const FieldSpec& f : fields)
        out[f.name] = f.defaultValue;
    return out;
}

std::optional<std::string> checkFieldValue(const FieldSpec& spec, const nlohmann::json& value)
{
    switch (spec.type) {
    case FieldType::Integer:
        return checkInteger(spec, value, "value");
    case FieldType::Boolean:
        if (!value.is_boolean())
            return "must be true or false, got " + jsonTypeName(value) + " (" + value.dump() + ")";
        return std::nullopt;
    case FieldType::Choice:
        if (!value.is_string())
            return "must be a string, one of " + joinChoices(spec.choices) + "; got " + jsonTypeName(value) +
                   " (" + value.dump() + ")";
        for (const std::string& c : spec.choices) {
            if (c == value.get<std::string>())
                return std::nullopt;
        }
        return quoted(value.get<std::string>()) + " is not allowed; allowed: " + joinChoices(spec.choices);
    case FieldType::IntegerList: {
        if (!value.is_array()) {
            return "must be " + spec.allowedDescription() + ", got " + jsonTypeName(value) + " (" +
                   value.dump() + ")";
        }
        if (static_cast<int>(value.size()) != spec.listLength) {
            return "must have exactly " + std::to_string(spec.listLength) + " entries (one per stage), got " +
                   std::to_string(value.size());
        }
        for (size_t i = 0; i < value.size(); ++i) {
            if (auto problem = checkInteger(spec, value[i], "entry " + std::to_string(i)))
                return problem;
        }
        return std::nullopt;
    }
    }
    return std::nullopt;
}

std::optional<nlohmann::json> parseFieldText(const FieldSpec& spec, const std::string& text)
{
    switch (spec.type) {
    case FieldType::Choice:
        // A JSON string literal or the bare text; `""` is how the empty choice is typed.
        if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
            return nlohmann::json(text.substr(1, text.size() - 2));
        return nlohmann::json(text);
    case FieldType::Boolean:
        if (text == "true" || text == "1" || text == "yes")
            return nlohmann::json(true);
        if (text == "false" || text == "0" || text == "no")
            return nlohmann::json(false);
        return std::nullopt;
    case FieldType::Integer:
    case FieldType::IntegerList: {
        std::string body = text;
        if (spec.type == FieldType::IntegerList && (body.empty() || body.front() != '['))
            body = "[" + body + "]";
        auto parsed = parseJson(body, "value");
        if (!parsed)
            return std::nullopt;
        return *parsed;
    }
    }
    return std::nullopt;
}

std::string displayValue(const nlohmann::json& value)
{
    if (value.is_string()) {
        const auto s = value.get<std::string>();
        return s.empty() ? std::string("\"\"") : s;
    }
    return value.dump();
}

} // namespace mwb
