// parseModelSpec: what a MODEL argument names, before anything is read.

#include "hub/hub_paths.h"
#include "open/open_model.h"

#include <QFileInfo>
#include <QRegularExpression>

namespace mwb {

namespace {

bool isWeightFileName(const QString& path)
{
    for (const char* ext : {".safetensors", ".pth", ".pt", ".bin", ".ckpt", ".pth.tar", ".index.json"})
        if (path.endsWith(QLatin1String(ext), Qt::CaseInsensitive))
            return true;
    return false;
}

// The Hub's repo id rule: one or two names of letters, digits, '-', '_', '.', not starting with '.'
// or '-' and without "--" or "..".
bool isRepoId(const QString& id)
{
    static const QRegularExpression re(
        QStringLiteral(R"(^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$)"));
    return re.match(id).hasMatch() && !id.contains(QLatin1String("--")) && !id.contains(QLatin1String(".."));
}

} // namespace

Result<ModelSpec> parseModelSpec(const std::string& text)
{
    ModelSpec spec;
    if (text.starts_with("builtin:")) {
        spec.kind = ModelSpec::Kind::Builtin;
        spec.name = text.substr(8);
        if (spec.name.empty())
            return fail(ErrorKind::InvalidInput, "builtin: needs a name, e.g. builtin:fashion-mnist");
        return spec;
    }
    const QString path = QString::fromStdString(text);
    const QFileInfo info(path);
    if (info.isDir()) {
        spec.kind = ModelSpec::Kind::Folder;
        spec.path = path;
        return spec;
    }
    if (info.isFile()) {
        spec.path = path;
        const bool index = path.endsWith(QLatin1String(".index.json"));
        spec.kind = !index && path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)
                        ? ModelSpec::Kind::ConfigFile
                        : ModelSpec::Kind::WeightFile;
        return spec;
    }
    const auto at = path.indexOf(QLatin1Char('@'));
    const QString repo = at < 0 ? path : path.left(at);
    const QString revision = at < 0 ? QString() : path.mid(at + 1);
    if (isRepoId(repo) && repo.contains(QLatin1Char('/')) && !isWeightFileName(repo) &&
        (at < 0 || !revision.isEmpty())) {
        spec.kind = ModelSpec::Kind::HubRepo;
        spec.repoId = repo;
        spec.revision = revision;
        return spec;
    }
    if (repo.startsWith(QLatin1String("datasets/")) || repo.startsWith(QLatin1String("spaces/")))
        if (auto valid = hub::validateRepoId(repo); !valid) // says they are out of scope
            return std::unexpected(valid.error());
    return fail(ErrorKind::InvalidInput,
                text + ": no such file or folder, and not a Hub repo id (MODEL is a folder, a weight file, "
                       "ORG/NAME[@REVISION] or builtin:NAME)");
}

} // namespace mwb
