#pragma once

// Saving a model as a Hub-ready custom-code repo, as the custom-models tutorial does with
// register_for_auto_class + save_pretrained (ARCHITECTURE.md, "Formats: transformers config and
// save_pretrained"): config.json with `architectures` and `auto_map`, model.safetensors with the wrapper's
// key names ("model." + timm's name), configuration_resnet.py and modeling_resnet.py, a README.md model card,
// and preprocessor_config.json when the source has one. A Python user with transformers and timm loads the
// folder (or the pushed repo) with trust_remote_code=True.
//
// Torch-free header, safe for ui/ and app/. The functions build and save a model, which takes a while:
// call them off the GUI thread. The target folder is produced atomically: everything is written into a
// temporary sibling folder that is renamed into place at the end, so a failure leaves nothing behind.
// Errors come back as values naming the file or field at fault.

#include "error.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace mwb {
class Model;
}

namespace mwb::share {

inline constexpr const char* kAutoModel = "AutoModel";
inline constexpr const char* kAutoModelForImageClassification = "AutoModelForImageClassification";

// The Auto classes a repo can register its models with, in the order a chooser lists them.
QStringList supportedAutoClasses();

struct CustomCodeRepoOptions
{
    // Auto classes to register besides AutoConfig; at least one of supportedAutoClasses().
    QStringList autoClasses{QString::fromLatin1(kAutoModelForImageClassification)};
    QString repoId; // "user/name", for the model card's loading snippet
    QString license = QStringLiteral("apache-2.0");
    QStringList extraTags;  // added to the card's tags
    bool overwrite = false; // replace a target folder that is not empty
};

struct RepoFile
{
    QString path; // relative to the repo root, '/'-separated
    qint64 size = 0;

    friend bool operator==(const RepoFile&, const RepoFile&) = default;
};

struct CustomCodeRepo
{
    QString folder;
    QList<RepoFile> files; // sorted by path
    nlohmann::json config; // the config.json written
};

// From a pretrained folder (config.json + weights in any format Model::fromPretrained reads, optional
// preprocessor_config.json). The weights are loaded strictly, so a repo is only written when they
// match the config.
Result<CustomCodeRepo> writeCustomCodeRepo(const QString& pretrainedFolder,
                                           const QString& targetFolder,
                                           const CustomCodeRepoOptions& options);
// From a model in memory; `preprocessorConfig` (an image processor's JSON object) is written when not null.
Result<CustomCodeRepo> writeCustomCodeRepo(const Model& model,
                                           const QString& targetFolder,
                                           const CustomCodeRepoOptions& options,
                                           const nlohmann::json& preprocessorConfig = nullptr);

// True when the folder already is a custom-code repo: config.json with auto_map.AutoConfig, and every
// .py file auto_map names is present.
bool isCustomCodeRepo(const QString& folder);

// The files of a folder, recursively, sorted by path; hidden entries (".git", ".cache") are skipped.
Result<QList<RepoFile>> listRepoFiles(const QString& folder);

} // namespace mwb::share
