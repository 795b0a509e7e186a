#pragma once

// The inference engine settings of the Classify tab: precision (Exact fp32 / Fast bf16) and thread
// count, remembered with QSettings ("classify/precision", "classify/threads"). The default is exact
// precision on all physical cores. Fast is offered only when the CPU runs bfloat16 natively; when it
// does not, the choice is disabled and its tooltip says why. GUI thread only.

#include "inference/engine/inference_engine.h"

#include <QString>
#include <QWidget>

class QComboBox;
class QSpinBox;

namespace mwb {

// What was saved last (or the defaults); a saved Fast on a CPU without bf16 reads as Exact.
EngineOptions loadEngineSettings();
void saveEngineSettings(const EngineOptions& options);
// "Exact (fp32), 2 threads": how the results name the engine that computed them.
QString engineDescription(const EngineOptions& options);

class EngineSettingsBar final : public QWidget
{
    Q_OBJECT

public:
    explicit EngineSettingsBar(QWidget* parent = nullptr);

    EngineOptions options() const;
    void setOptions(const EngineOptions& options); // shows them, saves them, emits changed if they differ

Q_SIGNALS:
    // The user picked another precision or thread count (already saved).
    void changed(const mwb::EngineOptions& options);

private:
    void onEdited();

    QComboBox* m_precision = nullptr;
    QSpinBox* m_threads = nullptr;
    EngineOptions m_current;
};

} // namespace mwb
