#pragma once

// The outcome of evaluating on a labelled folder: accuracy, per-class precision and recall (columns
// never cut), and a confusion matrix with axis titles whose cells list their images when clicked,
// the thumbnails decoded on a job. GUI thread only; it keeps copies of the folder, results and
// evaluation it shows.

#include "inference/evaluation.h"
#include "jobs/job.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QTableWidget;

namespace mwb {

class EvaluationView final : public QWidget
{
    Q_OBJECT

public:
    explicit EvaluationView(QWidget* parent = nullptr);
    ~EvaluationView() override;

    void showEvaluation(LabelledFolder folder, std::vector<ClassifyResult> results, Evaluation evaluation);
    void clear();
    // The images of one cell (row: true class, column: predicted), as clicking it shows them.
    void showCell(int row, int column);

    const Evaluation& evaluation() const { return m_evaluation; }

Q_SIGNALS:
    // The thumbnails of the cell last clicked are shown (they decode off the GUI thread).
    void cellThumbnailsShown();

private:
    void fillClasses();
    void fillConfusion();

    JobPool m_thumbnailJobs{1};
    unsigned m_cellGeneration = 0;
    LabelledFolder m_folder;
    std::vector<ClassifyResult> m_results;
    Evaluation m_evaluation;
    QLabel* m_summary = nullptr;
    QLabel* m_unmatched = nullptr;
    QTableWidget* m_classes = nullptr;
    QTableWidget* m_confusion = nullptr;
    QLabel* m_cellTitle = nullptr;
    QListWidget* m_cellImages = nullptr;
};

} // namespace mwb
