// openModel: resolve MODEL, apply the safe-load rule, recognise the source format, build the internal
// ResNet and load the weights through the format's key mapping.

#include "open/open_model.h"

#include "builtin/builtin_models.h"
#include "config/config_io.h"
#include "hub/hub_session.h"
#include "model/model_internal.h"
#include "model/model_source.h"
#include "review/code_review.h"
#include "review/hub_snapshots.h"
#include "share/repo_python_sources.h"
#include "weights/weight_inspection.h"
#include "weights/weight_reader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace mwb {

namespace {

using json = nlohmann::json;

// Where the files are, and which repo commit they are when known.
struct Location
{
    QString folder; // empty for a lone file
    QString file;   // a weight or config file
    QString repoId, revision, commit;
    bool fromHub = false;
    bool builtin = false;
};

struct Context
{
    const OpenModelOptions& options;
    std::unique_ptr<hub::HubSession> session; // only for Hub repos

    void progress(const std::string& stage, qint64 done = 0, qint64 total = 0) const
    {
        if (options.progress)
            options.progress({stage, done, total});
    }
    Result<void> checkCancel() const
    {
        if (options.cancel && options.cancel->load())
            return fail(ErrorKind::Cancelled, "opening the model was cancelled");
        return {};
    }
};

bool present(const QDir& dir, const char* name)
{
    return QFileInfo(dir.filePath(QString::fromLatin1(name))).isFile();
}

// The files of a Hub repo a model needs: config, preprocessing, the custom code the review reads, and
// the one weight file (or shard set) the loader will use, preferring safetensors as timm does.
QStringList filesToFetch(const hub::RepoInfo& info)
{
    QStringList all;
    for (const hub::RepoSibling& s : info.siblings)
        all.append(s.path);
    QStringList files;
    for (const QString& p : all)
        if (p == QLatin1String("config.json") || p == QLatin1String("preprocessor_config.json") ||
            (p.endsWith(QLatin1String(".py")) && !p.contains(QLatin1Char('/'))))
            files.append(p);
    for (const char* index : {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                              "pytorch_model.bin.index.json"}) {
        const QString name = QString::fromLatin1(index);
        if (!all.contains(name))
            continue;
        files.append(name);
        if (name.endsWith(QLatin1String(".index.json"))) {
            const QString stem = name.left(name.indexOf(QLatin1Char('.')));
            for (const QString& p : all)
                if (p.startsWith(stem + QLatin1Char('-')) && !p.contains(QLatin1Char('/')))
                    files.append(p);
        }
        break;
    }
    return files;
}

Result<Location> fetchFromHub(Context& context, const ModelSpec& spec)
{
    const QString revision = spec.revision.isEmpty() ? context.options.defaultRevision : spec.revision;
    const std::string label = spec.repoId.toStdString() + "@" + revision.toStdString();
    context.session = std::make_unique<hub::HubSession>();
    if (context.options.cancel)
        context.session->setCancelFlag(context.options.cancel);
    context.progress("resolving " + label);
    // One commit for every file: resolve first, then download at that commit.
    auto info = context.session->repoInfo(spec.repoId, revision);
    Result<hub::SnapshotResult> snapshot = fail(ErrorKind::Network, "");
    const auto progress = [&context](const hub::DownloadProgress& p) {
        context.progress("downloading " + p.file.toStdString(), p.totalDone, p.totalBytes);
    };
    if (info && review::isFullCommitId(info->sha))
        snapshot = context.session->downloadSnapshot(spec.repoId, info->sha, filesToFetch(*info), progress);
    else if (!info && info.error().kind == ErrorKind::Network) // offline: what the cache holds
        snapshot = context.session->downloadSnapshot(spec.repoId, revision, {}, progress);
    else if (!info)
        return std::unexpected(info.error());
    else
        return fail(ErrorKind::Network, label + ": the Hub did not say which commit the revision is");
    if (context.options.warning)
        for (const QString& note : context.session->notes()) // e.g. the Hub was down: the cache was used
            context.options.warning(note.toStdString());
    if (!snapshot)
        return std::unexpected(snapshot.error());
    Location location;
    location.folder = snapshot->snapshotPath;
    location.repoId = spec.repoId;
    location.revision = revision;
    location.commit = snapshot->commit;
    location.fromHub = true;
    return location;
}

Result<Location> locate(Context& context, const ModelSpec& spec)
{
    Location location;
    switch (spec.kind) {
    case ModelSpec::Kind::Builtin: {
        const auto folder = builtinModelFolder(spec.name);
        if (!folder) {
            std::string known;
            for (const std::string& n : builtinModelNames())
                known += (known.empty() ? "" : ", ") + std::string(kBuiltinPrefix) + n;
            return fail(ErrorKind::InvalidInput,
                        "builtin:" + spec.name + ": the app ships no model of that name" +
                            (known.empty() ? " (none installed)" : "; known: " + known));
        }
        location.folder = QString::fromStdString(folder->string());
        location.builtin = true;
        return location;
    }
    case ModelSpec::Kind::Folder:
        location.folder = QDir(spec.path).absolutePath();
        if (auto cached = review::snapshotFromCachePath(location.folder)) {
            location.repoId = cached->repoId;
            location.commit = location.revision = cached->commit;
        }
        break;
    case ModelSpec::Kind::WeightFile:
    case ModelSpec::Kind::ConfigFile:
        location.file = spec.path;
        break;
    case ModelSpec::Kind::HubRepo:
        return fetchFromHub(context, spec);
    }
    if (context.options.repoId)
        location.repoId = *context.options.repoId;
    if (context.options.commit) {
        if (!review::isFullCommitId(*context.options.commit))
            return fail(ErrorKind::InvalidInput, "--commit needs a full 40-hex commit id");
        location.commit = location.revision = *context.options.commit;
    }
    return location;
}

// The safe-load rule for a lone weight file: scan its pickle globals before reading any tensor.
Result<void> scanWeightFile(const QString& path)
{
    auto info = inspectWeightFile(path);
    if (!info)
        return std::unexpected(info.error());
    if (info->verdict == PickleVerdict::Safe)
        return {};
    std::string globals;
    for (const PickleGlobal& g : info->pickleGlobals)
        if (g.verdict != PickleVerdict::Safe)
            globals += (globals.empty() ? "" : ", ") + g.module + "." + g.name;
    return fail(ErrorKind::Unsafe, path.toStdString() + ": refusing to load a " + verdictName(info->verdict) +
                                       " pickle (imports " + globals + "); it is never unpickled");
}

// The code core/share writes into a custom-code repo, byte for byte, is the app's own: a folder whose
// only custom code is that (a model saved or converted by the app) needs no trust. Anything else in
// it, even one changed byte, makes it foreign code again.
bool isAppGeneratedCode(const review::RepoReview& r)
{
    if (r.code.files.empty() || !r.code.upstream.empty() || !r.code.missing.empty() ||
        !r.code.problems.empty())
        return false;
    for (const review::CodeFile& f : r.code.files) {
        const bool configuration =
            f.path == QLatin1String("configuration_resnet.py") && f.content == share::kConfigurationResnetPy;
        const bool modeling =
            f.path == QLatin1String("modeling_resnet.py") && f.content == share::kModelingResnetPy;
        if (!configuration && !modeling)
            return false;
    }
    return true;
}

// The safe-load rule for a folder: every pickle scanned, custom code trusted at this exact commit.
// Returns the review (its native match names the class to build for custom-code repos).
Result<review::RepoReview> checkFolder(Context& context, const Location& location)
{
    review::SnapshotRef ref{location.folder, location.repoId, location.commit, location.revision};
    auto store = review::TrustStore::open();
    if (!store)
        return std::unexpected(store.error());
    const hub::HubCache cache(hub::HubSettings::fromEnvironment().cacheDir);
    const review::SnapshotProvider provider =
        context.session ? review::hubCodeProvider(*context.session) : review::cacheCodeProvider(cache);
    context.progress("scanning the repo's code and pickles");
    auto rev = review::reviewSnapshot(ref, *store, provider);
    if (!rev)
        return std::unexpected(rev.error());
    if (rev->customCode && (location.builtin || isAppGeneratedCode(*rev))) {
        review::RepoReview pickles = *rev; // the pickles still count
        pickles.customCode = false;
        if (auto allowed = review::checkLoadAllowed(pickles); !allowed)
            return std::unexpected(allowed.error());
        return rev;
    }
    if (rev->customCode && (location.repoId.isEmpty() || location.commit.isEmpty()))
        return fail(ErrorKind::Unsafe,
                    location.folder.toStdString() +
                        " contains custom code (auto_map) but is not a known repo commit, so its "
                        "trust cannot be checked; give the repo id and the full commit of a "
                        "trusted commit (mwb load DIR --repo ID --commit SHA), or open the repo "
                        "as ORG/NAME@SHA");
    if (auto allowed = review::checkLoadAllowed(*rev); !allowed)
        return std::unexpected(allowed.error());
    return rev;
}

Result<std::optional<json>> readJsonFileIfPresent(const QString& path)
{
    if (!QFileInfo(path).isFile())
        return std::optional<json>{};
    auto doc = readConfigFile(path);
    if (!doc)
        return std::unexpected(doc.error());
    return std::optional<json>{std::move(*doc)};
}

std::vector<TensorShape> shapesOf(const TensorList& tensors)
{
    std::vector<TensorShape> out;
    for (const NamedTensor& t : tensors)
        out.push_back({t.name, t.tensor.sizes().vec()});
    return out;
}

std::vector<std::string> namesOf(const TensorList& tensors)
{
    std::vector<std::string> out;
    for (const NamedTensor& t : tensors)
        out.push_back(t.name);
    return out;
}

// Builds the source's config, then loads the (mapped) tensors strictly into it.
Result<void> buildAndLoad(Context& context,
                          OpenedModel& opened,
                          const ModelSource& source,
                          const std::string& className,
                          const std::optional<TensorList>& tensors,
                          const std::string& label)
{
    if (auto c = context.checkCancel(); !c)
        return c;
    context.progress("building " +
                     (source.architecture.empty() ? std::string("the model") : source.architecture));
    auto model = Model::fromConfig(source.config, className);
    if (!model)
        return fail(model.error().kind, label + ": " + model.error().message);
    opened.model = std::shared_ptr<Model>(std::move(*model));
    if (!tensors)
        return {};
    if (auto c = context.checkCancel(); !c)
        return c;
    context.progress("loading the weights");
    const KeyMapping& mapping = keyMappingFor(source.format);
    MappedTensors mapped = mapTensorNames(*tensors, mapping);
    dropLeadingClassifierRows(mapped.tensors, source.labelOffset,
                              opened.model->config().value("num_classes", 0));
    auto report = applyMappedTensors(*opened.model, mapped, mapping, sourceFormatName(source.format), label);
    if (!report)
        return std::unexpected(report.error());
    report->notes = source.notes;
    opened.report = std::move(*report);
    return {};
}

void describe(OpenedModel& opened, const ModelSource& source)
{
    opened.format = source.format;
    opened.formatEvidence = source.evidence;
    opened.architecture = source.architecture;
    opened.labelSource = source.labelSource;
    opened.notes.insert(opened.notes.end(), source.notes.begin(), source.notes.end());
}

void fillLabels(OpenedModel& opened)
{
    const json& config = opened.model->config();
    const int classes = config.value("num_classes", 0);
    const json* id2label =
        config.contains("id2label") && config["id2label"].is_object() ? &config["id2label"] : nullptr;
    opened.labels.clear();
    for (int i = 0; i < classes; ++i) {
        const std::string key = std::to_string(i);
        opened.labels.push_back(id2label && id2label->contains(key) && (*id2label)[key].is_string()
                                    ? (*id2label)[key].get<std::string>()
                                    : "LABEL_" + key);
    }
}

Result<void> attachRecipe(OpenedModel& opened, const ModelSource& source, WeightsPolicy policy)
{
    const bool processorApplies =
        source.format == SourceFormat::Tutorial || source.format == SourceFormat::Transformers;
    const json* processor =
        processorApplies && !opened.preprocessorConfig.is_null() ? &opened.preprocessorConfig : nullptr;
    auto recipe = preprocessRecipeFromJson(processor, &source.config);
    if (recipe) {
        opened.recipe = std::move(*recipe);
        return {};
    }
    if (policy != WeightsPolicy::ConfigOnly)
        return std::unexpected(recipe.error());
    opened.notes.push_back("preprocessing: " + recipe.error().message + "; using the defaults");
    opened.recipe = defaultPreprocessRecipe(source.config.value("input_channels", 3));
    return {};
}

Result<OpenedModel> openFolder(Context& context, const Location& location)
{
    const OpenModelOptions& options = context.options;
    const QDir dir(location.folder);
    OpenedModel opened;
    opened.location = location.folder;
    opened.repoId = location.repoId;
    opened.revision = location.revision;
    opened.commit = location.commit;
    const bool hasConfig = present(dir, "config.json");
    const bool hasWeights = present(dir, "model.safetensors") ||
                            present(dir, "model.safetensors.index.json") ||
                            present(dir, "pytorch_model.bin") || present(dir, "pytorch_model.bin.index.json");
    if (!hasConfig && !hasWeights)
        return fail(ErrorKind::InvalidInput,
                    location.folder.toStdString() +
                        ": not a pretrained folder: it has no config.json and has no weights "
                        "(model.safetensors or pytorch_model.bin)");
    std::string className = options.taskOrClassName;
    if (hasConfig) {
        auto rev = checkFolder(context, location);
        if (!rev)
            return std::unexpected(rev.error());
        opened.customCode = rev->customCode;
        if (rev->customCode && className.empty()) {
            if (!rev->native.canLoad)
                return fail(ErrorKind::InvalidInput, rev->native.message);
            className = rev->native.loadClass;
        }
    }
    const bool readWeightsNow = options.weights != WeightsPolicy::ConfigOnly && hasWeights;
    if (options.weights == WeightsPolicy::Required && !hasWeights)
        return fail(ErrorKind::InvalidInput,
                    location.folder.toStdString() +
                        ": the folder has no weights (model.safetensors or pytorch_model.bin); "
                        "create them with `mwb model init` or `mwb weights import`");
    std::optional<TensorList> tensors;
    if (readWeightsNow) {
        if (!hasConfig) // a folder of weights only: its pickles were not reviewed
            for (const char* name : {"pytorch_model.bin", "pytorch_model.bin.index.json"})
                if (present(dir, name))
                    if (auto scan = scanWeightFile(dir.filePath(QString::fromLatin1(name))); !scan)
                        return std::unexpected(scan.error());
        if (auto c = context.checkCancel(); !c)
            return std::unexpected(c.error());
        context.progress("reading weights");
        auto read = readWeights(location.folder);
        if (!read)
            return std::unexpected(read.error());
        tensors = std::move(*read);
    }
    const std::string label = location.folder.toStdString();
    Result<ModelSource> source = fail(ErrorKind::InvalidInput, "");
    if (hasConfig) {
        auto config = readConfigFile(configFilePath(location.folder));
        if (!config)
            return std::unexpected(config.error());
        source = modelSourceFromConfig(*config, tensors ? namesOf(*tensors) : std::vector<std::string>{});
        if (!source)
            return fail(source.error().kind,
                        configFilePath(location.folder).toStdString() + ": " + source.error().message);
        auto processor = readJsonFileIfPresent(dir.filePath(QStringLiteral("preprocessor_config.json")));
        if (!processor)
            return std::unexpected(processor.error());
        if (*processor)
            opened.preprocessorConfig = std::move(**processor);
    } else {
        const KeyMapping& mapping = keyMappingFor(SourceFormat::StateDict);
        source = modelSourceFromStateDict(shapesOf(mapTensorNames(*tensors, mapping).tensors));
        if (!source)
            return fail(ErrorKind::InvalidInput, label + ": " + source.error().message);
    }
    describe(opened, *source);
    if (tensors)
        if (auto fits = Model::checkWeightsCanFill(source->config, location.folder); !fits)
            return std::unexpected(fits.error());
    if (auto built = buildAndLoad(context, opened, *source, className, tensors, label); !built)
        return std::unexpected(built.error());
    fillLabels(opened);
    if (auto recipe = attachRecipe(opened, *source, options.weights); !recipe)
        return std::unexpected(recipe.error());
    return opened;
}

Result<OpenedModel> openFile(Context& context, const Location& location, ModelSpec::Kind kind)
{
    const OpenModelOptions& options = context.options;
    OpenedModel opened;
    opened.location = location.file;
    const std::string label = location.file.toStdString();
    if (kind == ModelSpec::Kind::ConfigFile) {
        if (options.weights == WeightsPolicy::Required)
            return fail(ErrorKind::InvalidInput,
                        label + ": a config file has no weights; MODEL must be a pretrained "
                                "folder (config.json and weights) or a weight file");
        auto config = readConfigFile(location.file);
        if (!config)
            return std::unexpected(config.error());
        auto source = modelSourceFromConfig(*config);
        if (!source)
            return fail(source.error().kind, label + ": " + source.error().message);
        describe(opened, *source);
        if (auto built = buildAndLoad(context, opened, *source, options.taskOrClassName, std::nullopt, label);
            !built)
            return std::unexpected(built.error());
        fillLabels(opened);
        if (auto recipe = attachRecipe(opened, *source, WeightsPolicy::ConfigOnly); !recipe)
            return std::unexpected(recipe.error());
        return opened;
    }
    if (auto scan = scanWeightFile(location.file); !scan)
        return std::unexpected(scan.error());
    context.progress("reading weights");
    auto tensors = readWeights(location.file);
    if (!tensors)
        return std::unexpected(tensors.error());
    const KeyMapping& mapping = keyMappingFor(SourceFormat::StateDict);
    auto source = modelSourceFromStateDict(shapesOf(mapTensorNames(*tensors, mapping).tensors));
    if (!source)
        return fail(ErrorKind::InvalidInput, label + ": " + source.error().message);
    describe(opened, *source);
    std::optional<TensorList> weights;
    if (options.weights != WeightsPolicy::ConfigOnly)
        weights = std::move(*tensors);
    if (auto built = buildAndLoad(context, opened, *source, options.taskOrClassName, weights, label); !built)
        return std::unexpected(built.error());
    fillLabels(opened);
    if (auto recipe = attachRecipe(opened, *source, options.weights); !recipe)
        return std::unexpected(recipe.error());
    return opened;
}

} // namespace

Result<OpenedModel> openModel(const std::string& model, const OpenModelOptions& options)
{
    auto spec = parseModelSpec(model);
    if (!spec)
        return std::unexpected(spec.error());
    Context context{options, nullptr};
    auto location = locate(context, *spec);
    if (!location)
        return std::unexpected(location.error());
    if (location->folder.isEmpty())
        return openFile(context, *location, spec->kind);
    return openFolder(context, *location);
}

json loadReportToJson(const LoadReport& report)
{
    json problems = json::array();
    for (const TensorReport& t : report.problems())
        problems.push_back(describeProblem(t));
    return {{"file", report.file},
            {"source_format", report.sourceFormat},
            {"mapping", report.mapping},
            {"mapping_rules", report.mappingRules},
            {"stripped_prefix", report.strippedPrefix},
            {"renamed", report.renamed},
            {"matched", report.count(TensorStatus::Matched)},
            {"missing", report.count(TensorStatus::Missing)},
            {"unexpected", report.count(TensorStatus::Unexpected)},
            {"wrong_shape", report.count(TensorStatus::WrongShape)},
            {"wrong_dtype", report.count(TensorStatus::WrongDtype)},
            {"defaulted", report.count(TensorStatus::Defaulted)},
            {"converted", report.convertedCount()},
            {"exact", report.exact()},
            {"problems", problems},
            {"notes", report.notes}};
}

json openedModelToJson(const OpenedModel& opened)
{
    json out = {{"location", opened.location.toStdString()},
                {"source_format", sourceFormatId(opened.format)},
                {"source_format_name", sourceFormatName(opened.format)},
                {"format_evidence", opened.formatEvidence},
                {"architecture", opened.architecture},
                {"model_type", opened.model->modelType()},
                {"class", opened.model->className()},
                {"task", opened.model->task()},
                {"parameters", opened.model->parameterCount()},
                {"num_labels", opened.labels.size()},
                {"label_source", opened.labelSource},
                {"recipe", opened.recipe.summary()},
                {"notes", opened.notes},
                {"custom_code", opened.customCode}};
    if (!opened.repoId.isEmpty())
        out["repo"] = opened.repoId.toStdString();
    if (!opened.revision.isEmpty())
        out["revision"] = opened.revision.toStdString();
    if (!opened.commit.isEmpty())
        out["commit"] = opened.commit.toStdString();
    if (opened.report)
        out["load_report"] = loadReportToJson(*opened.report);
    return out;
}

} // namespace mwb
