#include "review/auto_map.h"

#include <algorithm>

namespace mwb::review {

std::string CodeReference::modulePath() const
{
    std::string path = module;
    std::replace(path.begin(), path.end(), '.', '/');
    return path + ".py";
}

bool hasCustomCode(const nlohmann::json& config)
{
    const auto it = config.find("auto_map");
    return it != config.end() && it->is_object() && !it->empty();
}

namespace {

bool validIdentifierPath(const std::string& text)
{
    if (text.empty() || text.front() == '.' || text.back() == '.' || text.find("..") != std::string::npos)
        return false;
    return std::all_of(text.begin(), text.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c >= 0x80; });
}

// "module.Class" or "org/repo--module.Class".
std::optional<CodeReference> parseValue(const std::string& value, std::string& problem)
{
    CodeReference ref;
    ref.raw = value;
    std::string rest = value;
    if (const auto sep = value.find("--"); sep != std::string::npos) {
        ref.upstreamRepo = value.substr(0, sep);
        rest = value.substr(sep + 2);
        if (ref.upstreamRepo.empty() || ref.upstreamRepo.find("..") != std::string::npos) {
            problem = "\"" + value + "\" names no valid repo before \"--\"";
            return std::nullopt;
        }
    }
    const auto dot = rest.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == rest.size()) {
        problem = "\"" + value + "\" is not of the form module.Class";
        return std::nullopt;
    }
    ref.module = rest.substr(0, dot);
    ref.className = rest.substr(dot + 1);
    if (!validIdentifierPath(ref.module) || !validIdentifierPath(ref.className)) {
        problem = "\"" + value + "\" is not a valid module.Class reference";
        return std::nullopt;
    }
    return ref;
}

} // namespace

AutoMap parseAutoMap(const nlohmann::json& config)
{
    AutoMap out;
    const auto it = config.find("auto_map");
    if (it == config.end() || it->is_null())
        return out;
    if (!it->is_object()) {
        out.problems.push_back("auto_map: expected an object");
        return out;
    }
    for (const auto& [autoClass, value] : it->items()) {
        const std::string where = "auto_map." + autoClass;
        auto add = [&](const nlohmann::json& v, const std::string& slot) {
            if (v.is_null())
                return;
            if (!v.is_string()) {
                out.problems.push_back(where + ": expected a string, got " + std::string(v.type_name()));
                return;
            }
            std::string problem;
            if (auto ref = parseValue(v.get<std::string>(), problem)) {
                ref->autoClass = autoClass;
                ref->slot = slot;
                out.references.push_back(std::move(*ref));
            } else {
                out.problems.push_back(where + ": " + problem);
            }
        };
        if (value.is_array()) {
            if (value.size() != 2)
                out.problems.push_back(where + ": expected [slow, fast], got " +
                                       std::to_string(value.size()) + " elements");
            for (size_t i = 0; i < value.size() && i < 2; ++i)
                add(value[i], i == 0 ? "slow" : "fast");
        } else {
            add(value, "");
        }
    }
    return out;
}

} // namespace mwb::review
