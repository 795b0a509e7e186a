#include "share/custom_code_repo.h"

#include "config/config_io.h"
#include "model/model.h"
#include "share/model_card.h"
#include "share/repo_python_sources.h"
#include "util/atomic_file.h"
#include "util/contained_path.h"
#include "util/input_file.h"
#include "util/json_parse.h"

#include <algorithm>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QUuid>

namespace mwb::share {

namespace {

using json = nlohmann::json;

const char* const kConfigModule = "configuration_resnet";
const char* const kModelingModule = "modeling_resnet";

// The Python class each Auto class maps to in modeling_resnet.py.
QString modelClassFor(const QString& autoClass)
{
    return autoClass == QLatin1String(kAutoModel) ? QStringLiteral("ResnetModel")
                                                  : QStringLiteral("ResnetModelForImageClassification");
}

Result<void> checkOptions(const CustomCodeRepoOptions& options)
{
    if (options.autoClasses.isEmpty())
        return fail(ErrorKind::InvalidInput,
                    "choose at least one Auto class to register the model with (" +
                        supportedAutoClasses().join(QStringLiteral(", ")).toStdString() + ")");
    for (const QString& autoClass : options.autoClasses)
        if (!supportedAutoClasses().contains(autoClass))
            return fail(ErrorKind::InvalidInput,
                        "unsupported Auto class \"" + autoClass.toStdString() + "\"; expected one of " +
                            supportedAutoClasses().join(QStringLiteral(", ")).toStdString());
    return {};
}

// The class the saved model is (and `architectures` names): the classifier when it is registered.
QString primaryAutoClass(const CustomCodeRepoOptions& options)
{
    return options.autoClasses.contains(QLatin1String(kAutoModelForImageClassification))
               ? QString::fromLatin1(kAutoModelForImageClassification)
               : QString::fromLatin1(kAutoModel);
}

// What register_for_auto_class + custom_object_save add to the config (ARCHITECTURE.md, "Formats:
// transformers config and save_pretrained").
json withAutoMap(json config, const CustomCodeRepoOptions& options)
{
    json autoMap = json::object();
    autoMap["AutoConfig"] = std::string(kConfigModule) + ".ResnetConfig";
    for (const QString& autoClass : supportedAutoClasses())
        if (options.autoClasses.contains(autoClass))
            autoMap[autoClass.toStdString()] =
                std::string(kModelingModule) + "." + modelClassFor(autoClass).toStdString();
    config["auto_map"] = autoMap;
    config["architectures"] = json::array({modelClassFor(primaryAutoClass(options)).toStdString()});
    if (!config.contains("torch_dtype"))
        config["torch_dtype"] = "float32";
    config.erase("_name_or_path"); // a local path means nothing to the repo's users
    return config;
}

Result<void> writeText(const QString& folder, const QString& name, const QByteArray& bytes)
{
    return writeFileAtomically(folder + '/' + name, bytes);
}

// Adds code, card and auto_map to a folder that holds what save_pretrained wrote.
Result<json> completeRepo(const QString& folder, const CustomCodeRepoOptions& options)
{
    auto saved = readConfigFile(folder);
    if (!saved)
        return std::unexpected(saved.error());
    const json config = withAutoMap(*saved, options);
    if (auto ok = writeText(folder, QStringLiteral("config.json"), serializeConfig(config)); !ok)
        return std::unexpected(ok.error());
    if (auto ok = writeText(folder, QStringLiteral("configuration_resnet.py"), kConfigurationResnetPy); !ok)
        return std::unexpected(ok.error());
    if (auto ok = writeText(folder, QStringLiteral("modeling_resnet.py"), kModelingResnetPy); !ok)
        return std::unexpected(ok.error());
    if (auto ok = writeText(folder, QStringLiteral("README.md"), modelCard(config, options)); !ok)
        return std::unexpected(ok.error());
    return config;
}

// Moves the finished staging folder to the target in one rename; an existing non-empty target is
// replaced only when allowed, and restored if the final rename fails.
Result<void> publish(const QString& staging, const QString& target, bool overwrite)
{
    const QFileInfo info(target);
    if (info.exists() && !info.isDir())
        return fail(ErrorKind::InvalidInput, target.toStdString() + " exists and is not a folder");
    QString previous;
    if (info.exists()) {
        if (!QDir(target).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
            if (!overwrite)
                return fail(ErrorKind::InvalidInput,
                            "the folder " + target.toStdString() +
                                " is not empty; choose an empty folder or allow overwriting");
            previous = target + ".old-" + QUuid::createUuid().toString(QUuid::Id128).left(8);
            if (!QDir().rename(target, previous))
                return fail(ErrorKind::Io,
                            "cannot move the existing folder " + target.toStdString() + " aside");
        } else if (!QDir().rmdir(target)) {
            return fail(ErrorKind::Io, "cannot replace the empty folder " + target.toStdString());
        }
    }
    if (!QDir().rename(staging, target)) {
        if (!previous.isEmpty())
            QDir().rename(previous, target);
        return fail(ErrorKind::Io, "cannot move the finished repo into " + target.toStdString());
    }
    if (!previous.isEmpty())
        QDir(previous).removeRecursively();
    return {};
}

Result<CustomCodeRepo>
finish(QTemporaryDir& staging, const QString& target, const CustomCodeRepoOptions& options)
{
    auto config = completeRepo(staging.path(), options);
    if (!config)
        return std::unexpected(config.error());
    if (auto ok = publish(staging.path(), target, options.overwrite); !ok)
        return std::unexpected(ok.error());
    staging.setAutoRemove(false); // it is the target now
    auto files = listRepoFiles(target);
    if (!files)
        return std::unexpected(files.error());
    return CustomCodeRepo{QFileInfo(target).absoluteFilePath(), *files, *config};
}

Result<json> readPreprocessor(const QString& folder)
{
    const QString path = folder + QStringLiteral("/preprocessor_config.json");
    if (!QFileInfo::exists(path))
        return json(nullptr);
    auto bytes = readRegularFile(path, limits::kJsonBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    return parseJsonObject(std::string_view(bytes->constData(), size_t(bytes->size())), path.toStdString());
}

} // namespace

QStringList supportedAutoClasses()
{
    return {QString::fromLatin1(kAutoModel), QString::fromLatin1(kAutoModelForImageClassification)};
}

Result<CustomCodeRepo> writeCustomCodeRepo(const Model& model,
                                           const QString& targetFolder,
                                           const CustomCodeRepoOptions& options,
                                           const json& preprocessorConfig)
{
    if (auto ok = checkOptions(options); !ok)
        return std::unexpected(ok.error());
    const QString target = QFileInfo(targetFolder).absoluteFilePath();
    const QString parent = QFileInfo(target).absolutePath();
    if (!QDir().mkpath(parent))
        return fail(ErrorKind::Io, "cannot create the folder " + parent.toStdString());
    // A sibling of the target, so the final rename stays on one file system.
    QTemporaryDir staging(parent + QStringLiteral("/.mwb-share-XXXXXX"));
    if (!staging.isValid())
        return fail(ErrorKind::Io, "cannot create a temporary folder in " + parent.toStdString() + ": " +
                                       staging.errorString().toStdString());
    if (auto ok = model.savePretrained(staging.path()); !ok)
        return std::unexpected(ok.error());
    if (!preprocessorConfig.is_null()) {
        if (auto ok = writeText(staging.path(), QStringLiteral("preprocessor_config.json"),
                                QByteArray::fromStdString(preprocessorConfig.dump(2) + "\n"));
            !ok)
            return std::unexpected(ok.error());
    }
    return finish(staging, target, options);
}

Result<CustomCodeRepo> writeCustomCodeRepo(const QString& pretrainedFolder,
                                           const QString& targetFolder,
                                           const CustomCodeRepoOptions& options)
{
    if (auto ok = checkOptions(options); !ok)
        return std::unexpected(ok.error());
    auto preprocessor = readPreprocessor(pretrainedFolder);
    if (!preprocessor)
        return std::unexpected(preprocessor.error());
    auto model = Model::fromPretrained(pretrainedFolder, primaryAutoClass(options).toStdString());
    if (!model)
        return std::unexpected(model.error());
    return writeCustomCodeRepo(**model, targetFolder, options, *preprocessor);
}

bool isCustomCodeRepo(const QString& folder)
{
    auto config = readConfigFile(folder);
    if (!config || !config->contains("auto_map") || !(*config)["auto_map"].is_object())
        return false;
    const json& autoMap = (*config)["auto_map"];
    if (!autoMap.contains("AutoConfig"))
        return false;
    for (const auto& [autoClass, reference] : autoMap.items()) {
        if (!reference.is_string())
            return false;
        const QString ref = QString::fromStdString(reference.get<std::string>());
        if (ref.contains(QLatin1String("--")))
            continue; // code held in another repo
        if (!QFileInfo::exists(folder + '/' + ref.section('.', 0, -2) + QStringLiteral(".py")))
            return false;
    }
    return true;
}

Result<QList<RepoFile>> listRepoFiles(const QString& folder)
{
    const QDir root(folder);
    if (!root.exists())
        return fail(ErrorKind::InvalidInput, "no folder " + folder.toStdString());
    // push follows symlinks: a file that points outside the folder is refused, not uploaded.
    if (auto inside = refuseFilesOutside(folder, folder.toStdString()); !inside)
        return std::unexpected(inside.error());
    QList<RepoFile> files;
    QDirIterator it(folder, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        files.append({root.relativeFilePath(it.filePath()), it.fileInfo().size()});
    }
    std::sort(files.begin(), files.end(),
              [](const RepoFile& a, const RepoFile& b) { return a.path < b.path; });
    return files;
}

} // namespace mwb::share
