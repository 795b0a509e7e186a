#include "classify/results_model.h"

#include "classify/thumbnail_loader.h"

#include <QColor>
#include <QFileInfo>
#include <QIcon>

namespace mwb {

ClassifyResultsModel::ClassifyResultsModel(int thumbnailSide, QObject* parent)
    : QAbstractTableModel(parent), m_thumbnails(new ThumbnailLoader(thumbnailSide, this))
{
    connect(m_thumbnails, &ThumbnailLoader::thumbnailReady, this, [this](int row) {
        if (row < size())
            Q_EMIT dataChanged(index(row, ImageColumn), index(row, ImageColumn), {Qt::DecorationRole});
    });
}

ClassifyResultsModel::~ClassifyResultsModel() = default;

int ClassifyResultsModel::appendSources(const std::vector<ImageSource>& sources)
{
    const int first = size();
    if (sources.empty())
        return first;
    beginInsertRows({}, first, first + static_cast<int>(sources.size()) - 1);
    m_rows.reserve(m_rows.size() + sources.size());
    for (const ImageSource& source : sources) {
        Row row;
        row.path = source.bytes.empty() ? source.path : std::filesystem::path();
        row.name = source.bytes.empty() ? QFileInfo(QString::fromStdString(source.name)).fileName()
                                        : QString::fromStdString(source.name);
        row.encoded = QByteArray(reinterpret_cast<const char*>(source.bytes.data()),
                                 static_cast<qsizetype>(source.bytes.size()));
        row.result.image = source.name;
        m_rows.push_back(std::move(row));
    }
    endInsertRows();
    return first;
}

void ClassifyResultsModel::setResults(int first, std::vector<ClassifyResult> results)
{
    if (first < 0 || results.empty() || first + static_cast<int>(results.size()) > size())
        return;
    int row = first;
    for (ClassifyResult& result : results) {
        Row& target = m_rows[static_cast<std::size_t>(row++)];
        if (target.state == RowState::Waiting || target.state == RowState::Cancelled)
            ++m_finished;
        target.state = result.ok() ? RowState::Done : RowState::Failed;
        target.result = std::move(result);
    }
    Q_EMIT dataChanged(index(first, TopLabelColumn), index(row - 1, StatusColumn));
}

void ClassifyResultsModel::markCancelled(int first, int end)
{
    end = std::min(end, size());
    int changed = 0;
    for (int row = std::max(first, 0); row < end; ++row) {
        Row& target = m_rows[static_cast<std::size_t>(row)];
        if (target.state == RowState::Waiting) {
            target.state = RowState::Cancelled;
            ++changed;
        }
    }
    if (changed > 0)
        Q_EMIT dataChanged(index(first, StatusColumn), index(end - 1, StatusColumn));
}

void ClassifyResultsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_finished = 0;
    m_thumbnails->clear();
    endResetModel();
}

std::vector<ClassifyResult> ClassifyResultsModel::results(int first, int end) const
{
    if (end < 0 || end > size())
        end = size();
    std::vector<ClassifyResult> out;
    for (int row = std::max(first, 0); row < end; ++row) {
        const Row& source = m_rows[static_cast<std::size_t>(row)];
        if (source.state == RowState::Done || source.state == RowState::Failed)
            out.push_back(source.result);
    }
    return out;
}

ImageSource ClassifyResultsModel::source(int index) const
{
    const Row& row = m_rows[static_cast<std::size_t>(index)];
    if (row.encoded.isEmpty())
        return ImageSource::file(row.path);
    return ImageSource::encoded(row.result.image,
                                std::vector<std::uint8_t>(row.encoded.begin(), row.encoded.end()));
}

int ClassifyResultsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : size();
}

int ClassifyResultsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ClassifyResultsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    const bool done = row.state == RowState::Done;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ImageColumn:
            return row.name;
        case TopLabelColumn:
            return done ? QString::fromStdString(row.result.predictions.front().label) : QString();
        case ScoreColumn:
            return done ? QStringLiteral("%1%").arg(row.result.predictions.front().score * 100, 0, 'f', 1)
                        : QString();
        case StatusColumn:
            switch (row.state) {
            case RowState::Waiting:
                return tr("waiting");
            case RowState::Done:
                return tr("done");
            case RowState::Failed:
                return tr("error");
            case RowState::Cancelled:
                return tr("cancelled");
            }
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() != ImageColumn)
            return {};
        if (const QPixmap thumbnail = m_thumbnails->thumbnail(index.row(), row.path, row.encoded);
            !thumbnail.isNull())
            return QIcon(thumbnail);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == StatusColumn && row.state == RowState::Failed && row.result.error)
            return QString::fromStdString(row.result.error->message);
        if (index.column() == ImageColumn)
            return QString::fromStdString(row.result.image);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn && row.state == RowState::Failed)
            return QColor(0xc6, 0x28, 0x28);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == ScoreColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant ClassifyResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return section + 1;
    switch (section) {
    case ImageColumn:
        return tr("Image");
    case TopLabelColumn:
        return tr("Top prediction");
    case ScoreColumn:
        return tr("Score");
    case StatusColumn:
        return tr("Status");
    default:
        return {};
    }
}

Qt::ItemFlags ClassifyResultsModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemNeverHasChildren;
}

} // namespace mwb
