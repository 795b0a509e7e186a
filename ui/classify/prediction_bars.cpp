#include "classify/prediction_bars.h"

#include <QPainter>

namespace mwb {

namespace {
constexpr int kRowHeight = 24;
}

PredictionBars::PredictionBars(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("predictionBars"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Minimum);
}

void PredictionBars::setPredictions(std::vector<Prediction> predictions)
{
    m_predictions = std::move(predictions);
    m_message.clear();
    QStringList accessible;
    for (const Prediction& p : m_predictions)
        accessible
            << QStringLiteral("%1 %2%").arg(QString::fromStdString(p.label)).arg(p.score * 100, 0, 'f', 1);
    setAccessibleDescription(accessible.join(QStringLiteral(", ")));
    updateGeometry();
    update();
}

void PredictionBars::setMessage(const QString& message)
{
    m_predictions.clear();
    m_message = message;
    setAccessibleDescription(message);
    updateGeometry();
    update();
}

QSize PredictionBars::sizeHint() const
{
    const int rows = m_predictions.empty() ? 2 : static_cast<int>(m_predictions.size());
    return {320, rows * kRowHeight + 8};
}

void PredictionBars::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    if (!m_message.isEmpty()) {
        painter.setPen(QColor(0xc6, 0x28, 0x28));
        painter.drawText(rect().adjusted(4, 4, -4, -4), Qt::TextWordWrap, m_message);
        return;
    }
    const int labelWidth = width() * 2 / 5;
    const int barLeft = labelWidth + 8;
    const int barWidth = std::max(10, width() - barLeft - 60);
    for (std::size_t i = 0; i < m_predictions.size(); ++i) {
        const Prediction& p = m_predictions[i];
        const int top = 4 + static_cast<int>(i) * kRowHeight;
        const QRect labelRect(4, top, labelWidth - 4, kRowHeight - 4);
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(
            labelRect, Qt::AlignRight | Qt::AlignVCenter,
            fontMetrics().elidedText(QString::fromStdString(p.label), Qt::ElideRight, labelRect.width()));
        const QRect track(barLeft, top + 3, barWidth, kRowHeight - 10);
        painter.fillRect(track, palette().color(QPalette::AlternateBase));
        const int filled = static_cast<int>(std::clamp(p.score, 0.0f, 1.0f) * barWidth);
        painter.fillRect(QRect(track.left(), track.top(), filled, track.height()),
                         i == 0 ? palette().color(QPalette::Highlight) : palette().color(QPalette::Mid));
        painter.drawText(QRect(track.right() + 6, top, 56, kRowHeight - 4), Qt::AlignLeft | Qt::AlignVCenter,
                         QStringLiteral("%1%").arg(p.score * 100, 0, 'f', 1));
    }
}

} // namespace mwb
