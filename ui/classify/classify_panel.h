#pragma once

// The Classify tab: pick a model (the built-in Fashion-MNIST model is selected on first launch, or a
// pretrained folder, the model built in the Model tab, one opened with File > Open Model), drop,
// paste or add images, see each one's top-k as labelled bars beside a thumbnail, what the model saw
// and, on request, the Grad-CAM heat map of a class over it; run a batch with progress and Cancel;
// results accumulate until Clear; export CSV/JSON; drop a folder of class subfolders to evaluate.
// The engine's precision and threads are chosen here, remembered, and shown next to the results.
//
// GUI thread only; the widget only shows state. The results live in a ClassifyResultsModel, runs in
// a ClassifyRunner; opening a model, building its engine, decoding previews and computing heat maps
// run on jobs (core/jobs), whose work captures what it needs by value. The panel shares the model
// with the Model tab: a classifier holds its own reference, so a model rebuilt there stays alive
// until the classifier using it is replaced.

#include "inference/classifier.h"
#include "inference/engine/inference_engine.h"
#include "jobs/job.h"

#include <functional>
#include <memory>
#include <optional>

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;
class QTabWidget;

namespace mwb {

class ClassifyResultsModel;
class ClassifyRunner;
class DropZone;
class EngineSettingsBar;
class EvaluationView;
class Model;
class ModelInputView;
class PredictionBars;
class SamplesStrip;

class ClassifyPanel final : public QWidget
{
    Q_OBJECT

public:
    using ModelProvider = std::function<std::shared_ptr<Model>()>;

    // `builtModel` gives the model built elsewhere (the Model tab); may return null. The built-in
    // model starts opening at once (when it is installed), so the tab is ready to classify.
    explicit ClassifyPanel(ModelProvider builtModel, QWidget* parent = nullptr);
    ~ClassifyPanel() override;

    // Opens a model (a pretrained folder, builtin:NAME, ... as openModel takes them) in the
    // background; classifierChanged follows. Replaces a model still being opened.
    void openModelFolder(const QString& folder);
    void openBuiltinModel();
    // Classifies with the model from the Model tab and the recipe its config implies.
    void useBuiltModel();
    // Classifies with a model opened elsewhere ("Open model..."), with its recipe. Returns the error
    // message when it cannot classify (no classifier head), else an empty string; the engine is then
    // built in the background and classifierChanged follows.
    QString
    useOpenedModel(std::shared_ptr<const Model> model, PreprocessRecipe recipe, const QString& description);
    bool hasClassifier() const { return m_classifier.has_value(); }
    const Classifier* classifier() const { return m_classifier ? &*m_classifier : nullptr; }
    bool isBuiltinModel() const { return m_builtin; }
    EngineOptions engineOptions() const { return m_engine; }

    // What a drop does: files and folders (recursively); a single folder of class subfolders is
    // evaluated instead. Results are added after those already shown.
    void classifyPaths(const QStringList& paths);
    void classifyEncodedImage(const QString& name, const QByteArray& bytes);
    void evaluateFolder(const QString& folder);
    void cancel();
    void clearResults();
    bool isBusy() const;

    ClassifyResultsModel& resultsModel() const { return *m_results; }
    std::vector<ClassifyResult> results() const;
    bool exportCsv(const QString& path);
    bool exportJson(const QString& path);

Q_SIGNALS:
    void classifierChanged();
    void runFinished(bool cancelled);
    void statusMessage(const QString& message);
    // The selected row's preview, model input and (when asked for) heat map are shown.
    void detailsShown(int row);

private:
    struct Loaded;
    struct Details;
    QWidget* createControls();
    QWidget* createResultsView();
    void startLoad(const QString& what, std::function<Result<Loaded>(JobContext&)> work);
    void setClassifier(Loaded loaded);
    void rebuildEngine(const EngineOptions& options);
    void onRunStarted(int imageCount, bool evaluation);
    void onRunProgress(int done, int total);
    void finishRun(bool cancelled);
    void showDetails(int row);
    void requestDetails();
    void applyDetails(Details details);
    void setStatus(const QString& message, bool error = false);
    void updateButtons();
    void updateEngineLabel();
    void exportWithDialog(bool json);
    ClassifyOptions runOptions() const;
    bool readyToRun();

    JobPool m_modelJobs{2}; // opening models, building engines (a replaced open ends on its own)
    JobPool m_detailJobs{1};
    ModelProvider m_builtModel;
    std::optional<Classifier> m_classifier;
    QString m_description;
    QStringList m_resultEngines; // the engines that computed the results shown (since Clear)
    bool m_builtin = false;
    EngineOptions m_engine;
    JobBase* m_loadJob = nullptr;
    QString m_loading; // what is being opened or built, empty when nothing
    unsigned m_detailRequest = 0;
    bool m_detailRunning = false;
    bool m_detailPending = false;

    ClassifyResultsModel* m_results = nullptr;
    ClassifyRunner* m_runner = nullptr;
    QLabel* m_modelLabel = nullptr;
    QPushButton* m_openModel = nullptr;
    QPushButton* m_useBuilt = nullptr;
    QPushButton* m_addImages = nullptr;
    QPushButton* m_evaluate = nullptr;
    EngineSettingsBar* m_engineBar = nullptr;
    QSpinBox* m_topK = nullptr;
    QSpinBox* m_batchSize = nullptr;
    SamplesStrip* m_samples = nullptr;
    DropZone* m_dropZone = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_clear = nullptr;
    QPushButton* m_exportCsv = nullptr;
    QPushButton* m_exportJson = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_engineLabel = nullptr;
    QTabWidget* m_views = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_preview = nullptr;
    QLabel* m_previewTitle = nullptr;
    PredictionBars* m_bars = nullptr;
    ModelInputView* m_modelInput = nullptr;
    EvaluationView* m_evaluationView = nullptr;
};

} // namespace mwb
