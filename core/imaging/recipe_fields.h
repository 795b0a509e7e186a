#pragma once

// Typed, validated reads of the fields of a JSON object for the preprocessing recipe. Each read takes
// the value used when the field is missing or null (as the Python tools treat null) and returns an
// error naming the file and the field when the value has the wrong type or range. Internal to
// core/imaging.

#include "error.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mwb {

class RecipeFields
{
public:
    RecipeFields(const nlohmann::json& object, std::string fileLabel)
        : m_object(object), m_fileLabel(std::move(fileLabel))
    {}

    bool has(const char* key) const;
    const nlohmann::json* find(const char* key) const; // null when missing or JSON null

    Result<bool> boolean(const char* key, bool fallback) const;
    Result<double> positiveNumber(const char* key, double fallback) const;
    Result<int> positiveInt(const char* key, int fallback) const;
    Result<std::string> string(const char* key, const std::string& fallback) const;
    // A list of numbers; `nonZero` rejects zeros (a std of 0 would divide by zero).
    Result<std::vector<double>> numbers(const char* key, std::vector<double> fallback, bool nonZero) const;
    // A positive integer inside a nested object, e.g. size.shortest_edge.
    Result<int> positiveIntIn(const nlohmann::json& object, const std::string& path) const;

    std::unexpected<Error> error(const std::string& field, const std::string& problem) const;
    const std::string& fileLabel() const { return m_fileLabel; }

private:
    Result<std::vector<double>>
    numbersFromArray(const char* key, const nlohmann::json& array, bool nonZero) const;

    const nlohmann::json& m_object;
    std::string m_fileLabel;
};

// Python's round(): half to even.
long long roundHalfEven(double value);

} // namespace mwb
