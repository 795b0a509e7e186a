#pragma once

// The model panel: the structure of the model the current config describes (stages, output shapes,
// parameters, MACs at a chosen input size), kept current as the config changes; building the model
// off the GUI thread; importing weights through a load report; saving a pretrained folder.

#include <memory>

#include <QWidget>

class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace mwb {

class ConfigDocument;
class Model;
struct LoadReport;

class ModelPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit ModelPanel(ConfigDocument& document, QWidget* parent = nullptr);
    ~ModelPanel() override;

    // The built model, shared with background work; null until built.
    std::shared_ptr<Model> model() const { return m_model; }

    // The steps behind the buttons, callable with a path (tests, drag and drop).
    void buildModel();
    void importWeightsFrom(const QString& path);
    void saveModelTo(const QString& folder);

Q_SIGNALS:
    void busyChanged(bool busy);
    void modelChanged();
    // Human-readable outcome of the last operation (also shown in the panel).
    void statusMessage(const QString& message);

private:
    void updateSummary();
    void setBusy(bool busy, const QString& message = {});
    void showResult(const QString& message, bool error);
    void askAndApplyWeights(const QString& path, const LoadReport& report);

    ConfigDocument& m_document;
    std::shared_ptr<Model> m_model;
    bool m_modelIsCurrent = false;
    QSpinBox* m_height = nullptr;
    QSpinBox* m_width = nullptr;
    QTableWidget* m_table = nullptr;
    QLabel* m_totals = nullptr;
    QLabel* m_state = nullptr;
    QPushButton* m_build = nullptr;
    QPushButton* m_import = nullptr;
    QPushButton* m_save = nullptr;
    bool m_busy = false;
};

} // namespace mwb
