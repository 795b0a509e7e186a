#include "classify/evaluation_view.h"

#include "classify/thumbnail_loader.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QScrollBar>
#include <QSplitter>
#include <QStyleOptionHeader>
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

constexpr int kCellThumbnail = 64;

// Column headers written bottom-to-top, so a matrix of ten classes with long names stays narrow
// enough to sit beside the per-class table at 1024 pixels.
class RotatedHeader final : public QHeaderView
{
public:
    explicit RotatedHeader(QWidget* parent) : QHeaderView(Qt::Horizontal, parent)
    {
        setSectionResizeMode(QHeaderView::Fixed);
        setDefaultSectionSize(fontMetrics().height() + 16);
    }

protected:
    void paintSection(QPainter* painter, const QRect& rect, int logicalIndex) const override
    {
        painter->save();
        QStyleOptionHeader option;
        initStyleOption(&option);
        option.rect = rect;
        option.section = logicalIndex;
        style()->drawControl(QStyle::CE_HeaderSection, &option, painter, this);
        const QString text = model()->headerData(logicalIndex, orientation(), Qt::DisplayRole).toString();
        painter->translate(rect.left() + rect.width() / 2.0 + fontMetrics().ascent() / 2.0 - 1,
                           rect.bottom() - 6);
        painter->rotate(-90);
        painter->setPen(palette().color(QPalette::ButtonText));
        painter->drawText(0, 0, text);
        painter->restore();
    }

    QSize sectionSizeFromContents(int logicalIndex) const override
    {
        const QString text = model()->headerData(logicalIndex, orientation(), Qt::DisplayRole).toString();
        return {fontMetrics().height() + 16, fontMetrics().horizontalAdvance(text) + 14};
    }
};

// An axis title written bottom-to-top, beside the matrix's rows.
class VerticalTitle final : public QWidget
{
public:
    VerticalTitle(const QString& text, QWidget* parent) : QWidget(parent), m_text(text)
    {
        setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Preferred);
        setAccessibleName(text);
    }
    QSize sizeHint() const override
    {
        return {fontMetrics().height() + 4, fontMetrics().horizontalAdvance(m_text) + 8};
    }
    QSize minimumSizeHint() const override { return {fontMetrics().height() + 4, 0}; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter painter(this);
        QFont bold = font();
        bold.setBold(true);
        painter.setFont(bold);
        painter.translate(0, height());
        painter.rotate(-90);
        painter.drawText(QRect(0, 0, height(), width()), Qt::AlignCenter, m_text);
    }

private:
    QString m_text;
};

} // namespace

EvaluationView::EvaluationView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("evaluationView"));
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("evaluationAccuracy"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_unmatched = new QLabel(this);
    m_unmatched->setObjectName(QStringLiteral("evaluationUnmatched"));
    // One line (the full list is in the tooltip): a wrapped label would make the tab's height depend
    // on its width, which the scroll area around the panel turns into a taller minimum.
    m_unmatched->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_unmatched->setStyleSheet(QStringLiteral("color: #b26a00;"));

    m_classes = new QTableWidget(0, 5, this);
    m_classes->setObjectName(QStringLiteral("evaluationClasses"));
    m_classes->setHorizontalHeaderLabels(
        {tr("Class"), tr("Images"), tr("Predicted"), tr("Precision"), tr("Recall")});
    m_classes->horizontalHeaderItem(1)->setToolTip(tr("Images in the class's folder"));
    m_classes->horizontalHeaderItem(2)->setToolTip(tr("Images the model put in this class"));
    m_classes->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_classes->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_classes->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_classes->verticalHeader()->hide();
    m_classes->verticalHeader()->setDefaultSectionSize(m_classes->fontMetrics().height() + 6);

    m_confusion = new QTableWidget(this);
    m_confusion->setObjectName(QStringLiteral("confusionMatrix"));
    m_confusion->setHorizontalHeader(new RotatedHeader(m_confusion));
    m_confusion->setToolTip(
        tr("Rows: true class (folder). Columns: predicted class. Click a cell to see its images."));
    m_confusion->setEditTriggers(QAbstractItemView::NoEditTriggers);
    connect(m_confusion, &QTableWidget::cellClicked, this, &EvaluationView::showCell);
    auto* predictedTitle = new QLabel(tr("Predicted class \u2192"), this);
    predictedTitle->setObjectName(QStringLiteral("confusionPredictedTitle"));
    predictedTitle->setAlignment(Qt::AlignCenter);
    QFont bold = predictedTitle->font();
    bold.setBold(true);
    predictedTitle->setFont(bold);
    auto* trueTitle = new VerticalTitle(tr("True class (folder) \u2192"), this);
    trueTitle->setObjectName(QStringLiteral("confusionTrueTitle"));
    auto* matrixBox = new QWidget(this);
    auto* matrixGrid = new QGridLayout(matrixBox);
    matrixGrid->setContentsMargins(0, 0, 0, 0);
    matrixGrid->setSpacing(2);
    matrixGrid->addWidget(predictedTitle, 0, 1);
    matrixGrid->addWidget(trueTitle, 1, 0);
    matrixGrid->addWidget(m_confusion, 1, 1);

    m_cellTitle = new QLabel(tr("Click a cell of the matrix to see its images."), this);
    m_cellTitle->setWordWrap(true);
    m_cellTitle->setObjectName(QStringLiteral("confusionCellTitle"));
    m_cellImages = new QListWidget(this);
    m_cellImages->setObjectName(QStringLiteral("confusionCellImages"));
    m_cellImages->setViewMode(QListView::IconMode);
    m_cellImages->setIconSize(QSize(kCellThumbnail, kCellThumbnail));
    m_cellImages->setResizeMode(QListView::Adjust);

    auto* cellBox = new QWidget(this);
    auto* cellLayout = new QVBoxLayout(cellBox);
    cellLayout->setContentsMargins(0, 0, 0, 0);
    cellLayout->addWidget(m_cellTitle);
    cellLayout->addWidget(m_cellImages);

    // Side by side: the per-class table, the matrix, the images of the cell clicked (a 700-pixel-high
    // screen has no room to stack them).
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(m_classes);
    splitter->addWidget(matrixBox);
    splitter->addWidget(cellBox);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 2);
    splitter->setStretchFactor(2, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_unmatched);
    layout->addWidget(splitter, 1);
    clear();
}

EvaluationView::~EvaluationView() = default;

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
    m_unmatched->setToolTip(m_unmatched->text());
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
    // Every column whole: the table is at least as wide as its columns (the matrix gives way).
    int width = m_classes->frameWidth() * 2;
    for (int column = 0; column < m_classes->columnCount(); ++column)
        width += m_classes->horizontalHeader()->sectionSize(column);
    if (m_classes->verticalScrollBar()->isVisible() || m_classes->rowCount() > 8)
        width += m_classes->style()->pixelMetric(QStyle::PM_ScrollBarExtent);
    m_classes->setMinimumWidth(width);
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
    m_confusion->resizeRowsToContents();
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
    std::vector<std::filesystem::path> paths;
    for (std::size_t index : images) {
        const QString path = QString::fromStdString(m_folder.images[index].path.string());
        auto* item =
            new QListWidgetItem(QString::fromStdString(m_folder.images[index].path.filename().string()));
        item->setToolTip(path);
        item->setData(Qt::UserRole, path);
        m_cellImages->addItem(item);
        paths.push_back(m_folder.images[index].path);
    }
    // Thumbnails decode on a job; a newer click makes this one's result stale.
    using Icons = std::vector<QImage>;
    const unsigned generation = ++m_cellGeneration;
    startJob<Icons>(
        m_thumbnailJobs, this,
        [paths = std::move(paths)](JobContext& context) -> Result<Icons> {
            Icons icons;
            for (const auto& path : paths) {
                if (context.isCancelled())
                    return std::unexpected(JobContext::cancelledError());
                icons.push_back(decodeScaledImage(path, {}, kCellThumbnail));
            }
            return icons;
        },
        [this, generation](Result<Icons> icons) {
            if (!icons || generation != m_cellGeneration)
                return;
            for (int i = 0; i < m_cellImages->count() && i < static_cast<int>(icons->size()); ++i) {
                const QImage& icon = (*icons)[static_cast<std::size_t>(i)];
                if (!icon.isNull())
                    m_cellImages->item(i)->setIcon(QPixmap::fromImage(icon.scaled(
                        kCellThumbnail, kCellThumbnail, Qt::KeepAspectRatio, Qt::FastTransformation)));
            }
            Q_EMIT cellThumbnailsShown();
        });
}

} // namespace mwb
