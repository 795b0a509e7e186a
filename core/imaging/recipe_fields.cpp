#include "imaging/recipe_fields.h"

#include "input_limits.h"

#include <cfenv>
#include <cmath>

namespace mwb {

bool RecipeFields::has(const char* key) const
{
    return find(key) != nullptr;
}

const nlohmann::json* RecipeFields::find(const char* key) const
{
    const auto it = m_object.find(key);
    return it == m_object.end() || it->is_null() ? nullptr : &*it;
}

std::unexpected<Error> RecipeFields::error(const std::string& field, const std::string& problem) const
{
    return fail(ErrorKind::InvalidInput, m_fileLabel + ": field '" + field + "' " + problem);
}

Result<bool> RecipeFields::boolean(const char* key, bool fallback) const
{
    const nlohmann::json* value = find(key);
    if (!value)
        return fallback;
    if (!value->is_boolean())
        return error(key, "must be true or false");
    return value->get<bool>();
}

Result<double> RecipeFields::positiveNumber(const char* key, double fallback) const
{
    const nlohmann::json* value = find(key);
    if (!value)
        return fallback;
    if (!value->is_number() || !(value->get<double>() > 0.0) || !std::isfinite(value->get<double>()))
        return error(key, "must be a positive number");
    return value->get<double>();
}

Result<int> RecipeFields::positiveInt(const char* key, int fallback) const
{
    const nlohmann::json* value = find(key);
    if (!value)
        return fallback;
    return positiveIntIn(*value, key);
}

Result<std::string> RecipeFields::string(const char* key, const std::string& fallback) const
{
    const nlohmann::json* value = find(key);
    if (!value)
        return fallback;
    if (!value->is_string())
        return error(key, "must be a string");
    return value->get<std::string>();
}

Result<std::vector<double>>
RecipeFields::numbers(const char* key, std::vector<double> fallback, bool nonZero) const
{
    const nlohmann::json* value = find(key);
    if (!value)
        return fallback;
    if (value->is_number()) // a bare number means the same value for every channel
        return numbersFromArray(key, nlohmann::json::array({*value}), nonZero);
    return numbersFromArray(key, *value, nonZero);
}

Result<std::vector<double>>
RecipeFields::numbersFromArray(const char* key, const nlohmann::json& array, bool nonZero) const
{
    if (!array.is_array() || array.empty())
        return error(key, "must be a list of numbers");
    std::vector<double> out;
    for (const auto& item : array) {
        if (!item.is_number() || !std::isfinite(item.get<double>()))
            return error(key, "must be a list of numbers");
        if (nonZero && item.get<double>() == 0.0)
            return error(key, "must not contain 0");
        out.push_back(item.get<double>());
    }
    return out;
}

Result<int> RecipeFields::positiveIntIn(const nlohmann::json& value, const std::string& path) const
{
    // Sizes beyond the limit are refused before anything is allocated for them.
    constexpr auto kMaxSide = static_cast<long long>(limits::kPreprocessSide.value);
    if (!value.is_number_integer() || value.get<long long>() <= 0)
        return error(path, "must be a positive integer up to " + std::to_string(kMaxSide));
    if (value.get<long long>() > kMaxSide)
        return error(path, "is " + std::to_string(value.get<long long>()) + ": " +
                               exceedsLimit(limits::kPreprocessSide, std::uint64_t(value.get<long long>())));
    return int(value.get<long long>());
}

long long roundHalfEven(double value)
{
    return std::llrint(value); // the default rounding mode, FE_TONEAREST, is half to even
}

} // namespace mwb
