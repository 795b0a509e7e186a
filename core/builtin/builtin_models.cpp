#include "builtin/builtin_models.h"

#include <algorithm>
#include <cstdlib>

#include <QCoreApplication>

namespace mwb {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> searchRoots()
{
    std::vector<fs::path> roots;
    if (const char* env = std::getenv("MWB_BUILTIN_DIR"); env && *env)
        roots.emplace_back(env);
    if (QCoreApplication::instance())
        roots.push_back(fs::path(QCoreApplication::applicationDirPath().toStdString()) / ".." / "share" /
                        "model-workbench" / "builtin");
    roots.emplace_back(MWB_BUILTIN_SOURCE_DIR);
    return roots;
}

bool isModelFolder(const fs::path& folder)
{
    std::error_code error;
    return fs::is_regular_file(folder / "config.json", error) &&
           fs::is_regular_file(folder / "model.safetensors", error);
}

} // namespace

std::optional<fs::path> builtinModelFolder(const std::string& name)
{
    if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos)
        return std::nullopt;
    for (const fs::path& root : searchRoots()) {
        if (isModelFolder(root / name))
            return (root / name).lexically_normal();
    }
    return std::nullopt;
}

std::vector<std::string> builtinModelNames()
{
    std::vector<std::string> names;
    for (const fs::path& root : searchRoots()) {
        std::error_code error;
        for (const fs::directory_entry& entry : fs::directory_iterator(root, error)) {
            const std::string name = entry.path().filename().string();
            if (isModelFolder(entry.path()) && std::ranges::find(names, name) == names.end())
                names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

Result<fs::path> resolveBuiltinModel(const std::string& spec)
{
    if (spec.rfind(kBuiltinPrefix, 0) != 0)
        return fs::path(spec);
    const std::string name = spec.substr(std::char_traits<char>::length(kBuiltinPrefix));
    if (auto folder = builtinModelFolder(name))
        return *folder;
    std::string known;
    for (const std::string& n : builtinModelNames())
        known += (known.empty() ? "" : ", ") + std::string(kBuiltinPrefix) + n;
    return fail(ErrorKind::InvalidInput,
                spec + ": no such built-in model" +
                    (known.empty() ? " (none installed)" : " (known: " + known + ")"));
}

std::vector<fs::path> builtinModelSamples(const std::string& name)
{
    std::vector<fs::path> samples;
    auto folder = builtinModelFolder(name);
    if (!folder)
        return samples;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(*folder / "samples", error)) {
        if (entry.is_regular_file(error))
            samples.push_back(entry.path());
    }
    std::sort(samples.begin(), samples.end());
    return samples;
}

} // namespace mwb
