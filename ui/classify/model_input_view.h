#pragma once

// "What the model sees" for the selected result: the pixels after resize and crop, enlarged without
// smoothing when small, and on request the Grad-CAM heat map of the top class (or a class picked from
// the prediction list) blended over them with an adjustable opacity. It only shows what it is given:
// the panel computes the model input and the heat map off the GUI thread and hands them here.
// GUI thread only.

#include "explain/grad_cam.h"
#include "inference/classifier.h"

#include <optional>

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QVBoxLayout;

namespace mwb {

class ModelInputView final : public QWidget
{
    Q_OBJECT

public:
    explicit ModelInputView(QWidget* parent = nullptr);
    // Shown above the heat-map controls, beside the image (the panel puts the predictions there).
    void setSideWidget(QWidget* widget);

    // A new selection: forget the image and heat map, offer these classes to explain.
    void setPredictions(const std::vector<Prediction>& predictions);
    void setModelInput(Image8 modelInput);
    void setHeatMap(GradCamResult cam, const QString& label);
    void showMessage(const QString& message); // no image: why (not classified yet, failed, ...)
    void setHeatMapError(const QString& message);

    bool heatMapWanted() const;
    // The class to explain: nullopt for the top class.
    std::optional<int> heatMapClass() const;
    double opacity() const;
    bool hasHeatMap() const { return m_cam.has_value(); }
    // What is on screen (the plain or blended image), for tests and screenshots.
    QImage shownImage() const { return m_shown; }

Q_SIGNALS:
    // The toggle went on or another class was picked: the panel should compute that heat map.
    void heatMapRequested();

private:
    void render();

    Image8 m_input;
    std::optional<GradCamResult> m_cam;
    QImage m_shown;
    QLabel* m_image = nullptr;
    QLabel* m_caption = nullptr;
    QCheckBox* m_showHeat = nullptr;
    QSlider* m_opacity = nullptr;
    QComboBox* m_class = nullptr;
    QVBoxLayout* m_side = nullptr;
};

} // namespace mwb
