#pragma once

// Reading, validating and writing `config.json` as transformers does. A config is kept as the whole
// JSON document, so keys the schema does not know survive a round trip unchanged (as PretrainedConfig
// keeps **kwargs). Free functions, safe from any thread; errors come back as values naming the file.

#include "config/config_schema.h"
#include "error.h"

#include <QByteArray>
#include <QString>

namespace mwb {

// The version of the transformers config format this project writes in `transformers_version` when a
// document does not carry one already.
inline constexpr const char* kTransformersFormatVersion = "4.47.0";

// `PATH` itself when it names a file, else `PATH/config.json`.
QString configFilePath(const QString& pathOrFolder);

// Parses a config document; the top level must be a JSON object.
Result<nlohmann::json> parseConfigJson(const QByteArray& bytes, const std::string& sourceName);
Result<nlohmann::json> readConfigFile(const QString& pathOrFolder);

// Every problem with the document: wrong JSON types, values out of range, transformers' common fields
// of the wrong shape, and the schema's cross-field rules. Empty when the config is valid.
std::vector<FieldProblem> validateConfig(const nlohmann::json& doc, const ConfigSchema& schema);

// The document with `model_type` set and every missing schema field at its default.
nlohmann::json effectiveConfig(const nlohmann::json& doc, const ConfigSchema& schema);

// `json.dumps(indent=2, sort_keys=True) + "\n"`, as transformers writes config files.
QByteArray serializeConfig(const nlohmann::json& doc);

// Writes atomically; creates the folder when `pathOrFolder` names one.
Result<void> writeConfigFile(const QString& pathOrFolder, const nlohmann::json& doc);

} // namespace mwb

namespace mwb {

// What `save_pretrained` writes for a config: the effective config plus `transformers_version`.
nlohmann::json configForSaving(const nlohmann::json& doc, const ConfigSchema& schema);

} // namespace mwb
