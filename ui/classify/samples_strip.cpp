#include "classify/samples_strip.h"

#include "classify/thumbnail_loader.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QScrollArea>
#include <QToolButton>

namespace mwb {
namespace {

constexpr int kSampleSide = 32; // twenty fit in a row at 1024 pixels

// "7-sneaker-1.png" -> "sneaker": how the shipped samples are named (class index, name, number).
QString sampleCaption(const std::filesystem::path& path)
{
    QStringList parts =
        QFileInfo(QString::fromStdString(path.string())).completeBaseName().split(QLatin1Char('-'));
    if (parts.size() >= 3) {
        parts.removeFirst();
        parts.removeLast();
    }
    return parts.join(QLatin1Char(' '));
}

} // namespace

SamplesStrip::SamplesStrip(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("classifySamples"));
    auto* title = new QLabel(tr("Try these:"), this);
    auto* buttons = new QWidget(this);
    m_row = new QHBoxLayout(buttons);
    m_row->setContentsMargins(0, 0, 0, 0);
    m_row->setSpacing(2);
    m_row->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(buttons);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFixedHeight(kSampleSide + 16);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title);
    layout->addWidget(scroll, 1);
}

void SamplesStrip::setSamples(const std::vector<std::filesystem::path>& samples)
{
    for (QToolButton* button : m_buttons)
        delete button;
    m_buttons.clear();
    ++m_generation;
    for (const std::filesystem::path& sample : samples) {
        auto* button = new QToolButton(this);
        button->setObjectName(QStringLiteral("classifySample"));
        const QString path = QString::fromStdString(sample.string());
        button->setToolTip(
            tr("Classify %1 (a test image the model never trained on)").arg(sampleCaption(sample)));
        button->setAccessibleName(sampleCaption(sample));
        button->setText(sampleCaption(sample));
        button->setIconSize(QSize(kSampleSide, kSampleSide));
        button->setAutoRaise(true);
        connect(button, &QToolButton::clicked, this, [this, path] { Q_EMIT sampleClicked(path); });
        m_row->insertWidget(m_row->count() - 1, button);
        m_buttons.push_back(button);
    }
    setVisible(!samples.empty());

    using Icons = std::vector<QImage>;
    const unsigned generation = m_generation;
    startJob<Icons>(
        m_pool, this,
        [samples](JobContext&) -> Result<Icons> {
            Icons icons;
            for (const auto& sample : samples)
                icons.push_back(decodeScaledImage(sample, {}, kSampleSide));
            return icons;
        },
        [this, generation](Result<Icons> icons) {
            if (!icons || generation != m_generation)
                return;
            for (std::size_t i = 0; i < icons->size() && i < m_buttons.size(); ++i) {
                const QImage& icon = (*icons)[i];
                if (icon.isNull())
                    continue;
                // A 28-pixel sample is enlarged without smoothing, as the model sees it.
                m_buttons[i]->setIcon(QPixmap::fromImage(
                    icon.scaled(kSampleSide, kSampleSide, Qt::KeepAspectRatio, Qt::FastTransformation)));
                m_buttons[i]->setToolButtonStyle(Qt::ToolButtonIconOnly);
            }
        });
}

} // namespace mwb
