#include "registry/model_registry.h"

namespace mwb {

// ModelRegistry::builtin() is defined with the model types it lists (model/builtin_registry.cpp), so
// registry/ knows no model type and config/ may depend on it without a cycle.

Result<void> ModelRegistry::registerConfig(const std::string& modelType,
                                           std::shared_ptr<const ConfigSchema> schema)
{
    if (modelType.empty())
        return fail(ErrorKind::InvalidInput, "cannot register a config with an empty model_type");
    if (!schema)
        return fail(ErrorKind::InvalidInput,
                    "cannot register model_type \"" + modelType + "\" without a schema");
    if (schema->modelType != modelType) {
        return fail(ErrorKind::InvalidInput, "the config schema has model_type \"" + schema->modelType +
                                                 "\" but is being registered as \"" + modelType +
                                                 "\"; they must match");
    }
    if (m_entries.contains(modelType)) {
        return fail(ErrorKind::InvalidInput,
                    "model_type \"" + modelType + "\" is already registered; pick another name");
    }
    m_entries[modelType].schema = std::move(schema);
    return {};
}

Result<void> ModelRegistry::registerModel(const std::string& modelType, ModelRegistration registration)
{
    auto it = m_entries.find(modelType);
    if (it == m_entries.end()) {
        return fail(ErrorKind::InvalidInput,
                    "register the config for model_type \"" + modelType + "\" before its models");
    }
    if (!registration.factory)
        return fail(ErrorKind::InvalidInput, "model " + registration.className + " has no factory");
    for (const ModelRegistration& existing : it->second.models) {
        if (existing.task == registration.task || existing.className == registration.className) {
            return fail(ErrorKind::InvalidInput, "model_type \"" + modelType + "\" already has " +
                                                     existing.className + " registered for " + existing.task);
        }
    }
    it->second.models.push_back(std::move(registration));
    return {};
}

std::vector<std::string> ModelRegistry::modelTypes() const
{
    std::vector<std::string> out;
    for (const auto& [type, entry] : m_entries)
        out.push_back(type);
    return out;
}

Result<const ConfigSchema*> ModelRegistry::schema(const std::string& modelType) const
{
    auto it = m_entries.find(modelType);
    if (it != m_entries.end())
        return it->second.schema.get();
    std::string known;
    for (const auto& [type, entry] : m_entries)
        known += (known.empty() ? "\"" : ", \"") + type + "\"";
    return fail(ErrorKind::InvalidInput,
                "model_type: unknown model type \"" + modelType + "\"; known: " + known);
}

Result<const ConfigSchema*> ModelRegistry::schemaForConfig(const nlohmann::json& doc) const
{
    if (!doc.is_object() || !doc.contains("model_type")) {
        std::string known;
        for (const auto& [type, entry] : m_entries)
            known += (known.empty() ? "\"" : ", \"") + type + "\"";
        return fail(ErrorKind::InvalidInput,
                    "model_type: missing; a config must name its model type, one of " + known);
    }
    if (!doc["model_type"].is_string())
        return fail(ErrorKind::InvalidInput, "model_type: must be a string, got " + doc["model_type"].dump());
    return schema(doc["model_type"].get<std::string>());
}

const ModelRegistration* ModelRegistry::model(const std::string& modelType,
                                              const std::string& taskOrClassName) const
{
    auto it = m_entries.find(modelType);
    if (it == m_entries.end())
        return nullptr;
    for (const ModelRegistration& m : it->second.models) {
        if (m.task == taskOrClassName || m.className == taskOrClassName)
            return &m;
    }
    return nullptr;
}

std::vector<ModelRegistration> ModelRegistry::models(const std::string& modelType) const
{
    auto it = m_entries.find(modelType);
    return it == m_entries.end() ? std::vector<ModelRegistration>{} : it->second.models;
}

} // namespace mwb
