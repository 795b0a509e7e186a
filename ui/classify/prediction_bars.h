#pragma once

// Top-k predictions drawn as labelled horizontal bars (score as length and percentage). GUI thread.

#include "inference/classifier.h"

#include <QWidget>

namespace mwb {

class PredictionBars final : public QWidget
{
    Q_OBJECT

public:
    explicit PredictionBars(QWidget* parent = nullptr);

    void setPredictions(std::vector<Prediction> predictions);
    void setMessage(const QString& message); // e.g. the error of an image that failed
    const std::vector<Prediction>& predictions() const { return m_predictions; }

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<Prediction> m_predictions;
    QString m_message;
};

} // namespace mwb
