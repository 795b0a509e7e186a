// The torch-free parts of classification: image sources, class labels, the score function.

#include "inference/classifier.h"

#include <nlohmann/json.hpp>

namespace mwb {

ImageSource ImageSource::file(const std::filesystem::path& path)
{
    return ImageSource{path.string(), path, {}};
}

ImageSource ImageSource::encoded(std::string name, std::vector<std::uint8_t> bytes)
{
    return ImageSource{std::move(name), {}, std::move(bytes)};
}

std::vector<std::string> classLabels(const nlohmann::json& config, int numClasses)
{
    std::vector<std::string> labels;
    labels.reserve(static_cast<std::size_t>(std::max(numClasses, 0)));
    const nlohmann::json* id2label = nullptr;
    if (auto it = config.find("id2label"); it != config.end() && it->is_object())
        id2label = &*it;
    for (int i = 0; i < numClasses; ++i) {
        const std::string key = std::to_string(i);
        if (id2label && id2label->contains(key) && (*id2label)[key].is_string())
            labels.push_back((*id2label)[key].get<std::string>());
        else
            labels.push_back("LABEL_" + key); // what transformers names a class it has no label for
    }
    return labels;
}

ScoreFunction scoreFunctionFor(const nlohmann::json& config)
{
    const auto it = config.find("problem_type");
    const bool multiLabel = it != config.end() && it->is_string() && *it == "multi_label_classification";
    return multiLabel ? ScoreFunction::Sigmoid : ScoreFunction::Softmax;
}

} // namespace mwb
