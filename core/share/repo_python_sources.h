#pragma once

// Internal to core/share: the Python files of a Hub-ready custom-code repo, written by this project from
// the custom-models tutorial's description. Constant text; any thread.

namespace mwb::share {

extern const char* const kConfigurationResnetPy; // configuration_resnet.py: ResnetConfig
extern const char* const
    kModelingResnetPy; // modeling_resnet.py: ResnetModel, ResnetModelForImageClassification

} // namespace mwb::share
