#include "train/training_chart.h"

#include <algorithm>
#include <cmath>

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>

namespace mwb::ui {

namespace {

const QColor kTrainColor(25, 118, 210);
const QColor kTrainAccuracyColor(129, 199, 132);
const QColor kLossColor(230, 81, 0);
const QColor kAccuracyColor(46, 125, 50);

QScatterSeries* markers(const QColor& color)
{
    auto* series = new QScatterSeries;
    series->setMarkerSize(8);
    series->setColor(color);
    series->setBorderColor(color);
    return series;
}

} // namespace

TrainingChart::TrainingChart(QWidget* parent) : QChartView(parent)
{
    setObjectName(QStringLiteral("trainingChart"));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(160);

    auto* chart = new QChart;
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignTop);

    m_trainLoss = new QLineSeries;
    m_trainLoss->setName(tr("train loss"));
    m_trainLoss->setPen(QPen(kTrainColor, 1.2));
    m_trainAccuracy = new QLineSeries;
    m_trainAccuracy->setName(tr("train accuracy"));
    m_trainAccuracy->setPen(QPen(kTrainAccuracyColor, 1.2));
    m_validationLoss = new QLineSeries;
    m_validationLoss->setName(tr("val loss"));
    m_validationLoss->setPen(QPen(kLossColor, 2));
    m_validationAccuracy = new QLineSeries;
    m_validationAccuracy->setName(tr("val accuracy"));
    m_validationAccuracy->setPen(QPen(kAccuracyColor, 2));
    m_validationLossPoints = markers(kLossColor);
    m_validationAccuracyPoints = markers(kAccuracyColor);

    for (QAbstractSeries* series :
         {static_cast<QAbstractSeries*>(m_trainLoss), static_cast<QAbstractSeries*>(m_trainAccuracy),
          static_cast<QAbstractSeries*>(m_validationLoss),
          static_cast<QAbstractSeries*>(m_validationAccuracy),
          static_cast<QAbstractSeries*>(m_validationLossPoints),
          static_cast<QAbstractSeries*>(m_validationAccuracyPoints)})
        chart->addSeries(series);
    // The marker series repeat the lines' points; one legend entry per quantity is enough.
    chart->legend()->markers(m_validationLossPoints).first()->setVisible(false);
    chart->legend()->markers(m_validationAccuracyPoints).first()->setVisible(false);

    m_epochAxis = new QValueAxis;
    m_epochAxis->setTitleText(tr("epoch"));
    m_epochAxis->setLabelFormat(QStringLiteral("%.0f"));
    m_epochAxis->setTickType(QValueAxis::TicksDynamic);
    m_epochAxis->setTickAnchor(0);
    m_lossAxis = new QValueAxis;
    m_lossAxis->setTitleText(tr("loss"));
    m_lossAxis->setLabelFormat(QStringLiteral("%.2f"));
    m_accuracyAxis = new QValueAxis;
    m_accuracyAxis->setTitleText(tr("accuracy (%)"));
    m_accuracyAxis->setRange(0, 100);
    m_accuracyAxis->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(m_epochAxis, Qt::AlignBottom);
    chart->addAxis(m_lossAxis, Qt::AlignLeft);
    chart->addAxis(m_accuracyAxis, Qt::AlignRight);
    for (QAbstractSeries* series : chart->series()) {
        series->attachAxis(m_epochAxis);
        const bool accuracy = series == m_trainAccuracy || series == m_validationAccuracy ||
                              series == m_validationAccuracyPoints;
        series->attachAxis(accuracy ? m_accuracyAxis : m_lossAxis);
    }
    setChart(chart);
    clear(1);
}

void TrainingChart::clear(int epochs)
{
    m_epochs = std::max(1, epochs);
    m_largestLoss = 0;
    for (QXYSeries* series :
         {static_cast<QXYSeries*>(m_trainLoss), static_cast<QXYSeries*>(m_trainAccuracy),
          static_cast<QXYSeries*>(m_validationLoss), static_cast<QXYSeries*>(m_validationAccuracy),
          static_cast<QXYSeries*>(m_validationLossPoints),
          static_cast<QXYSeries*>(m_validationAccuracyPoints)})
        series->clear();
    fitAxes();
}

void TrainingChart::addSteps(const QList<StepPoint>& steps)
{
    if (steps.isEmpty())
        return;
    QList<QPointF> losses, accuracies;
    losses.reserve(steps.size());
    accuracies.reserve(steps.size());
    for (const StepPoint& s : steps) {
        if (std::isfinite(s.loss))
            m_largestLoss = std::max(m_largestLoss, s.loss);
        losses.append({s.position, s.loss});
        accuracies.append({s.position, s.accuracy * 100});
    }
    m_trainLoss->append(losses);
    m_trainAccuracy->append(accuracies);
    fitAxes();
}

void TrainingChart::addEpoch(int epoch, double validationLoss, double validationAccuracy)
{
    const QPointF loss(epoch, validationLoss), accuracy(epoch, validationAccuracy * 100);
    m_validationLoss->append(loss);
    m_validationLossPoints->append(loss);
    m_validationAccuracy->append(accuracy);
    m_validationAccuracyPoints->append(accuracy);
    if (std::isfinite(validationLoss))
        m_largestLoss = std::max(m_largestLoss, validationLoss);
    fitAxes();
}

int TrainingChart::stepPointCount() const
{
    return static_cast<int>(m_trainLoss->count());
}

int TrainingChart::epochPointCount() const
{
    return static_cast<int>(m_validationLoss->count());
}

void TrainingChart::fitAxes()
{
    m_epochAxis->setRange(0, m_epochs);
    // Whole epochs only: at most about ten labels.
    m_epochAxis->setTickInterval(std::ceil(m_epochs / 10.0));
    m_lossAxis->setRange(0, m_largestLoss > 0 ? m_largestLoss * 1.05 : 1.0);
    m_lossAxis->applyNiceNumbers(); // ticks at round values (0.5, 1.0, ...), not at fifths of the range
}

} // namespace mwb::ui
