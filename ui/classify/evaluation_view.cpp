#include "classify/evaluation_view.h"

#include <QHeaderView>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace mwb {
namespace {

QString percentText(const std::optional<double>& value)
{
    return value ? QStringLiteral("%1%").arg(*value * 100, 0, 'f', 1) : QStringLiteral("\u2013");
}

QTableWidgetItem* readOnlyItem(const QString& text)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}

QIcon thumbnail(const QString& path)
{
    QImageReader reader(path);
    const QSize size = reader.size();
    if (size.isValid())
        reader.setScaledSize(size.scaled(64, 64, Qt::KeepAspectRatio));
    return QIcon(QPixmap::fromImage(reader.read()));
}

} // namespace

EvaluationView::EvaluationView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("evaluationView"));
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("evaluationAccuracy"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_unmatched = new QLabel(this);
    m_unmatched->setObjectName(QStringLiteral("evaluationUnmatched"));
    m_unmatched->setWordWrap(true);
    m_unmatched->setStyleSheet(QStringLiteral("color: #b26a00;"));

    m_classes = new QTableWidget(0, 5, this);
    m_classes->setObjectName(QStringLiteral("evaluationClasses"));
    m_classes->setHorizontalHeaderLabels(
        {tr("Class"), tr("Images"), tr("Predicted"), tr("Precision"), tr("Recall")});
    m_classes->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_classes->verticalHeader()->hide();

    m_confusion = new QTableWidget(this);
    m_confusion->setObjectName(QStringLiteral("confusionMatrix"));
    m_confusion->setToolTip(
        tr("Rows: true class (folder). Columns: predicted class. Click a cell to see its images."));
    m_confusion->setEditTriggers(QAbstractItemView::NoEditTriggers);
    connect(m_confusion, &QTableWidget::cellClicked, this, &EvaluationView::showCell);

    m_cellTitle = new QLabel(tr("Click a cell of the matrix to see its images."), this);
    m_cellImages = new QListWidget(this);
    m_cellImages->setObjectName(QStringLiteral("confusionCellImages"));
    m_cellImages->setViewMode(QListView::IconMode);
    m_cellImages->setIconSize(QSize(64, 64));
    m_cellImages->setResizeMode(QListView::Adjust);

    auto* cellBox = new QWidget(this);
    auto* cellLayout = new QVBoxLayout(cellBox);
    cellLayout->setContentsMargins(0, 0, 0, 0);
    cellLayout->addWidget(m_cellTitle);
    cellLayout->addWidget(m_cellImages);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    auto* top = new QSplitter(Qt::Horizontal, splitter);
    top->addWidget(m_classes);
    top->addWidget(m_confusion);
    top->setStretchFactor(1, 2);
    splitter->addWidget(top);
    splitter->addWidget(cellBox);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_unmatched);
    layout->addWidget(splitter, 1);
    clear();
}

void EvaluationView::clear()
{
    m_folder = {};
    m_results.clear();
    m_evaluation = {};
    m_summary->setText(tr("Drop a folder whose subfolders are class names to evaluate the model."));
    m_unmatched->hide();
    m_classes->setRowCount(0);
    m_confusion->clear();
    m_confusion->setRowCount(0);
    m_confusion->setColumnCount(0);
    m_cellImages->clear();
}

void EvaluationView::showEvaluation(LabelledFolder folder,
                                    std::vector<ClassifyResult> results,
                                    Evaluation evaluation)
{
    m_folder = std::move(folder);
    m_results = std::move(results);
    m_evaluation = std::move(evaluation);
    QString summary = tr("Accuracy %1% (%2 of %3 images)")
                          .arg(m_evaluation.accuracy * 100, 0, 'f', 1)
                          .arg(m_evaluation.correct)
                          .arg(m_evaluation.evaluated);
    if (!m_evaluation.failedImages.empty())
        summary += tr("; %n image(s) could not be classified", "",
                      static_cast<int>(m_evaluation.failedImages.size()));
    m_summary->setText(summary);
    QStringList unmatched;
    for (const ClassFolder& f : m_folder.unmatched())
        unmatched << QStringLiteral("%1 (%2)").arg(QString::fromStdString(f.name)).arg(f.images);
    m_unmatched->setText(tr("Folders that match no class label (not evaluated): %1")
                             .arg(unmatched.join(QStringLiteral(", "))));
    m_unmatched->setVisible(!unmatched.isEmpty());
    fillClasses();
    fillConfusion();
    m_cellImages->clear();
}

void EvaluationView::fillClasses()
{
    m_classes->setRowCount(static_cast<int>(m_evaluation.classes.size()));
    for (int row = 0; row < m_classes->rowCount(); ++row) {
        const ClassMetrics& c = m_evaluation.classes[static_cast<std::size_t>(row)];
        m_classes->setItem(row, 0, readOnlyItem(QString::fromStdString(c.label)));
        m_classes->setItem(row, 1, readOnlyItem(QString::number(c.support)));
        m_classes->setItem(row, 2, readOnlyItem(QString::number(c.predicted)));
        m_classes->setItem(row, 3, readOnlyItem(percentText(c.precision)));
        m_classes->setItem(row, 4, readOnlyItem(percentText(c.recall)));
    }
    m_classes->resizeColumnsToContents();
}

void EvaluationView::fillConfusion()
{
    const int n = static_cast<int>(m_evaluation.classes.size());
    m_confusion->clear();
    m_confusion->setRowCount(n);
    m_confusion->setColumnCount(n);
    QStringList names;
    for (const ClassMetrics& c : m_evaluation.classes)
        names << QString::fromStdString(c.label);
    m_confusion->setHorizontalHeaderLabels(names);
    m_confusion->setVerticalHeaderLabels(names);
    int largest = 1;
    for (const auto& row : m_evaluation.confusion)
        for (int count : row)
            largest = std::max(largest, count);
    for (int r = 0; r < n; ++r) {
        for (int c = 0; c < n; ++c) {
            const int count =
                m_evaluation.confusion[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
            auto* item = readOnlyItem(QString::number(count));
            item->setTextAlignment(Qt::AlignCenter);
            if (count > 0) {
                // Green on the diagonal (right), red elsewhere (wrong), stronger with the count.
                const int alpha = 40 + 180 * count / largest;
                item->setBackground(r == c ? QColor(46, 125, 50, alpha) : QColor(198, 40, 40, alpha));
            }
            m_confusion->setItem(r, c, item);
        }
    }
    m_confusion->resizeColumnsToContents();
}

void EvaluationView::showCell(int row, int column)
{
    m_cellImages->clear();
    if (row < 0 || column < 0 || row >= static_cast<int>(m_evaluation.cellImages.size()))
        return;
    const auto& images =
        m_evaluation.cellImages[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)];
    m_cellTitle->setText(
        tr("%n image(s) of %1 predicted as %2", "", static_cast<int>(images.size()))
            .arg(QString::fromStdString(m_evaluation.classes[static_cast<std::size_t>(row)].label),
                 QString::fromStdString(m_evaluation.classes[static_cast<std::size_t>(column)].label)));
    for (std::size_t index : images) {
        const QString path = QString::fromStdString(m_folder.images[index].path.string());
        auto* item = new QListWidgetItem(
            thumbnail(path), QString::fromStdString(m_folder.images[index].path.filename().string()));
        item->setToolTip(path);
        item->setData(Qt::UserRole, path);
        m_cellImages->addItem(item);
    }
}

} // namespace mwb
