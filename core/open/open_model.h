#pragma once

// Opening a model: the one function the CLI (`mwb classify`, `model summary`, `forward`, `weights
// import`, `load`, `model from-weights`, `model convert`) and the GUI ("Open model...") call. It
// resolves MODEL, applies the safe-load rule, recognises the source format, builds the internal
// ResNet and loads the weights through the format's key mapping.
//
// MODEL is one of:
//   - a local folder: config.json of any supported format (source_format.h) and weights; a folder
//     inside the Hub cache (models--org--name/snapshots/<commit>) keeps that repo and commit;
//   - a weight file (.safetensors, .pth, .pt, .bin, a shard index) with no config: a bare state_dict
//     whose architecture is inferred from its names and shapes; or a config .json file (fresh weights);
//   - REPO[@REVISION] ("org/name@v1.0", "org/name@<40-hex>"): resolved to one commit, downloaded
//     into the shared Hub cache (config, preprocessing, code and the one weight file used);
//   - builtin:NAME: a model the app ships (builtin/builtin_models.h).
//
// The safe-load rule: every pickle is scanned (globals only, nothing run) before any tensor is read,
// and one that imports anything off the allowlist is refused (Unsafe); a repo with custom code
// (auto_map) opens only when that code is trusted at the exact commit (review/trust_store.h), so a
// local folder with code needs its repo id and commit; repos without code need no trust. The app
// never runs a repository's Python: models are built natively.
//
// Threads: blocking (downloads, reading and hashing files, building the model). Call it from a worker
// thread or the CLI's main thread; it creates its own Hub session on the calling thread. `cancel` may
// be set from any thread; the open then fails with ErrorKind::Cancelled. `progress` runs on the
// calling thread. Errors come back as values naming the file, field, tensor or URL: InvalidInput
// (exit 2) for what cannot be opened and why, Unsafe (exit 3), Io, Network, Cancelled.

#include "error.h"
#include "imaging/preprocess_recipe.h"
#include "model/load_report.h"
#include "model/model.h"
#include "model/source_format.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QString>

#include <nlohmann/json.hpp>

namespace mwb {

// MODEL parsed, before anything is read.
struct ModelSpec
{
    enum class Kind
    {
        Folder,
        WeightFile,
        ConfigFile,
        HubRepo,
        Builtin,
    };
    Kind kind = Kind::Folder;
    QString path;     // Folder, WeightFile, ConfigFile
    QString repoId;   // HubRepo
    QString revision; // HubRepo: what follows '@' (empty: the caller's default)
    std::string name; // Builtin
};

// Local paths win over REPO names (an existing "org/name" folder is a folder). Fails (InvalidInput)
// for a path that does not exist and is no valid repo id, naming what was expected.
Result<ModelSpec> parseModelSpec(const std::string& text);

enum class WeightsPolicy
{
    Required,  // the model must come with weights (classify, forward, load)
    IfPresent, // fresh weights when a folder has none (weights import's base model)
    ConfigOnly // never read weights (model summary, model init)
};

struct OpenProgress
{
    std::string stage; // "resolving org/name@main", "downloading model.safetensors", "reading weights"
    qint64 done = 0;   // bytes (downloads) or 0
    qint64 total = 0;  // 0 when unknown
};

struct OpenModelOptions
{
    WeightsPolicy weights = WeightsPolicy::Required;
    std::string taskOrClassName; // an Auto class or Python class; empty: what the config names
    QString defaultRevision = QStringLiteral("main"); // for REPO without @REVISION
    // The identity of a local folder (mwb load --repo/--commit): lets a folder with custom code be
    // checked against the trust store.
    std::optional<QString> repoId;
    std::optional<QString> commit;
    std::function<void(const OpenProgress&)> progress;
    // What the user should know about how the model was reached (the Hub was down and the cache was
    // used, ...): one line each, on the calling thread, also when the open then fails.
    std::function<void(const std::string&)> warning;
    std::shared_ptr<std::atomic_bool> cancel;
};

struct OpenedModel
{
    std::shared_ptr<Model> model;
    SourceFormat format = SourceFormat::Tutorial;
    std::string formatEvidence;       // why the format was recognised
    std::string architecture;         // timm's name, transformers' class, the inferred timm name
    std::optional<LoadReport> report; // set when weights were loaded
    std::vector<std::string> labels;  // one per class (empty for a model without a classifier)
    std::string labelSource;          // "label_names", "id2label", "ImageNet-1k names ...", "LABEL_i ..."
    PreprocessRecipe recipe;
    nlohmann::json preprocessorConfig; // the folder's preprocessor_config.json, null when none
    std::vector<std::string> notes;    // what was inferred, assumed or ignored
    QString location;                  // the folder or file the model was read from
    QString repoId, revision, commit;  // for Hub repos and cache snapshots
    bool customCode = false;           // config.json has auto_map (then it was trusted at `commit`)
};

Result<OpenedModel> openModel(const std::string& model, const OpenModelOptions& options = {});

// --json form of what was opened (format, architecture, labels count and source, load report with the
// mapping, recipe, notes, repo/commit).
nlohmann::json openedModelToJson(const OpenedModel& opened);
nlohmann::json loadReportToJson(const LoadReport& report);

} // namespace mwb
