#pragma once

// Internal to core/share: the README.md model card of a custom-code repo. YAML metadata the Hub reads
// (library_name, pipeline_tag, license, tags), what the model is, and how to load it with
// trust_remote_code pinned to a commit. Pure function; any thread.

#include "share/custom_code_repo.h"

#include <QByteArray>

#include <nlohmann/json.hpp>

namespace mwb::share {

// `config` is the config.json being written (with auto_map). The commit id cannot be known before the
// push, so the snippet shows a placeholder and says where to find the id.
QByteArray modelCard(const nlohmann::json& config, const CustomCodeRepoOptions& options);

} // namespace mwb::share
