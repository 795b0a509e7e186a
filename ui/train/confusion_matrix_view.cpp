#include "train/confusion_matrix_view.h"

#include <algorithm>

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QTableWidget>

namespace mwb::ui {

namespace {

// A label written bottom to top, for the matrix's vertical axis.
class VerticalLabel final : public QWidget
{
public:
    VerticalLabel(const QString& text, QWidget* parent) : QWidget(parent), m_text(text)
    {
        setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Preferred);
    }

    QSize sizeHint() const override
    {
        const QFontMetrics metrics(font());
        return {metrics.height() + 4, metrics.horizontalAdvance(m_text) + 8};
    }
    QSize minimumSizeHint() const override { return {fontMetrics().height() + 4, 0}; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter painter(this);
        painter.translate(0, height());
        painter.rotate(-90);
        painter.drawText(QRect(0, 0, height(), width()), Qt::AlignCenter, m_text);
    }

private:
    QString m_text;
};

// A column header in at most two lines, so narrow columns keep most of a name: "Ankle boot" becomes
// "Ankle" over "boot", "T-shirt/top" "T-shirt/" over "top".
QString twoLines(const QString& name)
{
    if (name.size() <= 6)
        return name;
    const qsizetype middle = name.size() / 2;
    qsizetype best = -1;
    for (qsizetype i = 1; i + 1 < name.size(); ++i) {
        const QChar c = name[i];
        if ((c == u' ' || c == u'/' || c == u'-' || c == u'_') &&
            (best < 0 || qAbs(i - middle) < qAbs(best - middle)))
            best = i;
    }
    if (best < 0)
        return name;
    return name[best] == u' ' ? name.left(best) + u'\n' + name.mid(best + 1)
                              : name.left(best + 1) + u'\n' + name.mid(best + 1);
}

} // namespace

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("trainConfusion"));
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("trainConfusionTitle"));
    m_title->setWordWrap(true);
    auto* predicted = new QLabel(tr("Predicted class"), this);
    predicted->setAlignment(Qt::AlignCenter);
    QFont bold = predicted->font();
    bold.setBold(true);
    predicted->setFont(bold);
    auto* actual = new VerticalLabel(tr("True class"), this);
    actual->setFont(bold);

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("trainConfusionMatrix"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setToolTip(tr("Rows: the true class of validation images. Columns: the class the model "
                           "predicted. The diagonal holds the correct predictions."));
    // Columns share the width (ten classes fit a 1024-pixel window without scrolling); a name too long
    // for its column is elided, and its header's tooltip has it in full.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->horizontalHeader()->setMinimumSectionSize(24);
    m_table->horizontalHeader()->setTextElideMode(Qt::ElideRight);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

    auto* layout = new QGridLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(2);
    layout->addWidget(m_title, 0, 0, 1, 2);
    layout->addWidget(predicted, 1, 1);
    layout->addWidget(actual, 2, 0);
    layout->addWidget(m_table, 2, 1);
    layout->setRowStretch(2, 1);
    clear(tr("The confusion matrix of the best epoch appears after the first epoch."));
}

void ConfusionMatrixView::clear(const QString& placeholder)
{
    m_title->setText(placeholder);
    m_table->clear();
    m_table->setRowCount(0);
    m_table->setColumnCount(0);
}

void ConfusionMatrixView::showMatrix(const std::vector<std::string>& classNames,
                                     const std::vector<std::vector<int>>& confusion,
                                     const QString& title)
{
    const int n = static_cast<int>(std::min(classNames.size(), confusion.size()));
    m_title->setText(title);
    m_table->clear();
    m_table->setRowCount(n);
    m_table->setColumnCount(n);
    QStringList names;
    for (int i = 0; i < n; ++i)
        names << QString::fromStdString(classNames[static_cast<std::size_t>(i)]);
    QStringList columnNames;
    for (const QString& name : names)
        columnNames << twoLines(name);
    m_table->setHorizontalHeaderLabels(columnNames);
    m_table->setVerticalHeaderLabels(names);
    for (int i = 0; i < n; ++i) {
        m_table->horizontalHeaderItem(i)->setToolTip(tr("Predicted as %1").arg(names[i]));
        m_table->verticalHeaderItem(i)->setToolTip(tr("Images of %1").arg(names[i]));
    }
    int largest = 1;
    for (const auto& row : confusion)
        for (int value : row)
            largest = std::max(largest, value);
    for (int r = 0; r < n; ++r) {
        const auto& row = confusion[static_cast<std::size_t>(r)];
        for (int c = 0; c < n; ++c) {
            const int value = c < static_cast<int>(row.size()) ? row[static_cast<std::size_t>(c)] : 0;
            auto* item = new QTableWidgetItem(QString::number(value));
            item->setTextAlignment(Qt::AlignCenter);
            item->setToolTip(tr("%n image(s) of %1 predicted as %2", "", value).arg(names[r], names[c]));
            if (value > 0) {
                const int alpha = 40 + 180 * value / largest;
                item->setBackground(r == c ? QColor(46, 125, 50, alpha) : QColor(198, 40, 40, alpha));
            }
            m_table->setItem(r, c, item);
        }
    }
}

int ConfusionMatrixView::classCount() const
{
    return m_table->rowCount();
}

int ConfusionMatrixView::count(int trueClass, int predictedClass) const
{
    const QTableWidgetItem* item = m_table->item(trueClass, predictedClass);
    return item ? item->text().toInt() : 0;
}

QString ConfusionMatrixView::title() const
{
    return m_title->text();
}

} // namespace mwb::ui
