// mwb config new | validate | show

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "config/config_io.h"
#include "model/model_source.h"
#include "registry/model_registry.h"
#include "util/json_parse.h"

#include <QFileInfo>

#include <nlohmann/json.hpp>

namespace mwb::cli {

namespace {

using json = nlohmann::json;

const ConfigSchema& resnetSchema()
{
    return **ModelRegistry::builtin().schema("resnet");
}

// transformers' own keys that `--set` may also change; their values are JSON.
bool isCommonKey(const std::string& key)
{
    static const std::vector<std::string> keys = {
        "id2label",    "label2id",     "architectures",       "auto_map",
        "torch_dtype", "problem_type", "transformers_version"};
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

Result<void> applySetting(json& doc, const ConfigSchema& schema, const std::string& setting)
{
    const auto eq = setting.find('=');
    if (eq == std::string::npos || eq == 0)
        return fail(ErrorKind::InvalidInput, "--set " + setting + ": expected KEY=VALUE");
    const std::string key = setting.substr(0, eq);
    const std::string text = setting.substr(eq + 1);
    if (const FieldSpec* spec = schema.field(key)) {
        auto value = parseFieldText(*spec, text);
        if (!value)
            return fail(ErrorKind::InvalidInput,
                        key + ": \"" + text + "\" is not valid; expected " + spec->allowedDescription());
        if (auto problem = checkFieldValue(*spec, *value))
            return fail(ErrorKind::InvalidInput, key + ": " + *problem);
        doc[key] = *value;
        return {};
    }
    if (isCommonKey(key)) {
        auto value = parseJson(text, "--set " + key);
        doc[key] = value ? *value : json(text);
        return {};
    }
    std::string known;
    for (const FieldSpec& f : schema.fields)
        known += (known.empty() ? "" : ", ") + f.name;
    return fail(ErrorKind::InvalidInput, "--set " + key + ": unknown field; known fields: " + known);
}

int reportProblems(const std::string& source, const std::vector<FieldProblem>& problems, bool asJson)
{
    if (asJson) {
        json list = json::array();
        for (const FieldProblem& p : problems)
            list.push_back({{"field", p.field}, {"message", p.message}});
        printJson({{"path", source}, {"valid", false}, {"problems", list}});
    } else {
        for (const FieldProblem& p : problems)
            printLine(p.field + ": " + p.message);
    }
    return reportError({ErrorKind::InvalidInput, source + ": invalid config (" +
                                                     std::to_string(problems.size()) +
                                                     (problems.size() == 1 ? " problem)" : " problems)")});
}

// Reads and validates a config; on failure reports and returns the exit code. The two model_type
// "resnet" families, timm's configs (with `architecture`) and TimmWrapper configs are told apart by
// their fields; a config of another format is translated to the internal ResNet's fields, and a field
// with no equivalent is reported as a problem.
struct LoadedConfig
{
    json doc; // the tutorial's fields (translated when the file is of another format)
    const ConfigSchema* schema = nullptr;
    std::string source;
    SourceFormat format = SourceFormat::Tutorial;
    std::string evidence;
    std::string architecture;
};

FieldProblem problemOf(const Error& error)
{
    const auto colon = error.message.find(": ");
    if (colon == std::string::npos || error.message.find(' ') < colon)
        return {"config", error.message};
    return {error.message.substr(0, colon), error.message.substr(colon + 2)};
}

std::variant<LoadedConfig, int> loadValidConfig(const std::string& pathArg, bool asJson)
{
    const QString path = configFilePath(QString::fromStdString(pathArg));
    auto doc = readConfigFile(path);
    if (!doc)
        return reportError(doc.error());
    const std::string source = path.toStdString();
    auto translated = modelSourceFromConfig(*doc);
    if (!translated)
        return reportProblems(source, {problemOf(translated.error())}, asJson);
    auto schema = ModelRegistry::builtin().schemaForConfig(translated->config);
    if (!schema) {
        const auto colon = schema.error().message.find(": ");
        return reportProblems(source, {{"model_type", schema.error().message.substr(colon + 2)}}, asJson);
    }
    const auto problems = validateConfig(translated->config, **schema);
    if (!problems.empty())
        return reportProblems(source, problems, asJson);
    return LoadedConfig{
        std::move(translated->config), *schema, source, translated->format, translated->evidence,
        translated->architecture};
}

int configNew(const Args& args);
int configValidate(const Args& args);
int configShow(const Args& args);

} // namespace

void addConfigCommands(std::vector<Command>& commands)
{
    commands.push_back({"config new", "mwb config new [--preset NAME] [--set KEY=VALUE]... -o PATH",
                        "write a config (PATH a folder or a .json file)", configNew});
    commands.push_back({"config validate", "mwb config validate PATH [--json]",
                        "exit 0 if valid; else exit 2 and one line per problem: FIELD: message",
                        configValidate});
    commands.push_back({"config show", "mwb config show PATH [--json]",
                        "the effective config, defaults filled in", configShow});
}

namespace {

int configNew(const Args& argv)
{
    const std::string usage = "mwb config new [--preset NAME] [--set KEY=VALUE]... -o PATH";
    CommandArgs args(argv);
    auto preset = args.takeOption({"--preset"});
    auto settings = args.takeOptions("--set");
    auto output = args.takeOption({"-o", "--output"});
    auto rest = args.positionals(0, 0, usage);
    for (const Error* e : {preset ? nullptr : &preset.error(), settings ? nullptr : &settings.error(),
                           output ? nullptr : &output.error(), rest ? nullptr : &rest.error()}) {
        if (e)
            return reportError(*e);
    }
    if (!*output)
        return reportError({ErrorKind::InvalidInput, "-o PATH is required; usage: " + usage});

    const ConfigSchema& schema = resnetSchema();
    json doc = schema.defaults();
    if (*preset) {
        auto it = schema.presets.find(**preset);
        if (it == schema.presets.end()) {
            std::string known;
            for (const auto& [name, values] : schema.presets)
                known += (known.empty() ? "" : ", ") + name;
            return reportError(
                {ErrorKind::InvalidInput, "--preset: unknown preset \"" + **preset + "\"; known: " + known});
        }
        doc.update(it->second);
    }
    for (const std::string& setting : *settings) {
        if (auto applied = applySetting(doc, schema, setting); !applied)
            return reportError(applied.error());
    }
    // Nothing is written unless the whole config is valid.
    if (auto problems = validateConfig(doc, schema); !problems.empty())
        return reportProblems("config", problems, false);

    const QString path = configFilePath(QString::fromStdString(**output));
    if (auto written = writeConfigFile(path, configForSaving(doc, schema)); !written)
        return reportError(written.error());
    printLine("wrote " + QFileInfo(path).filePath().toStdString());
    return kExitOk;
}

int configValidate(const Args& argv)
{
    const std::string usage = "mwb config validate PATH [--json]";
    CommandArgs args(argv);
    const bool asJson = args.takeFlag("--json");
    auto rest = args.positionals(1, 1, usage);
    if (!rest)
        return reportError(rest.error());
    auto loaded = loadValidConfig(rest->front(), asJson);
    if (const int* code = std::get_if<int>(&loaded))
        return *code;
    const auto& config = std::get<LoadedConfig>(loaded);
    if (asJson) {
        printJson({{"path", config.source},
                   {"valid", true},
                   {"problems", json::array()},
                   {"format", sourceFormatId(config.format)},
                   {"format_name", sourceFormatName(config.format)},
                   {"evidence", config.evidence},
                   {"architecture", config.architecture}});
    } else {
        printLine(config.source + ": valid " + config.schema->modelType +
                  " config: " + sourceFormatName(config.format) + " (" + config.evidence + ")" +
                  (config.architecture.empty() ? "" : ", architecture " + config.architecture));
    }
    return kExitOk;
}

int configShow(const Args& argv)
{
    const std::string usage = "mwb config show PATH [--json]";
    CommandArgs args(argv);
    const bool asJson = args.takeFlag("--json");
    auto rest = args.positionals(1, 1, usage);
    if (!rest)
        return reportError(rest.error());
    auto loaded = loadValidConfig(rest->front(), asJson);
    if (const int* code = std::get_if<int>(&loaded))
        return *code;
    const auto& config = std::get<LoadedConfig>(loaded);
    const json effective = effectiveConfig(config.doc, *config.schema);
    if (asJson) {
        printJson(effective);
        return kExitOk;
    }
    printLine("model_type: " + config.schema->modelType + "  (" + config.source + ")");
    if (config.format != SourceFormat::Tutorial)
        printLine("format: " + sourceFormatName(config.format) +
                  ", shown as the equivalent ResnetConfig fields");
    for (const FieldSpec& spec : config.schema->fields) {
        const bool isDefault = !config.doc.contains(spec.name);
        printLine("  " + spec.name + std::string(16 - std::min<size_t>(15, spec.name.size()), ' ') +
                  displayValue(effective[spec.name]) + (isDefault ? "  (default)" : ""));
    }
    for (const auto& [key, value] : effective.items()) {
        if (!config.schema->field(key) && key != "model_type")
            printLine("  " + key + std::string(16 - std::min<size_t>(15, key.size()), ' ') + value.dump());
    }
    return kExitOk;
}

} // namespace

} // namespace mwb::cli
