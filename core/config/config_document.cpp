#include "config/config_document.h"

#include "config/config_io.h"
#include "registry/model_registry.h"

#include <QFileInfo>

namespace mwb {

ConfigDocument::ConfigDocument(const ModelRegistry& registry, QObject* parent)
    : QObject(parent), m_registry(registry)
{
    auto schema = registry.schema("resnet");
    m_schema = schema ? *schema : nullptr;
    Q_ASSERT(m_schema);
    replaceDocument(m_schema->defaults(), false);
}

nlohmann::json ConfigDocument::savedForm() const
{
    return configForSaving(m_doc, *m_schema);
}

nlohmann::json ConfigDocument::value(const std::string& field) const
{
    if (m_doc.contains(field))
        return m_doc[field];
    const FieldSpec* spec = m_schema->field(field);
    return spec ? spec->defaultValue : nlohmann::json();
}

void ConfigDocument::setValue(const std::string& field, const nlohmann::json& value)
{
    if (m_doc.contains(field) && m_doc[field] == value)
        return;
    nlohmann::json doc = m_doc;
    doc[field] = value;
    replaceDocument(std::move(doc), true);
}

void ConfigDocument::applyPreset(const std::string& presetName)
{
    auto it = m_schema->presets.find(presetName);
    if (it == m_schema->presets.end())
        return;
    // A preset sets every schema field (defaults plus its own values) and keeps other keys.
    nlohmann::json doc = m_doc;
    for (const FieldSpec& spec : m_schema->fields)
        doc[spec.name] = spec.defaultValue;
    doc.update(it->second);
    replaceDocument(std::move(doc), true);
}

void ConfigDocument::resetToDefaults()
{
    replaceDocument(m_schema->defaults(), false);
    if (!m_filePath.isEmpty()) {
        m_filePath.clear();
        Q_EMIT filePathChanged(m_filePath);
    }
}

Result<void> ConfigDocument::open(const QString& path)
{
    auto doc = readConfigFile(path);
    if (!doc)
        return std::unexpected(doc.error());
    auto schema = m_registry.schemaForConfig(*doc);
    if (!schema)
        return fail(ErrorKind::InvalidInput,
                    configFilePath(path).toStdString() + ": " + schema.error().message);
    const bool schemaChanges = *schema != m_schema;
    m_schema = *schema;
    if (schemaChanges)
        Q_EMIT schemaChanged();
    replaceDocument(std::move(*doc), false);
    m_filePath = QFileInfo(configFilePath(path)).absoluteFilePath();
    Q_EMIT filePathChanged(m_filePath);
    return {};
}

Result<void> ConfigDocument::saveAs(const QString& path)
{
    const nlohmann::json saved = savedForm();
    if (auto written = writeConfigFile(path, saved); !written)
        return written;
    m_doc = saved;
    m_filePath = QFileInfo(configFilePath(path)).absoluteFilePath();
    setModified(false);
    Q_EMIT filePathChanged(m_filePath);
    return {};
}

void ConfigDocument::replaceDocument(nlohmann::json doc, bool modified)
{
    m_doc = std::move(doc);
    m_problems = validateConfig(m_doc, *m_schema);
    Q_EMIT changed();
    setModified(modified);
}

void ConfigDocument::setModified(bool modified)
{
    if (m_modified == modified)
        return;
    m_modified = modified;
    Q_EMIT modifiedChanged(modified);
}

} // namespace mwb
