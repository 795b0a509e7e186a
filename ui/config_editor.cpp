#include "config_editor.h"

#include "class_labels_dialog.h"
#include "config/config_document.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

QString choiceText(const std::string& choice)
{
    return choice.empty() ? QStringLiteral("\"\" (none)") : QString::fromStdString(choice);
}

// A spin box that says so when typed text is out of range, instead of silently snapping back.
class RangeSpinBox final : public QSpinBox
{
public:
    using QSpinBox::QSpinBox;
    std::function<void(const QString&)> onRejected;

    // True once when the user typed in the box since the last call (not when only tabbing through).
    bool takeUserEdit()
    {
        const bool edited = lineEdit()->isModified();
        lineEdit()->setModified(false);
        return edited;
    }

protected:
    QValidator::State validate(QString& input, int& pos) const override
    {
        const QValidator::State state = QSpinBox::validate(input, pos);
        // The keystroke is about to be dropped: a number beyond the range.
        bool isNumber = false;
        input.trimmed().toLongLong(&isNumber);
        if (state == QValidator::Invalid && isNumber)
            notifyRejected(input);
        return state;
    }

    void fixup(QString& input) const override
    {
        // Called with text the box is about to throw away (out of range or not a number).
        if (!input.trimmed().isEmpty())
            notifyRejected(input);
        QSpinBox::fixup(input);
    }

private:
    void notifyRejected(const QString& text) const
    {
        if (onRejected)
            QTimer::singleShot(0, this, [cb = onRejected, text] { cb(text); });
    }
};

RangeSpinBox* makeSpinBox(const FieldSpec& spec, QWidget* parent)
{
    auto* box = new RangeSpinBox(parent);
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
    // The class labels (id2label / label2id) are edited in a dialog: one per line.
    m_labelsSummary = new QLabel(this);
    m_labelsSummary->setObjectName(QStringLiteral("labelsSummary"));
    auto* editLabels = new QPushButton(tr("Edit..."), this);
    editLabels->setObjectName(QStringLiteral("editLabels"));
    editLabels->setToolTip(tr("Name the classes (id2label and label2id), one label per line"));
    connect(editLabels, &QPushButton::clicked, this, &ConfigEditor::editLabels);
    auto* labelsCell = new QWidget(this);
    auto* labelsRow = new QHBoxLayout(labelsCell);
    labelsRow->setContentsMargins(0, 0, 0, 0);
    labelsRow->addWidget(m_labelsSummary, 1);
    labelsRow->addWidget(editLabels);
    auto* labelsLabel = new QLabel(tr("Class &labels:"), this);
    labelsLabel->setBuddy(editLabels);
    m_form->addRow(labelsLabel, labelsCell);

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
        auto write = [this, combo, name] {
            if (!m_refreshing)
                m_document.setValue(name, combo->currentData().toString().toStdString());
        };
        connect(combo, &QComboBox::currentIndexChanged, this, write);
        // Choosing the item already shown must still write it, so a value of the wrong type (shown as
        // the default) can be fixed by picking the default.
        connect(combo, &QComboBox::activated, this, write);
        return combo;
    }
    case FieldType::Integer: {
        RangeSpinBox* box = makeSpinBox(spec, this);
        connect(box, &QSpinBox::valueChanged, this, [this, name](int value) {
            if (!m_refreshing)
                m_document.setValue(name, value);
        });
        // Enter or leaving the field writes the shown value even when it did not change, which
        // replaces a value of the wrong type.
        connect(box, &QSpinBox::editingFinished, this, [this, box, name] {
            if (!m_refreshing && box->takeUserEdit())
                m_document.setValue(name, box->value());
        });
        box->onRejected = [this, spec](const QString& text) { showRejected(spec, text); };
        return box;
    }
    case FieldType::Boolean: {
        auto* check = new QCheckBox(this);
        connect(check, &QCheckBox::clicked, this, [this, name](bool on) {
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
            RangeSpinBox* box = makeSpinBox(spec, row);
            box->onRejected = [this, spec](const QString& text) { showRejected(spec, text); };
            box->setObjectName(QString::fromStdString(name + "_" + std::to_string(i)));
            box->setToolTip(tr("Blocks in stage %1").arg(i + 1));
            layout->addWidget(box);
            boxes.append(box);
        }
        auto write = [this, name, boxes] {
            if (m_refreshing)
                return;
            nlohmann::json list = nlohmann::json::array();
            for (QSpinBox* b : boxes)
                list.push_back(b->value());
            m_document.setValue(name, list);
        };
        for (QSpinBox* box : boxes) {
            connect(box, &QSpinBox::valueChanged, this, write);
            auto* range = static_cast<RangeSpinBox*>(box);
            connect(box, &QSpinBox::editingFinished, this, [write, range] {
                if (range->takeUserEdit())
                    write();
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

void ConfigEditor::showRejected(const FieldSpec& spec, const QString& text)
{
    QLabel* error = m_errorLabels[spec.name];
    if (!error)
        return;
    error->setText(tr("%1 is not allowed here (%2); the field keeps its value.")
                       .arg(text.trimmed(), QString::fromStdString(spec.allowedDescription())));
    error->setVisible(true);
}

QStringList ConfigEditor::currentLabels() const
{
    const nlohmann::json id2label = m_document.value("id2label");
    QStringList labels;
    if (!id2label.is_object())
        return labels;
    for (int i = 0;; ++i) {
        const auto it = id2label.find(std::to_string(i));
        if (it == id2label.end() || !it->is_string())
            break;
        labels.append(QString::fromStdString(it->get<std::string>()));
    }
    return labels;
}

void ConfigEditor::editLabels()
{
    const nlohmann::json classes = m_document.value("num_classes");
    auto* dialog =
        new ClassLabelsDialog(currentLabels(), classes.is_number_integer() ? classes.get<int>() : 0, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QStringList labels = dialog->labels();
        nlohmann::json patch = nlohmann::json::object();
        if (labels.isEmpty()) {
            patch["id2label"] = nullptr;
            patch["label2id"] = nullptr;
        } else {
            nlohmann::json id2label = nlohmann::json::object();
            nlohmann::json label2id = nlohmann::json::object();
            for (int i = 0; i < labels.size(); ++i) {
                id2label[std::to_string(i)] = labels[i].toStdString();
                label2id[labels[i].toStdString()] = i;
            }
            patch["id2label"] = id2label;
            patch["label2id"] = label2id;
            if (dialog->setClassCount())
                patch["num_classes"] = static_cast<int>(labels.size());
        }
        m_document.setValues(patch, tr("Class labels"));
    });
    dialog->open();
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
    const QStringList labels = currentLabels();
    const int classes =
        m_document.value("num_classes").is_number_integer() ? m_document.value("num_classes").get<int>() : 0;
    m_labelsSummary->setText(
        labels.isEmpty()     ? tr("none (predictions show class numbers)")
        : labels.size() <= 3 ? labels.join(QStringLiteral(", "))
                             : tr("%1, %2, ... (%3 labels)").arg(labels[0], labels[1]).arg(labels.size()));
    m_labelsSummary->setStyleSheet(
        !labels.isEmpty() && labels.size() != classes ? QStringLiteral("color: #c62828;") : QString());
    m_otherProblems->setText(other.join(QLatin1Char('\n')));
    m_otherProblems->setVisible(!other.isEmpty());
    m_refreshing = false;
}

} // namespace mwb
