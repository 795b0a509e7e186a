#include "review/native_match.h"

#include "review/auto_map.h"

#include <algorithm>

namespace mwb::review {

NativeMatch matchNativeModel(const nlohmann::json& config, const ModelRegistry& registry)
{
    NativeMatch m;
    if (auto it = config.find("model_type"); it != config.end() && it->is_string())
        m.modelType = it->get<std::string>();
    m.configKnown = !m.modelType.empty() && registry.schema(m.modelType).has_value();

    auto isNative = [&](const std::string& autoClass, const std::string& className) {
        if (autoClass == "AutoConfig")
            return m.configKnown;
        return m.configKnown && registry.model(m.modelType, className) != nullptr;
    };
    auto addClass = [&](const std::string& autoClass, const std::string& className) {
        const bool native = isNative(autoClass, className);
        m.classes.push_back({autoClass, className, native});
        if (!native && std::find(m.missing.begin(), m.missing.end(), className) == m.missing.end())
            m.missing.push_back(className);
    };

    std::string classification, base;
    for (const CodeReference& ref : parseAutoMap(config).references) {
        addClass(ref.autoClass, ref.className);
        if (ref.autoClass == kAutoModelForImageClassification)
            classification = ref.className;
        else if (ref.autoClass == kAutoModel)
            base = ref.className;
    }
    if (auto it = config.find("architectures"); it != config.end() && it->is_array()) {
        for (const auto& a : *it)
            if (a.is_string() && std::none_of(m.classes.begin(), m.classes.end(), [&](const ClassMatch& c) {
                    return c.className == a.get<std::string>();
                }))
                addClass("architectures", a.get<std::string>());
        if (!it->empty() && it->front().is_string())
            m.loadClass = it->front().get<std::string>();
    }
    if (m.loadClass.empty())
        m.loadClass = !classification.empty() ? classification : base;

    const auto modelType = config.find("model_type");
    if (!m.configKnown && modelType != config.end() && !modelType->is_string()) {
        m.message = "config.json: model_type must be a string, got " + std::string(modelType->type_name()) +
                    "; no native implementation can be chosen";
    } else if (!m.configKnown) {
        m.message = m.modelType.empty()
                        ? "config.json has no model_type; no native implementation can be chosen"
                        : "no native implementation of model_type \"" + m.modelType + "\"";
    } else if (!m.loadClass.empty() && !registry.model(m.modelType, m.loadClass)) {
        m.message = "no native implementation of " + m.loadClass + " for model_type \"" + m.modelType + "\"";
    } else {
        m.canLoad = true;
        m.message = "built natively as " + (m.loadClass.empty() ? m.modelType : m.loadClass);
    }
    if (!m.missing.empty()) {
        std::string list;
        for (const std::string& c : m.missing)
            list += (list.empty() ? "" : ", ") + c;
        m.message += "; classes without a native implementation: " + list;
    }
    if (!m.canLoad)
        m.message += ". Model Workbench never runs the repository's Python.";
    return m;
}

} // namespace mwb::review
