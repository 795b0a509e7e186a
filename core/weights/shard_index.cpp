#include "weights/shard_index.h"

#include "util/input_file.h"
#include "util/json_parse.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

// A shard must be a file next to the index or below it, named without tricks.
Result<QString> resolveShard(const QDir& folder, const std::string& shard, const std::string& indexName)
{
    auto refuse = [&](const std::string& why) {
        return fail(ErrorKind::InvalidInput, indexName + ": shard \"" + shard + "\" " + why);
    };
    const QString name = QString::fromStdString(shard);
    if (name.isEmpty() || name.startsWith(QLatin1Char('/')) || name.contains(QLatin1Char('\\')) ||
        name.contains(QLatin1Char(':')))
        return refuse("is not a plain relative file name");
    for (const QString& part : name.split(QLatin1Char('/')))
        if (part == QLatin1String("..") || part.isEmpty() || part == QLatin1String("."))
            return refuse("leaves the index's folder (\"..\" or empty path components)");
    const QString path = QDir::cleanPath(folder.absoluteFilePath(name));
    const QString canonicalFolder = folder.canonicalPath();
    const QString canonicalShard = QFileInfo(path).canonicalFilePath();
    if (canonicalShard.isEmpty())
        return fail(ErrorKind::Io, indexName + ": shard \"" + shard + "\" does not exist");
    if (!canonicalShard.startsWith(canonicalFolder + QLatin1Char('/')))
        return refuse("resolves outside the index's folder");
    return path;
}

} // namespace

Result<ShardIndex> readShardIndex(const QString& indexPath)
{
    using json = nlohmann::json;
    const std::string indexName = indexPath.toStdString();
    auto bytes = readRegularFile(indexPath, limits::kJsonBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto parsed = parseJson(std::string_view(bytes->constData(), size_t(bytes->size())), indexName);
    if (!parsed)
        return std::unexpected(parsed.error());
    const json doc = std::move(*parsed);
    if (!doc.is_object())
        return fail(ErrorKind::InvalidInput, indexName + ": not a JSON object");
    const auto map = doc.find("weight_map");
    if (map == doc.end() || !map->is_object() || map->empty())
        return fail(ErrorKind::InvalidInput, indexName + ": missing or empty \"weight_map\"");

    ShardIndex index;
    const QDir folder = QFileInfo(indexPath).absoluteDir();
    if (map->size() > limits::kTensorCount.value)
        return fail(ErrorKind::InvalidInput,
                    indexName + ": " + exceedsLimit(limits::kTensorCount, map->size()));
    std::map<std::string, QString> resolved; // many tensors share a shard: resolve each name once
    for (const auto& [tensor, shard] : map->items()) {
        if (!shard.is_string())
            return fail(ErrorKind::InvalidInput,
                        indexName + ": weight_map entry \"" + tensor + "\" is not a file name");
        auto known = resolved.find(shard.get<std::string>());
        if (known == resolved.end()) {
            auto path = resolveShard(folder, shard.get<std::string>(), indexName);
            if (!path)
                return std::unexpected(path.error());
            known = resolved.emplace(shard.get<std::string>(), *path).first;
        }
        index.tensorsByShard[known->second].push_back(tensor);
    }
    if (const auto metadata = doc.find("metadata"); metadata != doc.end() && metadata->is_object())
        for (const auto& [key, value] : metadata->items())
            index.metadata[key] = value.is_string() ? value.get<std::string>() : value.dump();
    return index;
}

} // namespace mwb
