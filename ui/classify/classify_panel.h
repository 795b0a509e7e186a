#pragma once

// The Classify tab: pick a model (a pretrained folder, or the model built in the Model tab), drop or
// paste images, see each one's top-k as labelled bars beside a thumbnail and what the model saw; run
// a batch with progress and Cancel; export CSV/JSON; drop a folder of class subfolders to evaluate.
//
// GUI thread only. Model loading and classification run on Qt's thread pool (ClassifyJob); results
// arrive by signals. The panel shares the model with the Model tab: do not rebuild it while a batch
// runs (the panel takes its own reference, so the old model stays alive until the batch ends).

#include "inference/classifier.h"
#include "inference/evaluation.h"

#include <functional>
#include <memory>
#include <optional>

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTabWidget;

namespace mwb {

class ClassifyJob;
class DropZone;
class EvaluationView;
class Model;
class PredictionBars;

class ClassifyPanel final : public QWidget
{
    Q_OBJECT

public:
    using ModelProvider = std::function<std::shared_ptr<Model>()>;

    // `builtModel` gives the model built elsewhere (the Model tab); may return null.
    explicit ClassifyPanel(ModelProvider builtModel, QWidget* parent = nullptr);
    ~ClassifyPanel() override;

    // Loads a pretrained folder (model + preprocessing) in the background; classifierChanged follows.
    void openModelFolder(const QString& folder);
    // Classifies with the model from the Model tab and the recipe its config implies.
    void useBuiltModel();
    // Classifies with a model opened elsewhere ("Open model..."), with its recipe; returns the error
    // message when it cannot classify (no classifier head), else an empty string.
    QString
    useOpenedModel(std::shared_ptr<const Model> model, PreprocessRecipe recipe, const QString& description);
    bool hasClassifier() const { return m_classifier.has_value(); }

    // What a drop does: files and folders (recursively); a single folder of class subfolders is
    // evaluated instead.
    void classifyPaths(const QStringList& paths);
    void classifyEncodedImage(const QString& name, const QByteArray& bytes);
    void evaluateFolder(const QString& folder);
    void cancel();
    bool isBusy() const;

    const std::vector<ClassifyResult>& results() const { return m_results; }
    bool exportCsv(const QString& path);
    bool exportJson(const QString& path);

Q_SIGNALS:
    void classifierChanged();
    void runFinished(bool cancelled);
    void statusMessage(const QString& message);

private:
    QWidget* createControls();
    QWidget* createResultsView();
    void setClassifier(Classifier classifier, const QString& description);
    void startRun(std::vector<ImageSource> sources, std::optional<LabelledFolder> evaluation);
    void showResult(int index, const ClassifyResult& result);
    void finishRun(bool cancelled);
    void showDetails(int row);
    void setStatus(const QString& message, bool error = false);
    void updateButtons();
    void exportWithDialog(bool json);

    ModelProvider m_builtModel;
    std::optional<Classifier> m_classifier;
    ClassifyJob* m_job = nullptr;
    bool m_loadingModel = false;
    std::vector<ImageSource> m_sources;
    std::vector<ClassifyResult> m_results; // in input order, as they arrive
    std::vector<QByteArray> m_encoded;     // per row: the bytes of an image without a file
    std::optional<LabelledFolder> m_evaluationFolder;

    QLabel* m_modelLabel = nullptr;
    QPushButton* m_openModel = nullptr;
    QPushButton* m_useBuilt = nullptr;
    QSpinBox* m_topK = nullptr;
    QSpinBox* m_batchSize = nullptr;
    DropZone* m_dropZone = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_exportCsv = nullptr;
    QPushButton* m_exportJson = nullptr;
    QLabel* m_status = nullptr;
    QTabWidget* m_views = nullptr;
    QTableWidget* m_table = nullptr;
    QLabel* m_preview = nullptr;
    QLabel* m_previewTitle = nullptr;
    PredictionBars* m_bars = nullptr;
    QLabel* m_modelInput = nullptr;
    EvaluationView* m_evaluationView = nullptr;
};

} // namespace mwb
