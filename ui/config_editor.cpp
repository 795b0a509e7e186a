#include "config_editor.h"

#include "config/config_document.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

QString choiceText(const std::string& choice)
{
    return choice.empty() ? QStringLiteral("\"\" (none)") : QString::fromStdString(choice);
}

QSpinBox* makeSpinBox(const FieldSpec& spec, QWidget* parent)
{
    auto* box = new QSpinBox(parent);
    box->setRange(static_cast<int>(spec.minimum), static_cast<int>(spec.maximum));
    box->setAccelerated(true);
    box->setKeyboardTracking(true); // validate as the user types, not only on focus loss
    return box;
}

} // namespace

ConfigEditor::ConfigEditor(ConfigDocument& document, QWidget* parent) : QWidget(parent), m_document(document)
{
    m_form = new QFormLayout(this);
    m_form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    m_form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    connect(&m_document, &ConfigDocument::schemaChanged, this, &ConfigEditor::rebuild);
    connect(&m_document, &ConfigDocument::changed, this, &ConfigEditor::refresh);
    rebuild();
}

void ConfigEditor::rebuild()
{
    while (m_form->rowCount() > 0)
        m_form->removeRow(0);
    m_fieldWidgets.clear();
    m_errorLabels.clear();

    for (const FieldSpec& spec : m_document.schema().fields) {
        QWidget* widget = createFieldWidget(spec);
        widget->setObjectName(QString::fromStdString("field_" + spec.name));
        const QString help =
            QString::fromStdString(spec.help + "\nAllowed: " + spec.allowedDescription() + ".");
        widget->setToolTip(help);

        auto* error = new QLabel(this);
        error->setObjectName(QString::fromStdString("error_" + spec.name));
        error->setWordWrap(true);
        error->setStyleSheet(QStringLiteral("color: #c62828;"));
        error->setVisible(false);

        auto* cell = new QWidget(this);
        auto* column = new QVBoxLayout(cell);
        column->setContentsMargins(0, 0, 0, 0);
        column->setSpacing(2);
        column->addWidget(widget);
        column->addWidget(error);

        auto* label = new QLabel(QString::fromStdString(spec.label) + QLatin1Char(':'), this);
        label->setToolTip(help);
        label->setBuddy(widget);
        m_form->addRow(label, cell);
        m_fieldWidgets[spec.name] = widget;
        m_errorLabels[spec.name] = error;
    }
    // Problems with keys that have no editor (id2label, label2id, ...).
    m_otherProblems = new QLabel(this);
    m_otherProblems->setObjectName(QStringLiteral("error_other"));
    m_otherProblems->setWordWrap(true);
    m_otherProblems->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_form->addRow(m_otherProblems);
    refresh();
}

QWidget* ConfigEditor::createFieldWidget(const FieldSpec& spec)
{
    const std::string name = spec.name;
    switch (spec.type) {
    case FieldType::Choice: {
        auto* combo = new QComboBox(this);
        for (const std::string& choice : spec.choices)
            combo->addItem(choiceText(choice), QString::fromStdString(choice));
        connect(combo, &QComboBox::currentIndexChanged, this, [this, combo, name] {
            if (!m_refreshing)
                m_document.setValue(name, combo->currentData().toString().toStdString());
        });
        return combo;
    }
    case FieldType::Integer: {
        QSpinBox* box = makeSpinBox(spec, this);
        connect(box, &QSpinBox::valueChanged, this, [this, name](int value) {
            if (!m_refreshing)
                m_document.setValue(name, value);
        });
        return box;
    }
    case FieldType::Boolean: {
        auto* check = new QCheckBox(this);
        connect(check, &QCheckBox::toggled, this, [this, name](bool on) {
            if (!m_refreshing)
                m_document.setValue(name, on);
        });
        return check;
    }
    case FieldType::IntegerList: {
        auto* row = new QWidget(this);
        auto* layout = new QHBoxLayout(row);
        layout->setContentsMargins(0, 0, 0, 0);
        QList<QSpinBox*> boxes;
        for (int i = 0; i < spec.listLength; ++i) {
            QSpinBox* box = makeSpinBox(spec, row);
            box->setObjectName(QString::fromStdString(name + "_" + std::to_string(i)));
            box->setToolTip(tr("Blocks in stage %1").arg(i + 1));
            layout->addWidget(box);
            boxes.append(box);
        }
        for (QSpinBox* box : boxes) {
            connect(box, &QSpinBox::valueChanged, this, [this, name, boxes] {
                if (m_refreshing)
                    return;
                nlohmann::json list = nlohmann::json::array();
                for (QSpinBox* b : boxes)
                    list.push_back(b->value());
                m_document.setValue(name, list);
            });
        }
        return row;
    }
    }
    return new QWidget(this);
}

void ConfigEditor::showValue(const FieldSpec& spec, QWidget* widget)
{
    // A value of the wrong type stays in the document (and is reported); the widget shows the default.
    nlohmann::json value = m_document.value(spec.name);
    if (checkFieldValue(spec, value))
        value = spec.defaultValue;
    switch (spec.type) {
    case FieldType::Choice: {
        auto* combo = static_cast<QComboBox*>(widget);
        combo->setCurrentIndex(combo->findData(QString::fromStdString(value.get<std::string>())));
        break;
    }
    case FieldType::Integer:
        static_cast<QSpinBox*>(widget)->setValue(value.get<int>());
        break;
    case FieldType::Boolean:
        static_cast<QCheckBox*>(widget)->setChecked(value.get<bool>());
        break;
    case FieldType::IntegerList: {
        const auto boxes = widget->findChildren<QSpinBox*>();
        for (int i = 0; i < boxes.size() && i < static_cast<int>(value.size()); ++i)
            boxes[i]->setValue(value[static_cast<size_t>(i)].get<int>());
        break;
    }
    }
}

void ConfigEditor::refresh()
{
    m_refreshing = true;
    std::map<std::string, QStringList> messages;
    QStringList other;
    for (const FieldProblem& p : m_document.problems()) {
        if (m_errorLabels.contains(p.field))
            messages[p.field].append(QString::fromStdString(p.message));
        else
            other.append(QString::fromStdString(p.field + ": " + p.message));
    }
    for (const FieldSpec& spec : m_document.schema().fields) {
        showValue(spec, m_fieldWidgets[spec.name]);
        QLabel* error = m_errorLabels[spec.name];
        const QStringList& list = messages[spec.name];
        error->setText(list.join(QLatin1Char('\n')));
        error->setVisible(!list.isEmpty());
    }
    m_otherProblems->setText(other.join(QLatin1Char('\n')));
    m_otherProblems->setVisible(!other.isEmpty());
    m_refreshing = false;
}

} // namespace mwb
