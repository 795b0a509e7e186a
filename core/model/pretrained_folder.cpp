// Pretrained folders (save_pretrained / from_pretrained) and building a model from a config document.

#include "config/config_io.h"
#include "model/model_internal.h"
#include "registry/model_registry.h"
#include "weights/weight_reader.h"

#include <QDir>
#include <QFileInfo>

namespace mwb {

namespace {

// The registration to build: the one `taskOrClassName` names, else the config's first architecture,
// else the image-classification class (the tutorial's main use; both wrappers share their weights).
Result<const ModelRegistration*> chooseRegistration(const std::string& modelType,
                                                    const nlohmann::json& config,
                                                    const std::string& taskOrClassName)
{
    const ModelRegistry& registry = ModelRegistry::builtin();
    std::string wanted = taskOrClassName;
    std::string field = "task";
    if (wanted.empty() && config.contains("architectures") && config["architectures"].is_array() &&
        !config["architectures"].empty() && config["architectures"][0].is_string()) {
        wanted = config["architectures"][0].get<std::string>();
        field = "architectures";
    }
    if (wanted.empty())
        wanted = kAutoModelForImageClassification;
    if (const ModelRegistration* registration = registry.model(modelType, wanted))
        return registration;
    std::string known;
    for (const ModelRegistration& r : registry.models(modelType))
        known += (known.empty() ? "" : ", ") + r.className + " (" + r.task + ")";
    return fail(ErrorKind::InvalidInput, field + ": \"" + wanted +
                                             "\" is not a class registered for model_type \"" + modelType +
                                             "\"; known: " + (known.empty() ? "none" : known));
}

} // namespace

Result<std::unique_ptr<Model>> Model::fromConfig(const nlohmann::json& config,
                                                 const std::string& taskOrClassName)
{
    auto schema = ModelRegistry::builtin().schemaForConfig(config);
    if (!schema)
        return std::unexpected(schema.error());
    const auto problems = validateConfig(config, **schema);
    if (!problems.empty()) {
        std::string text = "invalid config:";
        for (const FieldProblem& p : problems)
            text += " " + p.field + ": " + p.message + ";";
        text.pop_back();
        return fail(ErrorKind::InvalidInput, text);
    }
    const nlohmann::json effective = effectiveConfig(config, **schema);
    auto registration = chooseRegistration((*schema)->modelType, effective, taskOrClassName);
    if (!registration)
        return std::unexpected(registration.error());
    return (*registration)->factory(effective);
}

Result<std::unique_ptr<Model>> Model::fromPretrained(const QString& folder,
                                                     const std::string& taskOrClassName)
{
    if (!QFileInfo(folder).isDir())
        return fail(ErrorKind::InvalidInput,
                    folder.toStdString() +
                        ": not a folder (a pretrained model is a folder with config.json and weights)");
    auto config = readConfigFile(configFilePath(folder));
    if (!config)
        return std::unexpected(config.error());
    auto model = fromConfig(*config, taskOrClassName);
    if (!model)
        return fail(model.error().kind, configFilePath(folder).toStdString() + ": " + model.error().message);
    auto loaded = (*model)->applyWeights(folder);
    if (!loaded)
        return std::unexpected(loaded.error());
    return model;
}

Result<void> Model::savePretrained(const QString& folder) const
{
    if (!QDir().mkpath(folder))
        return fail(ErrorKind::Io, folder.toStdString() + ": cannot create the folder");
    auto schema = ModelRegistry::builtin().schema(m_impl->modelType);
    if (!schema)
        return std::unexpected(schema.error());
    nlohmann::json config = configForSaving(m_impl->config, **schema);
    config["architectures"] = nlohmann::json::array({m_impl->className});
    config["torch_dtype"] = "float32";

    // Weights first: a folder whose config.json is new always has the weights that go with it.
    const QDir dir(folder);
    auto weights = writeSafetensors(dir.filePath(QStringLiteral("model.safetensors")),
                                    modelStateDict(*this, /*wrapperPrefix=*/true), {{"format", "pt"}});
    if (!weights)
        return weights;
    return writeConfigFile(dir.filePath(QStringLiteral("config.json")), config);
}

} // namespace mwb
