#pragma once

// The model panel: the structure of the model the current config describes (stages, output shapes,
// parameters, MACs at a chosen input size), kept current as the config changes; building the model,
// importing weights through a load report and saving a pretrained folder, each as a cancellable job.
//
// One owner per model: the panel publishes a built model through model() and never changes it
// afterwards. New weights go into a copy (Model::clone) that is swapped in when loaded, so a
// classification running on the previous model is never raced. The panel remembers the config a model
// was built from; when the config no longer matches, the panel says so, and Save and currentModel()
// refuse the stale model. GUI thread only.

#include "jobs/job.h"

#include <memory>

#include <QPointer>
#include <QWidget>

#include <nlohmann/json.hpp>

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace mwb {

class ConfigDocument;
class Model;
struct LoadOptions;
struct LoadReport;

class ModelPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit ModelPanel(ConfigDocument& document, QWidget* parent = nullptr);
    ~ModelPanel() override;

    // The last built model (shared with background work; never changed once published); null until
    // built. It may no longer match the config: see isModelCurrent().
    std::shared_ptr<Model> model() const { return m_model; }
    // The built model when it matches the config, else null.
    std::shared_ptr<Model> currentModel() const;
    bool isModelCurrent() const;
    bool isBusy() const { return m_job != nullptr; }
    // The folder the current model was last saved to (what Hub > Push model... offers); empty when
    // it was not saved or no longer matches the config.
    QString savedFolder() const { return isModelCurrent() ? m_savedFolder : QString(); }

    // The steps behind the buttons, callable with a path (tests, drag and drop).
    void buildModel();
    void importWeightsFrom(const QString& path);
    void saveModelTo(const QString& folder);
    void cancel();

Q_SIGNALS:
    void busyChanged(bool busy);
    void modelChanged();
    // Human-readable outcome of the last operation (also shown in the panel).
    void statusMessage(const QString& message);

private:
    void updateSummary();
    void updateState();
    void updateButtons();
    void showResult(const QString& message, bool error);
    void track(JobBase* job, const QString& message);
    void jobEnded();
    void askAndApplyWeights(const QString& path, const LoadReport& report);
    void applyWeights(const QString& path, const LoadOptions& options);
    void publish(std::shared_ptr<Model> model, nlohmann::json builtFrom);
    QString describeModel() const;

    ConfigDocument& m_document;
    JobPool m_jobs{1}; // one worker: model jobs run one after another
    std::shared_ptr<Model> m_model;
    nlohmann::json m_modelConfig; // the config (saved form) m_model was built from
    QPointer<JobBase> m_job;      // the job running now, if any
    QString m_result;             // the outcome of the last operation
    QString m_savedFolder;
    bool m_resultIsError = false;
    QSpinBox* m_height = nullptr;
    QSpinBox* m_width = nullptr;
    QTableWidget* m_table = nullptr;
    QLabel* m_totals = nullptr;
    QLabel* m_state = nullptr;
    QLabel* m_stale = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_build = nullptr;
    QPushButton* m_import = nullptr;
    QPushButton* m_save = nullptr;
    QPushButton* m_cancel = nullptr;
};

} // namespace mwb
