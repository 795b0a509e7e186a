// mwb weights inspect | import

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "weights/weight_inspection.h"

#include <QString>

#include <nlohmann/json.hpp>

namespace mwb::cli {

namespace {

using json = nlohmann::json;

// ---- mwb weights inspect ------------------------------------------------------------------------

bool isPickleFormat(const std::string& format)
{
    return format.starts_with("torch") || format == "pickle";
}

const char* kInspectUsage = "mwb weights inspect FILE [--json]";

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

json inspectionJson(const std::string& path, const WeightFileInfo& info)
{
    json tensors = json::array();
    for (const TensorInfo& t : info.tensors)
        tensors.push_back({{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape}, {"bytes", t.bytes}});
    json doc = {{"path", path},
                {"format", info.format},
                {"metadata", info.metadata},
                {"tensors", tensors},
                {"tensor_count", info.tensors.size()},
                {"total_bytes", info.totalBytes}};
    if (isPickleFormat(info.format)) {
        json globals = json::array();
        for (const PickleGlobal& g : info.pickleGlobals)
            globals.push_back({{"module", g.module}, {"name", g.name}, {"verdict", verdictName(g.verdict)}});
        doc["pickle_globals"] = globals;
        doc["verdict"] = verdictName(info.verdict);
    }
    return doc;
}

void printInspection(const std::string& path, const WeightFileInfo& info)
{
    printLine("file: " + path);
    printLine("format: " + info.format);
    for (const auto& [key, value] : info.metadata)
        printLine("metadata: " + key + " = " + value);
    printLine("tensors: " + std::to_string(info.tensors.size()) + " (" + std::to_string(info.totalBytes) +
              " bytes)");
    for (const TensorInfo& t : info.tensors)
        printLine("  " + t.name + "  " + t.dtype + "  " + shapeText(t.shape));
    if (!isPickleFormat(info.format))
        return;
    printLine("pickle globals:");
    for (const PickleGlobal& g : info.pickleGlobals)
        printLine("  " + g.module + "." + g.name + "  " + verdictName(g.verdict));
    printLine(std::string("verdict: ") + verdictName(info.verdict));
}

int runInspect(const Args& args)
{
    CommandArgs options(args);
    const bool asJson = options.takeFlag("--json");
    auto positionals = options.positionals(1, 1, kInspectUsage);
    if (!positionals)
        return reportError(positionals.error());
    const std::string path = positionals->front();
    auto info = inspectWeightFile(QString::fromStdString(path));
    if (!info)
        return reportError(info.error());
    if (asJson)
        printJson(inspectionJson(path, *info));
    else
        printInspection(path, *info);
    if (info->verdict != PickleVerdict::Dangerous)
        return kExitOk;
    std::string dangerous;
    for (const PickleGlobal& g : info->pickleGlobals)
        if (g.verdict == PickleVerdict::Dangerous)
            dangerous += (dangerous.empty() ? "" : ", ") + g.module + "." + g.name;
    return reportError({ErrorKind::Unsafe, path + ": pickle imports " + dangerous +
                                               "; refused for safety (nothing was executed)"});
}

} // namespace

void addWeightsCommands(std::vector<Command>& commands)
{
    commands.push_back(
        {"weights inspect", kInspectUsage,
         "format, tensors (name, dtype, shape), metadata; for pickles the globals and a safety "
         "verdict (exit 3 if dangerous)",
         runInspect});
    // `mwb weights import` is registered here by the model area (it needs the models); see issue 3.
}

} // namespace mwb::cli
