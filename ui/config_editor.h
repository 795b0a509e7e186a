#pragma once

// A form generated from a ConfigSchema: a combo box per choice, a spin box per integer (with the
// schema's range), a row of spin boxes per integer list, a check box per flag, the help text as
// tooltips, and under each field the validation message for it. A thin view: all state lives in the
// ConfigDocument it edits.

#include <map>
#include <string>

#include <QStringList>
#include <QWidget>

class QFormLayout;
class QLabel;

namespace mwb {

class ConfigDocument;
struct FieldSpec;

class ConfigEditor final : public QWidget
{
    Q_OBJECT

public:
    explicit ConfigEditor(ConfigDocument& document, QWidget* parent = nullptr);

private:
    void rebuild();
    void refresh();
    QWidget* createFieldWidget(const FieldSpec& spec);
    void showValue(const FieldSpec& spec, QWidget* widget);
    // Typed text the spin box refused (out of range): said under the field instead of vanishing.
    void showRejected(const FieldSpec& spec, const QString& text);
    QStringList currentLabels() const;
    void editLabels();

    ConfigDocument& m_document;
    QFormLayout* m_form = nullptr;
    std::map<std::string, QWidget*> m_fieldWidgets;
    std::map<std::string, QLabel*> m_errorLabels;
    QLabel* m_otherProblems = nullptr;
    QLabel* m_labelsSummary = nullptr;
    bool m_refreshing = false;
};

} // namespace mwb
