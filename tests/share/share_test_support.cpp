#include "share_test_support.h"

#include "model/model.h"

#include <QDir>
#include <QFile>

namespace sharetest {

using json = nlohmann::json;

json tinyLabels()
{
    return {{"0", "cat"}, {"1", "dog"}, {"2", "bird"}};
}

mwb::Result<void> writeTinyPretrainedFolder(const QString& folder, std::uint64_t seed)
{
    const json config = {{"model_type", "resnet"},   {"block_type", "basic"},
                         {"layers", {1, 1, 1, 1}},   {"num_classes", 3},
                         {"id2label", tinyLabels()}, {"label2id", {{"cat", 0}, {"dog", 1}, {"bird", 2}}}};
    auto model = mwb::Model::fromConfig(config, "AutoModelForImageClassification");
    if (!model)
        return std::unexpected(model.error());
    (*model)->initializeWeights(seed);
    if (auto ok = (*model)->savePretrained(folder); !ok)
        return ok;
    const json preprocessor = {{"image_processor_type", "ConvNextImageProcessor"},
                               {"do_resize", true},
                               {"size", {{"shortest_edge", 224}}},
                               {"crop_pct", 0.875},
                               {"resample", 3},
                               {"do_normalize", true},
                               {"image_mean", {0.485, 0.456, 0.406}},
                               {"image_std", {0.229, 0.224, 0.225}}};
    if (!writeAll(folder + "/preprocessor_config.json", QByteArray::fromStdString(preprocessor.dump(2))))
        return mwb::fail(mwb::ErrorKind::Io, "cannot write preprocessor_config.json");
    return {};
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QStringList safetensorsKeys(const QString& path)
{
    const QByteArray bytes = readAll(path);
    if (bytes.size() < 8)
        return {};
    quint64 length = 0;
    for (int i = 7; i >= 0; --i)
        length = (length << 8) | quint8(bytes[i]);
    const json header = json::parse(bytes.mid(8, qsizetype(length)).toStdString(), nullptr, false);
    QStringList keys;
    if (header.is_object())
        for (const auto& [key, value] : header.items())
            if (key != "__metadata__")
                keys.append(QString::fromStdString(key));
    return keys;
}

QStringList leftovers(const QString& folder)
{
    QStringList out;
    for (const QString& name : QDir(folder).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot))
        if (name.startsWith(".mwb-share-") || name.contains(".old-"))
            out.append(name);
    return out;
}

} // namespace sharetest
