#pragma once

// A confusion matrix with its axes named: rows are the true class ("True class", written upwards on
// the left), columns the predicted class ("Predicted class" above), each cell the image count, the
// diagonal green and mistakes red, stronger with the count; the header says which epoch and its
// accuracy. The Train tab shows the best epoch's. (The Classify tab's EvaluationView lists the images
// of a cell, which training, holding decoded pixels only, has not got.) GUI thread only.

#include <string>
#include <vector>

#include <QWidget>

class QLabel;
class QTableWidget;

namespace mwb::ui {

class ConfusionMatrixView final : public QWidget
{
    Q_OBJECT

public:
    explicit ConfusionMatrixView(QWidget* parent = nullptr);

    // `confusion[true][predicted]`, one row and column per class name.
    void showMatrix(const std::vector<std::string>& classNames,
                    const std::vector<std::vector<int>>& confusion,
                    const QString& title);
    void clear(const QString& placeholder);

    int classCount() const;
    int count(int trueClass, int predictedClass) const;
    QString title() const;

private:
    QLabel* m_title = nullptr;
    QTableWidget* m_table = nullptr;
};

} // namespace mwb::ui
