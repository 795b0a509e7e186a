#pragma once

// The Classify tab's results as a table model: one row per image, in the order images came, kept
// across runs until clear(). Columns: image (name, thumbnail), top prediction, score, status. Rows are
// appended as waiting, then filled in contiguous ranges as their batches finish, so a run over 50,000
// images emits a few hundred signals, not 50,000 item updates. Thumbnails come from a
// ThumbnailLoader, decoded off the GUI thread only for rows a view shows.
//
// GUI thread only. Owns copies of the sources (encoded bytes of pasted images included) and results.

#include "inference/classifier.h"

#include <vector>

#include <QAbstractTableModel>
#include <QByteArray>

namespace mwb {

class ThumbnailLoader;

class ClassifyResultsModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        ImageColumn,
        TopLabelColumn,
        ScoreColumn,
        StatusColumn,
        ColumnCount
    };
    enum class RowState
    {
        Waiting,
        Done,
        Failed,
        Cancelled,
    };
    struct Row
    {
        QString name;               // the file name, or the name of a pasted image
        std::filesystem::path path; // empty for a pasted image
        QByteArray encoded;         // a pasted image's bytes
        RowState state = RowState::Waiting;
        ClassifyResult result;
    };

    explicit ClassifyResultsModel(int thumbnailSide = 48, QObject* parent = nullptr);
    ~ClassifyResultsModel() override;

    // Appends waiting rows; returns the index of the first.
    int appendSources(const std::vector<ImageSource>& sources);
    // Fills rows first, first + 1, ... with `results` (each Done or Failed).
    void setResults(int first, std::vector<ClassifyResult> results);
    // Rows in [first, end) still waiting become Cancelled.
    void markCancelled(int first, int end);
    void clear();

    const Row& row(int index) const { return m_rows[static_cast<std::size_t>(index)]; }
    int size() const { return static_cast<int>(m_rows.size()); }
    // What rows [first, end) say (Done and Failed rows only), in order: for export and evaluation.
    std::vector<ClassifyResult> results(int first = 0, int end = -1) const;
    int finishedCount() const { return m_finished; }
    // The image source of a row, to decode it again (what the model sees, the heat map).
    ImageSource source(int index) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

private:
    std::vector<Row> m_rows;
    int m_finished = 0; // Done or Failed rows
    ThumbnailLoader* m_thumbnails = nullptr;
};

} // namespace mwb
