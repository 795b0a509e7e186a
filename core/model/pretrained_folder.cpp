// Pretrained folders (save_pretrained / from_pretrained) and building a model from a config document.

#include "config/config_io.h"
#include "input_limits.h"
#include "model/model_internal.h"
#include "model/resnet_spec.h"
#include "registry/model_registry.h"
#include "weights/weight_inspection.h"
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

// A strict load needs a value for every parameter. Counting what the folder's weight file holds from
// its header (nothing is loaded) lets a config that describes a far larger model than its weights
// (num_classes 1,000,000 next to a small file) fail before gigabytes are allocated for it.
Result<void> weightsCanFill(const QString& folder, const nlohmann::json& effective)
{
    QString weights;
    for (const char* name : {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                             "pytorch_model.bin.index.json"})
        if (weights.isEmpty() && QFileInfo(QDir(folder).filePath(QString::fromLatin1(name))).isFile())
            weights = QDir(folder).filePath(QString::fromLatin1(name));
    if (weights.isEmpty())
        return {}; // applyWeights explains what is missing
    auto info = inspectWeightFile(weights);
    if (!info)
        return std::unexpected(info.error());
    std::uint64_t values = 0;
    for (const TensorInfo& tensor : info->tensors) {
        std::uint64_t elements = 1;
        for (std::int64_t dim : tensor.shape)
            elements =
                __builtin_mul_overflow(elements, std::uint64_t(dim), &elements) ? UINT64_MAX : elements;
        values = __builtin_add_overflow(values, elements, &values) ? UINT64_MAX : values;
    }
    const std::uint64_t needed = countParameters(ResnetSpec::fromConfig(effective)).total();
    // A small shortfall is left to the load report, which names each missing tensor; this check is
    // for configs whose model would be gigabytes larger than anything the file could fill.
    constexpr std::uint64_t kShortfallWorthRefusing = 250'000'000; // values, 1 GB as float32
    if (values < needed && needed - values > kShortfallWorthRefusing)
        return fail(ErrorKind::InvalidInput, "config.json describes " + std::to_string(needed) +
                                                 " parameters but " + weights.toStdString() + " holds only " +
                                                 std::to_string(values) +
                                                 " values; refused before allocating the model");
    return {};
}

Result<void> Model::checkWeightsCanFill(const nlohmann::json& config, const QString& folder)
{
    auto schema = ModelRegistry::builtin().schemaForConfig(config);
    if (!schema || (*schema)->modelType != "resnet" || !validateConfig(config, **schema).empty())
        return {}; // fromConfig reports what is wrong with the config
    return weightsCanFill(folder, effectiveConfig(config, **schema));
}

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
    if (auto fits = checkWeightsCanFill(*config, folder); !fits)
        return std::unexpected(fits.error());
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
