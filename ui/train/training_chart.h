#pragma once

// The Train tab's live plot (Qt Charts): the training loss and accuracy of every step (thin lines, "train
// loss", "train accuracy"), and the validation loss and accuracy of every epoch (thick lines with
// markers, "val loss", "val accuracy"), on one axis of epochs (a
// step of epoch e at e - 1 + step/steps). Loss is on the left axis, accuracy (%) on the right. GUI
// thread only.

#include <QChartView>
#include <QList>
#include <QPointF>

class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace mwb::ui {

struct StepPoint
{
    double position = 0; // in epochs: e - 1 + step/steps
    double loss = 0;
    double accuracy = 0; // 0..1
};

class TrainingChart final : public QChartView
{
    Q_OBJECT

public:
    explicit TrainingChart(QWidget* parent = nullptr);

    void clear(int epochs);
    // Several steps at once, so the chart redraws once per batch of reports.
    void addSteps(const QList<StepPoint>& steps);
    void addEpoch(int epoch, double validationLoss, double validationAccuracy);

    int stepPointCount() const;
    int epochPointCount() const;

private:
    void fitAxes();

    QLineSeries* m_trainLoss = nullptr;
    QLineSeries* m_trainAccuracy = nullptr;
    QLineSeries* m_validationLoss = nullptr;
    QLineSeries* m_validationAccuracy = nullptr;
    QScatterSeries* m_validationLossPoints = nullptr;
    QScatterSeries* m_validationAccuracyPoints = nullptr;
    QValueAxis* m_epochAxis = nullptr;
    QValueAxis* m_lossAxis = nullptr;
    QValueAxis* m_accuracyAxis = nullptr;
    int m_epochs = 1;
    double m_largestLoss = 0;
};

} // namespace mwb::ui
