#include "model/load_report_dialog.h"

#include "model/model.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace mwb {

namespace {

enum Column
{
    NameColumn,
    StatusColumn,
    ModelShapeColumn,
    FileShapeColumn,
    DtypeColumn,
    ColumnCount
};

// Filter entries: label and a predicate on a tensor row.
struct Filter
{
    const char* label;
    bool (*accepts)(const TensorReport&);
};

const Filter kFilters[] = {
    {"All tensors", [](const TensorReport&) { return true; }},
    {"Problems",
     [](const TensorReport& t) {
         return t.status != TensorStatus::Matched && t.status != TensorStatus::Defaulted;
     }},
    {"Matched", [](const TensorReport& t) { return t.status == TensorStatus::Matched; }},
    {"Missing", [](const TensorReport& t) { return t.status == TensorStatus::Missing; }},
    {"Unexpected", [](const TensorReport& t) { return t.status == TensorStatus::Unexpected; }},
    {"Wrong shape", [](const TensorReport& t) { return t.status == TensorStatus::WrongShape; }},
    {"Converted dtype", [](const TensorReport& t) { return t.dtypeConverted(); }},
};

QColor statusColor(TensorStatus status)
{
    switch (status) {
    case TensorStatus::Matched:
    case TensorStatus::Defaulted:
        return QColor(0x2e, 0x7d, 0x32);
    case TensorStatus::Missing:
    case TensorStatus::WrongShape:
    case TensorStatus::WrongDtype:
        return QColor(0xc6, 0x28, 0x28);
    case TensorStatus::Unexpected:
        return QColor(0xef, 0x6c, 0x00);
    }
    return {};
}

} // namespace

LoadReportDialog::LoadReportDialog(const LoadReport& report, QWidget* parent)
    : QDialog(parent), m_report(report)
{
    setObjectName(QStringLiteral("loadReportDialog"));
    setWindowTitle(tr("Load report"));
    resize(860, 560);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("loadReportSummary"));
    m_summary->setWordWrap(true);
    m_summary->setText(
        tr("<b>%1</b><br>%2 matched, %3 missing, %4 unexpected, %5 wrong shape, %6 converted dtype%7")
            .arg(QString::fromStdString(report.file).toHtmlEscaped())
            .arg(report.count(TensorStatus::Matched))
            .arg(report.count(TensorStatus::Missing))
            .arg(report.count(TensorStatus::Unexpected))
            .arg(report.count(TensorStatus::WrongShape) + report.count(TensorStatus::WrongDtype))
            .arg(report.convertedCount())
            .arg(report.prefixed ? tr(" · keys use the wrapper's \"model.\" prefix")
                                 : tr(" · keys are timm's bare names")));

    m_filter = new QComboBox(this);
    m_filter->setObjectName(QStringLiteral("loadReportFilter"));
    for (const Filter& f : kFilters)
        m_filter->addItem(tr(f.label));
    connect(m_filter, &QComboBox::currentIndexChanged, this, &LoadReportDialog::applyFilter);

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("loadReportTable"));
    m_table->setColumnCount(ColumnCount);
    m_table->setHorizontalHeaderLabels(
        {tr("Tensor"), tr("Status"), tr("Model shape"), tr("File shape"), tr("dtype")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    m_table->setRowCount(static_cast<int>(report.tensors.size()));
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const TensorReport& t = report.tensors[static_cast<size_t>(row)];
        const QString dtype = t.fileDtype.empty() || t.fileDtype == t.modelDtype
                                  ? QString::fromStdString(t.modelDtype.empty() ? t.fileDtype : t.modelDtype)
                                  : QString::fromStdString(t.fileDtype + " \u2192 " + t.modelDtype);
        const QStringList cells = {
            QString::fromStdString(t.name), QString::fromStdString(statusName(t.status)),
            QString::fromStdString(t.modelShape.empty() && t.status == TensorStatus::Unexpected
                                       ? std::string("-")
                                       : formatShape(t.modelShape)),
            QString::fromStdString(t.fileShape.empty() && t.status != TensorStatus::Matched
                                       ? std::string("-")
                                       : formatShape(t.fileShape)),
            dtype};
        for (int column = 0; column < ColumnCount; ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            if (column == StatusColumn)
                item->setForeground(statusColor(t.status));
            m_table->setItem(row, column, item);
        }
    }
    m_table->resizeColumnsToContents();

    m_keepFreshHead = new QCheckBox(
        tr("Keep the model's fresh classifier (only the classifier differs: another number of classes)"),
        this);
    m_keepFreshHead->setObjectName(QStringLiteral("keepFreshHead"));
    m_keepFreshHead->setVisible(report.onlyClassifierDiffers());
    m_keepFreshHead->setChecked(report.onlyClassifierDiffers());
    m_nonStrict = new QCheckBox(tr("Load what fits and leave the rest as it is (non-strict)"), this);
    m_nonStrict->setObjectName(QStringLiteral("nonStrict"));
    m_nonStrict->setVisible(!report.exact());
    connect(m_keepFreshHead, &QCheckBox::toggled, this, &LoadReportDialog::updateApplyButton);
    connect(m_nonStrict, &QCheckBox::toggled, this, &LoadReportDialog::updateApplyButton);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Apply)->setText(tr("Apply weights"));
    m_buttons->button(QDialogButtonBox::Apply)->setObjectName(QStringLiteral("applyWeights"));
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(new QLabel(tr("Show:"), this));
    filterRow->addWidget(m_filter);
    filterRow->addStretch();

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addLayout(filterRow);
    layout->addWidget(m_table);
    layout->addWidget(m_keepFreshHead);
    layout->addWidget(m_nonStrict);
    layout->addWidget(m_buttons);

    // Start on the problems when there are some: that is what the user needs to see.
    m_filter->setCurrentIndex(report.exact() ? 0 : 1);
    applyFilter();
    updateApplyButton();
}

LoadOptions LoadReportDialog::options() const
{
    LoadOptions options;
    options.strict = !m_nonStrict->isChecked();
    options.keepFreshHead = m_keepFreshHead->isChecked();
    return options;
}

void LoadReportDialog::applyFilter()
{
    const Filter& filter = kFilters[m_filter->currentIndex()];
    for (int row = 0; row < m_table->rowCount(); ++row)
        m_table->setRowHidden(row, !filter.accepts(m_report.tensors[static_cast<size_t>(row)]));
}

void LoadReportDialog::updateApplyButton()
{
    const bool allowed = m_report.exact() || m_nonStrict->isChecked() ||
                         (m_report.onlyClassifierDiffers() && m_keepFreshHead->isChecked());
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(allowed);
}

} // namespace mwb
