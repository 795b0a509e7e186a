#pragma once

// The registry maps a `model_type` to its config schema and to model factories per task, in the
// spirit of transformers' AutoConfig.register / AutoModel.register. Registering checks consistency
// and refuses to overwrite silently.
//
// `ModelRegistry::builtin()` is created once with every model type this project implements and is
// read-only afterwards, so any thread may read it. It is defined in model/builtin_registry.cpp, next
// to the types it registers: registry/ itself depends on no config or model type. Registries built by hand
// are not synchronised.

#include "config/config_schema.h"
#include "error.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mwb {

class Model; // core/model/model.h

// The Auto classes a model can be registered for.
inline constexpr const char* kAutoModel = "AutoModel";
inline constexpr const char* kAutoModelForImageClassification = "AutoModelForImageClassification";

// Builds a model from an effective, validated config.
using ModelFactory = std::function<Result<std::unique_ptr<Model>>(const nlohmann::json& effectiveConfig)>;

struct ModelRegistration
{
    std::string task;      // kAutoModel, kAutoModelForImageClassification
    std::string className; // the Python class this implements, e.g. "ResnetModelForImageClassification"
    ModelFactory factory;
};

class ModelRegistry
{
public:
    static const ModelRegistry& builtin();

    // AutoConfig.register(model_type, config): the schema's model_type must equal `modelType`.
    Result<void> registerConfig(const std::string& modelType, std::shared_ptr<const ConfigSchema> schema);
    // AutoModel*.register(config, model): the config must be registered and the task not yet taken.
    Result<void> registerModel(const std::string& modelType, ModelRegistration registration);

    std::vector<std::string> modelTypes() const;
    Result<const ConfigSchema*> schema(const std::string& modelType) const;
    // The schema for a config document, from its `model_type`.
    Result<const ConfigSchema*> schemaForConfig(const nlohmann::json& doc) const;
    // The registration for a task, or for a Python class name listed in `architectures`/`auto_map`.
    const ModelRegistration* model(const std::string& modelType, const std::string& taskOrClassName) const;
    std::vector<ModelRegistration> models(const std::string& modelType) const;

private:
    struct Entry
    {
        std::shared_ptr<const ConfigSchema> schema;
        std::vector<ModelRegistration> models;
    };
    std::map<std::string, Entry> m_entries;
};

} // namespace mwb
