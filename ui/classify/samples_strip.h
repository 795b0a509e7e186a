#pragma once

// "Try these": a row of sample images (those shipped with the built-in model) as buttons; clicking
// one asks for it to be classified. Their thumbnails are decoded on a job, off the GUI thread.
// GUI thread only.

#include "jobs/job.h"

#include <filesystem>
#include <vector>

#include <QWidget>

class QHBoxLayout;
class QToolButton;

namespace mwb {

class SamplesStrip final : public QWidget
{
    Q_OBJECT

public:
    explicit SamplesStrip(QWidget* parent = nullptr);

    void setSamples(const std::vector<std::filesystem::path>& samples);
    int sampleCount() const { return static_cast<int>(m_buttons.size()); }
    QToolButton* sampleButton(int index) const { return m_buttons[static_cast<std::size_t>(index)]; }

Q_SIGNALS:
    void sampleClicked(const QString& path);

private:
    JobPool m_pool{1};
    QHBoxLayout* m_row = nullptr;
    std::vector<QToolButton*> m_buttons;
    unsigned m_generation = 0;
};

} // namespace mwb
