// prepareModelForData: the model a training run starts from, its head sized for the data.

#include "config/config_io.h"
#include "model/model.h"
#include "train/trainer.h"

#include <QString>

#include <nlohmann/json.hpp>

namespace mwb {

namespace fs = std::filesystem;

Result<std::unique_ptr<Model>> prepareModelForData(const fs::path& modelPath,
                                                   const std::vector<std::string>& classNames,
                                                   std::uint64_t seed,
                                                   std::vector<std::string>& notes)
{
    std::error_code error;
    const bool pretrained = fs::is_directory(modelPath, error);
    if (!pretrained && !fs::is_regular_file(modelPath, error))
        return fail(ErrorKind::InvalidInput,
                    modelPath.string() +
                        ": no such file or folder (MODEL is a pretrained folder or a config.json)");
    auto config = readConfigFile(QString::fromStdString(modelPath.string()));
    if (!config)
        return std::unexpected(config.error());
    const int classes = static_cast<int>(classNames.size());
    const int before = config->value("num_classes", 1000);
    nlohmann::json id2label = nlohmann::json::object(), label2id = nlohmann::json::object();
    for (int i = 0; i < classes; ++i) {
        id2label[std::to_string(i)] = classNames[static_cast<std::size_t>(i)];
        label2id[classNames[static_cast<std::size_t>(i)]] = i;
    }
    (*config)["num_classes"] = classes;
    (*config)["id2label"] = id2label;
    (*config)["label2id"] = label2id;
    auto model = Model::fromConfig(*config);
    if (!model)
        return std::unexpected(model.error());
    (*model)->initializeWeights(seed);
    if (!pretrained) {
        notes.push_back("fresh weights from " + modelPath.string() + " (seed " + std::to_string(seed) +
                        "), " + std::to_string(classes) + " classes");
        return model;
    }
    const bool newHead = before != classes;
    if (newHead)
        notes.push_back("re-initialising the classifier: num_classes " + std::to_string(before) + " -> " +
                        std::to_string(classes) + " (the data's classes)");
    LoadOptions load;
    load.keepFreshHead = newHead;
    auto report = (*model)->applyWeights(QString::fromStdString(modelPath.string()), load);
    if (!report)
        return std::unexpected(report.error());
    notes.push_back("weights from " + modelPath.string());
    return model;
}

} // namespace mwb
