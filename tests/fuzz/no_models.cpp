// The fuzz build has no LibTorch, so no model classes: the registry keeps its config schemas (which
// is all the config parser needs) and registers no model factories.
#include "registry/model_registry.h"

namespace mwb {

void registerResnetModels(ModelRegistry&) {}

} // namespace mwb
