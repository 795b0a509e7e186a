#include "classify/model_input_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

namespace mwb {
namespace {

constexpr int kMinShownSide = 224;

QImage toQImage(const Image8& image)
{
    if (image.pixels.empty())
        return {};
    const QImage::Format format = image.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888;
    return QImage(image.pixels.data(), image.width, image.height, static_cast<qsizetype>(image.rowBytes()),
                  format)
        .copy();
}

// Small model inputs are enlarged by a whole factor without smoothing so their pixels stay visible
// (the same factor overlayHeatMap uses).
QImage enlarged(const QImage& image)
{
    const int shortSide = std::min(image.width(), image.height());
    if (image.isNull() || shortSide >= kMinShownSide)
        return image;
    const int factor = (kMinShownSide + shortSide - 1) / shortSide;
    return image.scaled(image.size() * factor, Qt::KeepAspectRatio, Qt::FastTransformation);
}

} // namespace

ModelInputView::ModelInputView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("modelInputPanel"));
    auto* title = new QLabel(tr("What the model sees:"), this);
    m_image = new QLabel(this);
    m_image->setObjectName(QStringLiteral("modelInputView"));
    m_image->setAlignment(Qt::AlignCenter);
    m_image->setFixedSize(kMinShownSide, kMinShownSide);
    m_image->setToolTip(tr("The pixels after resize and crop, before normalisation: what the model sees"));

    m_showHeat = new QCheckBox(tr("Show heat map"), this);
    m_showHeat->setObjectName(QStringLiteral("classifyShowHeatMap"));
    m_showHeat->setToolTip(tr("Grad-CAM: which parts of the image made the model choose the class"));
    m_class = new QComboBox(this);
    m_class->setObjectName(QStringLiteral("classifyHeatMapClass"));
    m_class->setToolTip(tr("The class the heat map explains"));
    m_opacity = new QSlider(Qt::Horizontal, this);
    m_opacity->setObjectName(QStringLiteral("classifyHeatMapOpacity"));
    m_opacity->setRange(0, 100);
    m_opacity->setValue(50);
    m_opacity->setToolTip(tr("Opacity of the heat map"));
    m_caption = new QLabel(this);
    m_caption->setObjectName(QStringLiteral("classifyHeatMapCaption"));
    m_caption->setWordWrap(true);

    connect(m_showHeat, &QCheckBox::toggled, this, [this](bool on) {
        m_class->setEnabled(on);
        m_opacity->setEnabled(on);
        if (on)
            Q_EMIT heatMapRequested();
        render();
    });
    connect(m_class, &QComboBox::currentIndexChanged, this, [this] {
        m_cam.reset();
        if (heatMapWanted())
            Q_EMIT heatMapRequested();
        render();
    });
    connect(m_opacity, &QSlider::valueChanged, this, &ModelInputView::render);
    m_class->setEnabled(false);
    m_opacity->setEnabled(false);

    // The image on the left, at its full size; beside it what the panel adds, then the heat-map
    // controls: side by side, so the details fit under the results on a 700-pixel-high screen.
    auto* imageColumn = new QVBoxLayout;
    imageColumn->addWidget(title);
    imageColumn->addWidget(m_image);
    imageColumn->addStretch(1);
    auto* toggleRow = new QHBoxLayout;
    toggleRow->addWidget(m_showHeat);
    toggleRow->addWidget(m_opacity, 1);
    m_side = new QVBoxLayout;
    m_side->addLayout(toggleRow);
    m_side->addWidget(m_class);
    m_side->addWidget(m_caption);
    m_side->addStretch(1);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(imageColumn);
    layout->addLayout(m_side, 1);
}

void ModelInputView::setSideWidget(QWidget* widget)
{
    m_side->insertWidget(0, widget);
}

void ModelInputView::setPredictions(const std::vector<Prediction>& predictions)
{
    m_input = {};
    m_cam.reset();
    {
        const QSignalBlocker blocker(m_class);
        const QVariant previous = m_class->currentData();
        m_class->clear();
        m_class->addItem(tr("Top class"));
        for (const Prediction& p : predictions)
            m_class->addItem(
                QStringLiteral("%1 (%2%)").arg(QString::fromStdString(p.label)).arg(p.score * 100, 0, 'f', 1),
                p.index);
        // Keep explaining the class the user picked when the next image also predicts it.
        const int again = previous.isValid() ? m_class->findData(previous) : -1;
        m_class->setCurrentIndex(again > 0 ? again : 0);
    }
    m_caption->clear();
    render();
}

void ModelInputView::setModelInput(Image8 modelInput)
{
    m_input = std::move(modelInput);
    m_caption->clear();
    m_caption->setStyleSheet(QString());
    m_image->setToolTip(
        tr("%1x%2 pixels after resize and crop: what the model sees").arg(m_input.width).arg(m_input.height));
    render();
}

void ModelInputView::setHeatMap(GradCamResult cam, const QString& label)
{
    m_caption->setText(tr("Heat map of %1 (%2%), from the output of layer%3 (%4x%5)")
                           .arg(label)
                           .arg(cam.score * 100, 0, 'f', 1)
                           .arg(cam.stage)
                           .arg(cam.mapWidth)
                           .arg(cam.mapHeight));
    m_caption->setStyleSheet(QString());
    m_cam = std::move(cam);
    render();
}

void ModelInputView::showMessage(const QString& message)
{
    m_input = {};
    m_cam.reset();
    m_caption->setText(message);
    m_caption->setStyleSheet(QString());
    render();
}

void ModelInputView::setHeatMapError(const QString& message)
{
    m_cam.reset();
    m_caption->setText(message);
    m_caption->setStyleSheet(QStringLiteral("color: #c62828;"));
    render();
}

bool ModelInputView::heatMapWanted() const
{
    return m_showHeat->isChecked();
}

std::optional<int> ModelInputView::heatMapClass() const
{
    const QVariant picked = m_class->currentData();
    if (!picked.isValid())
        return std::nullopt;
    return picked.toInt();
}

double ModelInputView::opacity() const
{
    return m_opacity->value() / 100.0;
}

void ModelInputView::render()
{
    if (m_input.pixels.empty())
        m_shown = QImage();
    else if (heatMapWanted() && m_cam)
        m_shown = toQImage(overlayHeatMap(m_input, *m_cam, opacity(), kMinShownSide));
    else
        m_shown = enlarged(toQImage(m_input));
    // A large input is shown scaled down to the view's width; shownImage() keeps every pixel.
    QImage display = m_shown;
    if (display.width() > kMinShownSide || display.height() > kMinShownSide)
        display = display.scaled(kMinShownSide, kMinShownSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    m_image->setPixmap(display.isNull() ? QPixmap() : QPixmap::fromImage(display));
}

} // namespace mwb
