#include "registry/model_registry.h"

namespace mwb {

// Registers the ResNet model classes (AutoModel, AutoModelForImageClassification). The LibTorch
// implementation registers its factories here.
void registerResnetModels(ModelRegistry& /*registry*/)
{
}

} // namespace mwb
