// The registry of every model type this project ships. It lives with the models, not in registry/,
// so that registry/ depends on no config or model type (config/ uses registry/, not the reverse).

#include "config/resnet_config.h"
#include "registry/model_registry.h"

namespace mwb {

void registerResnetModels(ModelRegistry& registry); // resnet_registration.cpp

const ModelRegistry& ModelRegistry::builtin()
{
    static const ModelRegistry registry = [] {
        ModelRegistry r;
        (void)r.registerConfig("resnet", resnetConfigSchema());
        registerResnetModels(r);
        return r;
    }();
    return registry;
}

} // namespace mwb
