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
    nlohmann::json before = m_doc;
    nlohmann::json doc = m_doc;
    doc[field] = value;
    replaceDocument(std::move(doc), true);
    const FieldSpec* spec = m_schema->field(field);
    Q_EMIT edited(before, QString::fromStdString(spec && !spec->label.empty() ? spec->label : field));
}

void ConfigDocument::setValues(const nlohmann::json& patch, const QString& description)
{
    nlohmann::json doc = m_doc;
    for (const auto& [key, value] : patch.items()) {
        if (value.is_null())
            doc.erase(key);
        else
            doc[key] = value;
    }
    if (doc == m_doc)
        return;
    nlohmann::json before = m_doc;
    replaceDocument(std::move(doc), true);
    Q_EMIT edited(before, description);
}

void ConfigDocument::applyPreset(const std::string& presetName)
{
    auto it = m_schema->presets.find(presetName);
    if (it == m_schema->presets.end())
        return;
    // A preset sets the architecture (defaults plus its own values); the data-describing fields, their
    // labels and other keys stay as they are.
    nlohmann::json before = m_doc;
    nlohmann::json doc = m_doc;
    for (const FieldSpec& spec : m_schema->fields) {
        if (spec.keptByPresets)
            continue;
        doc[spec.name] = it->second.contains(spec.name) ? it->second[spec.name] : spec.defaultValue;
    }
    if (doc == m_doc)
        return;
    replaceDocument(std::move(doc), true);
    Q_EMIT edited(before, QStringLiteral("Preset %1").arg(QString::fromStdString(presetName)));
}

void ConfigDocument::restoreContent(nlohmann::json content, bool modified)
{
    replaceDocument(std::move(content), modified);
}

void ConfigDocument::resetToDefaults()
{
    replaceDocument(m_schema->defaults(), false);
    Q_EMIT replaced();
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
    Q_EMIT replaced();
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
