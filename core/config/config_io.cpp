#include "config/config_io.h"

#include "util/atomic_file.h"
#include "util/input_file.h"
#include "util/json_parse.h"

#include <charconv>

#include <QFile>
#include <QFileInfo>

namespace mwb {

namespace {

using json = nlohmann::json;

bool isIndexString(const std::string& key)
{
    long value = 0;
    const auto* end = key.data() + key.size();
    const auto [ptr, ec] = std::from_chars(key.data(), end, value);
    return !key.empty() && ec == std::errc() && ptr == end && value >= 0;
}

bool isStringList(const json& v)
{
    if (!v.is_array())
        return false;
    for (const auto& item : v) {
        if (!item.is_string())
            return false;
    }
    return true;
}

// transformers' own fields: checked for shape only, since their meaning is transformers'.
void validateCommonFields(const json& doc, const ConfigSchema& schema, std::vector<FieldProblem>& problems)
{
    if (doc.contains("model_type") && doc["model_type"] != schema.modelType) {
        problems.push_back({"model_type", "is " + doc["model_type"].dump() + " but this config is for \"" +
                                              schema.modelType + "\""});
    }
    if (doc.contains("architectures") && !doc["architectures"].is_null() &&
        !isStringList(doc["architectures"]))
        problems.push_back({"architectures", "must be a list of class names (strings)"});
    if (doc.contains("auto_map")) {
        const json& m = doc["auto_map"];
        bool ok = m.is_object();
        for (auto it = m.begin(); ok && it != m.end(); ++it) {
            ok = it->is_string() || it->is_array();
        }
        if (!ok)
            problems.push_back(
                {"auto_map", "must be an object mapping Auto class names to \"module.Class\""});
    }
    if (doc.contains("id2label")) {
        const json& m = doc["id2label"];
        bool ok = m.is_object();
        for (auto it = m.begin(); ok && it != m.end(); ++it)
            ok = isIndexString(it.key()) && it->is_string();
        if (!ok)
            problems.push_back({"id2label", "must be an object mapping class indices (\"0\", \"1\", ...) to "
                                            "label strings"});
    }
    if (doc.contains("label2id")) {
        const json& m = doc["label2id"];
        bool ok = m.is_object();
        for (auto it = m.begin(); ok && it != m.end(); ++it)
            ok = it->is_number_integer() && it->get<long>() >= 0;
        if (!ok)
            problems.push_back({"label2id", "must be an object mapping label strings to class indices"});
        else if (doc.contains("id2label") && doc["id2label"].is_object()) {
            for (auto it = m.begin(); it != m.end(); ++it) {
                const std::string index = std::to_string(it->get<long>());
                if (!doc["id2label"].contains(index) || doc["id2label"][index] != it.key()) {
                    problems.push_back(
                        {"label2id", "\"" + it.key() + "\" maps to " + index +
                                         " but id2label disagrees; label2id must invert id2label"});
                    break;
                }
            }
        }
    }
    static const std::vector<std::string> dtypes = {"float32", "float16", "bfloat16", "float64"};
    for (const char* key : {"torch_dtype", "dtype"}) {
        if (!doc.contains(key) || doc[key].is_null())
            continue;
        const json& v = doc[key];
        if (!v.is_string() || std::find(dtypes.begin(), dtypes.end(), v.get<std::string>()) == dtypes.end())
            problems.push_back({key, "is " + v.dump() +
                                         "; allowed: \"float32\", \"float16\", \"bfloat16\", "
                                         "\"float64\" or null"});
    }
    if (doc.contains("problem_type") && !doc["problem_type"].is_null()) {
        static const std::vector<std::string> kinds = {"regression", "single_label_classification",
                                                       "multi_label_classification"};
        const json& v = doc["problem_type"];
        if (!v.is_string() || std::find(kinds.begin(), kinds.end(), v.get<std::string>()) == kinds.end())
            problems.push_back(
                {"problem_type", "is " + v.dump() +
                                     "; allowed: \"regression\", "
                                     "\"single_label_classification\", \"multi_label_classification\""});
    }
    if (doc.contains("transformers_version") && !doc["transformers_version"].is_string())
        problems.push_back({"transformers_version", "must be a version string such as \"4.47.0\""});
}

} // namespace

QString configFilePath(const QString& pathOrFolder)
{
    const QFileInfo info(pathOrFolder);
    if (info.isDir() || (!info.exists() && !pathOrFolder.endsWith(QLatin1String(".json"))))
        return pathOrFolder + QLatin1String("/config.json");
    return pathOrFolder;
}

Result<json> parseConfigJson(const QByteArray& bytes, const std::string& sourceName)
{
    // nlohmann's message carries "at line L, column C"; depth and size are limited before parsing.
    auto parsed = parseJson(std::string_view(bytes.constData(), size_t(bytes.size())), sourceName);
    if (!parsed)
        return parsed;
    json doc = std::move(*parsed);
    if (!doc.is_object())
        return fail(ErrorKind::InvalidInput,
                    sourceName + ": a config must be a JSON object, got " + std::string(doc.type_name()));
    return doc;
}

Result<json> readConfigFile(const QString& pathOrFolder)
{
    const QString path = configFilePath(pathOrFolder);
    if (!QFileInfo::exists(path))
        return fail(ErrorKind::InvalidInput, path.toStdString() + ": no such file");
    // A config is a few kilobytes; FIFOs, devices and absurd sizes are refused before reading.
    auto bytes = readRegularFile(path, limits::kJsonBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    return parseConfigJson(*bytes, path.toStdString());
}

std::vector<FieldProblem> validateConfig(const json& doc, const ConfigSchema& schema)
{
    std::vector<FieldProblem> problems;
    if (!doc.is_object()) {
        problems.push_back({"(document)", "a config must be a JSON object"});
        return problems;
    }
    for (const FieldSpec& spec : schema.fields) {
        if (!doc.contains(spec.name))
            continue; // a missing field takes its default
        if (auto message = checkFieldValue(spec, doc[spec.name]))
            problems.push_back({spec.name, *message});
    }
    validateCommonFields(doc, schema, problems);
    // Cross-field rules assume every field is individually valid.
    if (problems.empty()) {
        const json effective = effectiveConfig(doc, schema);
        for (const CrossFieldRule& rule : schema.rules)
            rule(effective, problems);
    }
    return problems;
}

json effectiveConfig(const json& doc, const ConfigSchema& schema)
{
    json out = doc.is_object() ? doc : json::object();
    out["model_type"] = schema.modelType;
    for (const FieldSpec& spec : schema.fields) {
        if (!out.contains(spec.name))
            out[spec.name] = spec.defaultValue;
    }
    return out;
}

QByteArray serializeConfig(const json& doc)
{
    // nlohmann::json keeps object keys sorted; ensure_ascii matches Python's json.dumps default.
    const std::string text = doc.dump(2, ' ', /*ensure_ascii=*/true) + "\n";
    return QByteArray::fromStdString(text);
}

Result<void> writeConfigFile(const QString& pathOrFolder, const json& doc)
{
    return writeFileAtomically(configFilePath(pathOrFolder), serializeConfig(doc));
}

} // namespace mwb

namespace mwb {

nlohmann::json configForSaving(const nlohmann::json& doc, const ConfigSchema& schema)
{
    nlohmann::json out = effectiveConfig(doc, schema);
    if (!out.contains("transformers_version"))
        out["transformers_version"] = kTransformersFormatVersion;
    return out;
}

} // namespace mwb
