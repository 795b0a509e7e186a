#include "class_labels_dialog.h"

#include "widgets/file_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace mwb {

ClassLabelsDialog::ClassLabelsDialog(const QStringList& labels, int numClasses, QWidget* parent)
    : QDialog(parent), m_numClasses(numClasses)
{
    setObjectName(QStringLiteral("classLabelsDialog"));
    setWindowTitle(tr("Class labels"));
    auto* intro = new QLabel(tr("One label per line, in class order (line 1 is class 0). They are saved as "
                                "id2label and label2id in config.json."),
                             this);
    intro->setWordWrap(true);
    m_edit = new QPlainTextEdit(this);
    m_edit->setObjectName(QStringLiteral("labelsEdit"));
    m_edit->setPlainText(labels.join(QLatin1Char('\n')));
    m_edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("labelsCount"));
    m_count->setWordWrap(true);
    m_setClasses = new QCheckBox(this);
    m_setClasses->setObjectName(QStringLiteral("setClassCount"));
    m_setClasses->setChecked(true);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    QPushButton* load = m_buttons->addButton(tr("Load from file..."), QDialogButtonBox::ActionRole);
    load->setObjectName(QStringLiteral("loadLabels"));
    QPushButton* clear = m_buttons->addButton(tr("Remove labels"), QDialogButtonBox::ResetRole);
    clear->setObjectName(QStringLiteral("clearLabels"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(load, &QPushButton::clicked, this, [this] {
        const QString path = ui::FileDialog::getOpenFileName(this, tr("Load class labels"), QString(),
                                                             tr("Text files (*.txt);;All files (*)"));
        if (!path.isEmpty())
            loadFile(path);
    });
    connect(clear, &QPushButton::clicked, m_edit, &QPlainTextEdit::clear);
    connect(m_edit, &QPlainTextEdit::textChanged, this, &ClassLabelsDialog::updateCount);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_edit, 1);
    layout->addWidget(m_count);
    layout->addWidget(m_setClasses);
    layout->addWidget(m_buttons);
    resize(420, 420);
    updateCount();
}

QStringList ClassLabelsDialog::labels() const
{
    QStringList out;
    for (const QString& line : m_edit->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty())
            out.append(line.trimmed());
    return out;
}

bool ClassLabelsDialog::setClassCount() const
{
    return !m_setClasses->isHidden() && m_setClasses->isChecked();
}

void ClassLabelsDialog::loadFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        m_count->setText(tr("Cannot read %1: %2").arg(path, file.errorString()));
        return;
    }
    m_edit->setPlainText(QString::fromUtf8(file.readAll()));
}

void ClassLabelsDialog::updateCount()
{
    const QStringList current = labels();
    const auto count = static_cast<int>(current.size());
    const bool duplicates = QSet<QString>(current.begin(), current.end()).size() != current.size();
    QString text;
    if (count == 0)
        text = tr("No labels: the config will have none, and predictions show class numbers.");
    else if (count == m_numClasses)
        text = tr("%n label(s) for %n class(es).", "", count);
    else
        text = tr("%1 label(s), but Classes is %2.").arg(count).arg(m_numClasses);
    if (duplicates)
        text += QLatin1Char(' ') + tr("Some labels appear twice; label2id needs each label once.");
    m_count->setText(text);
    m_count->setStyleSheet(
        duplicates || (count != 0 && count != m_numClasses) ? QStringLiteral("color: #c62828;") : QString());
    m_setClasses->setText(tr("Set Classes to %1").arg(count));
    m_setClasses->setVisible(count != 0 && count != m_numClasses);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!duplicates);
}

} // namespace mwb
