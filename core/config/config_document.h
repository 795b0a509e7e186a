#pragma once

// The config being edited in the GUI: the JSON document, the file it came from, whether it has unsaved
// changes, and its current validation problems. Views observe it through signals and change it through
// setValue(); they never hold config state of their own. Lives on the GUI thread.

#include "config/config_schema.h"
#include "error.h"

#include <QObject>
#include <QString>

namespace mwb {

class ModelRegistry;

class ConfigDocument final : public QObject
{
    Q_OBJECT

public:
    explicit ConfigDocument(const ModelRegistry& registry, QObject* parent = nullptr);

    const ConfigSchema& schema() const { return *m_schema; }
    // The document as it will be saved: defaults filled in, unknown keys kept.
    nlohmann::json savedForm() const;
    // The current value of a field: what the document holds, else the default.
    nlohmann::json value(const std::string& field) const;
    const std::vector<FieldProblem>& problems() const { return m_problems; }
    bool isValid() const { return m_problems.empty(); }
    bool isModified() const { return m_modified; }
    QString filePath() const { return m_filePath; }

    void setValue(const std::string& field, const nlohmann::json& value);
    // Several keys as one edit (a null value removes the key), e.g. labels with num_classes.
    void setValues(const nlohmann::json& patch, const QString& description);
    // Sets the architecture fields to the preset's values (defaults for those it does not name); fields
    // marked keptByPresets (classes, input channels) and keys outside the schema are kept.
    void applyPreset(const std::string& presetName);
    // The document as held (what the user typed, before defaults are filled in).
    const nlohmann::json& content() const { return m_doc; }
    // Puts back a content() taken earlier (undo/redo); `modified` says whether it differs from the file.
    void restoreContent(nlohmann::json content, bool modified);
    // A new, unsaved config of the current model type at its defaults.
    void resetToDefaults();

    // Reading replaces the document only when the file parses and names a registered model type; an
    // invalid config is still opened so the user can fix it.
    Result<void> open(const QString& path);
    Result<void> saveAs(const QString& path);

Q_SIGNALS:
    void changed();
    // A user edit (setValue, applyPreset) replaced `before`; `description` names it ("Classes",
    // "Preset resnet50"). Not emitted for open, reset or restoreContent.
    void edited(const nlohmann::json& before, const QString& description);
    // The document was replaced by open() or resetToDefaults(): earlier edits no longer apply.
    void replaced();
    void schemaChanged();
    void modifiedChanged(bool modified);
    void filePathChanged(const QString& path);

private:
    void replaceDocument(nlohmann::json doc, bool modified);
    void setModified(bool modified);

    const ModelRegistry& m_registry;
    const ConfigSchema* m_schema = nullptr;
    nlohmann::json m_doc;
    std::vector<FieldProblem> m_problems;
    bool m_modified = false;
    QString m_filePath;
};

} // namespace mwb
