#include "model/model.h"
#include "registry/model_registry.h"

namespace mwb {

namespace {

ModelRegistration resnetRegistration(const std::string& task, const std::string& className)
{
    return {task, className, [task, className](const nlohmann::json& effective) {
                return Model::create(effective, className, task);
            }};
}

} // namespace

// Registers the tutorial's wrapper classes: ResnetModel (forward_features) for AutoModel and
// ResnetModelForImageClassification (logits, loss) for AutoModelForImageClassification.
void registerResnetModels(ModelRegistry& registry)
{
    (void)registry.registerModel("resnet", resnetRegistration(kAutoModel, "ResnetModel"));
    (void)registry.registerModel(
        "resnet", resnetRegistration(kAutoModelForImageClassification, "ResnetModelForImageClassification"));
}

} // namespace mwb
