#pragma once

// A config schema declares a model type's fields once: name, type, default, allowed range or choices,
// and help text, plus the rules that relate fields to each other. Validation, JSON I/O, `mwb config`
// and the GUI editor are all driven by this declaration, so a newly registered model type gets all of
// them for free.
//
// Schemas are immutable values built at registration time; reading them is safe from any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mwb {

enum class FieldType
{
    Integer,     // JSON integer within [minimum, maximum]
    Boolean,     // JSON true/false
    Choice,      // JSON string, one of `choices`
    IntegerList, // JSON array of exactly `listLength` integers, each within [minimum, maximum]
};

struct FieldSpec
{
    std::string name;
    FieldType type = FieldType::Integer;
    nlohmann::json defaultValue;
    std::int64_t minimum = 0;
    std::int64_t maximum = 0;
    std::vector<std::string> choices;
    int listLength = 0;
    std::string label; // short human name for the editor
    std::string help;  // one or two sentences: what it does and what is allowed
    // The field describes the data (classes, input channels), not the architecture: applying a preset
    // keeps its value (and the labels that go with it).
    bool keptByPresets = false;

    // "an integer from 1 to 64", "one of \"basic\", \"bottleneck\"", ...: used in messages and help.
    std::string allowedDescription() const;
};

// One problem found in a config: the field at fault (a JSON key) and what is wrong with it, phrased
// so that it says what is allowed.
struct FieldProblem
{
    std::string field;
    std::string message;

    friend bool operator==(const FieldProblem&, const FieldProblem&) = default;
};

// A cross-field rule sees the effective config (defaults filled in, every schema field individually
// valid) and appends problems for the fields at fault.
using CrossFieldRule =
    std::function<void(const nlohmann::json& effective, std::vector<FieldProblem>& problems)>;

struct ConfigSchema
{
    std::string modelType;
    std::string displayName;
    std::vector<FieldSpec> fields;
    std::vector<CrossFieldRule> rules;
    // Preset name -> values that differ from the defaults. Ordered by name for stable listings.
    std::map<std::string, nlohmann::json> presets;

    const FieldSpec* field(const std::string& name) const;
    // The default config: `model_type` plus every field at its default.
    nlohmann::json defaults() const;
};

// Checks one value against its field spec; returns the problem message, or nothing when valid.
std::optional<std::string> checkFieldValue(const FieldSpec& spec, const nlohmann::json& value);

// Parses the text a user typed for a field (`--set KEY=VALUE`, an editor line) into a JSON value of
// the field's type. Lists accept "[3,4,6,3]" and "3,4,6,3". The result is not range-checked.
std::optional<nlohmann::json> parseFieldText(const FieldSpec& spec, const std::string& text);

// Formats a JSON value for humans: strings unquoted unless empty ("\"\"").
std::string displayValue(const nlohmann::json& value);

} // namespace mwb
