#include "classify/classify_panel.h"

#include "builtin/builtin_models.h"
#include "classify/classify_runner.h"
#include "classify/drop_zone.h"
#include "classify/engine_settings.h"
#include "classify/evaluation_view.h"
#include "classify/model_input_view.h"
#include "classify/prediction_bars.h"
#include "classify/results_model.h"
#include "classify/samples_strip.h"
#include "classify/thumbnail_loader.h"
#include "explain/grad_cam.h"
#include "inference/classify_export.h"
#include "inference/image_files.h"
#include "model/model.h"
#include "open/open_model.h"
#include "widgets/file_dialog.h"

#include <QClipboard>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

namespace mwb {

// A classifier ready to use, made on a job.
struct ClassifyPanel::Loaded
{
    Classifier classifier;
    QString description;
    bool builtin = false;
};

// What the details of one row show, computed on a job.
struct ClassifyPanel::Details
{
    unsigned request = 0;
    int row = 0;
    QImage preview;
    Image8 modelInput;
    QString inputError;
    std::optional<GradCamResult> cam;
    QString camError;
};

namespace {

constexpr int kThumbnailSize = 48;
constexpr int kPreviewSize = 64;

QString fromStd(const std::string& text)
{
    return QString::fromStdString(text);
}

QString classCount(int classes)
{
    return classes == 1 ? QObject::tr("1 class") : QObject::tr("%1 classes").arg(classes);
}

} // namespace

ClassifyPanel::ClassifyPanel(ModelProvider builtModel, QWidget* parent)
    : QWidget(parent), m_builtModel(std::move(builtModel))
{
    setObjectName(QStringLiteral("classifyPanel"));
    m_results = new ClassifyResultsModel(kThumbnailSize, this);
    m_runner = new ClassifyRunner(*m_results, this);
    connect(m_runner, &ClassifyRunner::started, this, &ClassifyPanel::onRunStarted);
    connect(m_runner, &ClassifyRunner::progressChanged, this, &ClassifyPanel::onRunProgress);
    connect(m_runner, &ClassifyRunner::finished, this, &ClassifyPanel::finishRun);
    connect(m_runner, &ClassifyRunner::failed, this, [this](const QString& why) {
        setStatus(why, true);
        updateButtons();
    });

    m_dropZone = new DropZone(this);
    connect(m_dropZone, &DropZone::pathsDropped, this, &ClassifyPanel::classifyPaths);
    connect(m_dropZone, &DropZone::imageDropped, this, &ClassifyPanel::classifyEncodedImage);
    connect(m_dropZone, &DropZone::rejected, this, [this](const QString& why) { setStatus(why, true); });
    auto* paste = new QShortcut(QKeySequence::Paste, this, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(paste, &QShortcut::activated, this,
            [this] { m_dropZone->acceptMimeData(QGuiApplication::clipboard()->mimeData()); });

    m_samples = new SamplesStrip(this);
    m_samples->setVisible(false);
    connect(m_samples, &SamplesStrip::sampleClicked, this,
            [this](const QString& path) { classifyPaths({path}); });

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("classifyProgress"));
    m_progress->setFormat(tr("%v of %m images"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false); // until a run says how many images it has
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("classifyCancel"));
    connect(m_cancel, &QPushButton::clicked, this, &ClassifyPanel::cancel);
    m_clear = new QPushButton(tr("Clear"), this);
    m_clear->setObjectName(QStringLiteral("classifyClear"));
    m_clear->setToolTip(tr("Remove every result (new images are added after the ones shown)"));
    connect(m_clear, &QPushButton::clicked, this, &ClassifyPanel::clearResults);
    m_exportCsv = new QPushButton(tr("Export CSV..."), this);
    m_exportCsv->setObjectName(QStringLiteral("classifyExportCsv"));
    connect(m_exportCsv, &QPushButton::clicked, this, [this] { exportWithDialog(false); });
    m_exportJson = new QPushButton(tr("Export JSON..."), this);
    m_exportJson->setObjectName(QStringLiteral("classifyExportJson"));
    connect(m_exportJson, &QPushButton::clicked, this, [this] { exportWithDialog(true); });
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancel);
    progressRow->addWidget(m_clear);
    progressRow->addWidget(m_exportCsv);
    progressRow->addWidget(m_exportJson);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("classifyStatus"));
    m_status->setWordWrap(true);

    m_views = new QTabWidget(this);
    m_views->setObjectName(QStringLiteral("classifyViews"));
    // Which engine computed the results, on the results' own tab bar.
    m_engineLabel = new QLabel(this);
    m_engineLabel->setObjectName(QStringLiteral("classifyEngineLabel"));
    m_engineLabel->setContentsMargins(8, 0, 4, 0);
    m_views->setCornerWidget(m_engineLabel, Qt::TopRightCorner);
    m_views->addTab(createResultsView(), tr("Results"));
    m_evaluationView = new EvaluationView(this);
    m_views->addTab(m_evaluationView, tr("Evaluation"));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(createControls());
    layout->addWidget(m_samples);
    layout->addWidget(m_dropZone);
    layout->addLayout(progressRow);
    layout->addWidget(m_status);
    layout->addWidget(m_views, 1);
    // The views take the height left over. Their preferred height is not asked for: the panel sits
    // in a scroll area, and with word-wrapped labels above, the layout's height-for-width (the sum
    // of preferred heights) would become the panel's minimum and scroll a 700-pixel-high window.
    m_views->setMinimumHeight(m_views->minimumSizeHint().height());
    m_views->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);
    updateButtons();
    updateEngineLabel();
    showDetails(-1);
    openBuiltinModel();
}

ClassifyPanel::~ClassifyPanel() = default; // the pools cancel and wait; jobs' results are dropped

QWidget* ClassifyPanel::createControls()
{
    auto* box = new QWidget(this);
    m_modelLabel =
        new QLabel(tr("No model: open a pretrained folder or use the model built in the Model tab."), box);
    m_modelLabel->setObjectName(QStringLiteral("classifyModelLabel"));
    m_modelLabel->setWordWrap(true);
    m_openModel = new QPushButton(tr("Open Pretrained Folder..."), box);
    m_openModel->setObjectName(QStringLiteral("classifyOpenModel"));
    connect(m_openModel, &QPushButton::clicked, this, [this] {
        const QString folder =
            ui::FileDialog::getExistingDirectory(this, tr("Open a pretrained model folder"));
        if (!folder.isEmpty())
            openModelFolder(folder);
    });
    m_useBuilt = new QPushButton(tr("Use Built Model"), box);
    m_useBuilt->setObjectName(QStringLiteral("classifyUseBuiltModel"));
    m_useBuilt->setToolTip(tr("Classify with the model built in the Model tab (its weights as they are)"));
    connect(m_useBuilt, &QPushButton::clicked, this, &ClassifyPanel::useBuiltModel);

    m_engineBar = new EngineSettingsBar(box);
    m_engine = m_engineBar->options();
    connect(m_engineBar, &EngineSettingsBar::changed, this, &ClassifyPanel::rebuildEngine);
    m_topK = new QSpinBox(box);
    m_topK->setObjectName(QStringLiteral("classifyTopK"));
    m_topK->setRange(1, 100);
    m_topK->setValue(5);
    m_batchSize = new QSpinBox(box);
    m_batchSize->setObjectName(QStringLiteral("classifyBatchSize"));
    m_batchSize->setRange(1, 256);
    m_batchSize->setValue(8);
    m_addImages = new QPushButton(tr("Add Images..."), box);
    m_addImages->setObjectName(QStringLiteral("classifyAddImages"));
    connect(m_addImages, &QPushButton::clicked, this, [this] {
        const QStringList files = ui::FileDialog::getOpenFileNames(
            this, tr("Classify images"), {},
            tr("Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;All files (*)"));
        if (!files.isEmpty())
            classifyPaths(files);
    });
    m_evaluate = new QPushButton(tr("Evaluate Folder..."), box);
    m_evaluate->setObjectName(QStringLiteral("classifyEvaluateFolder"));
    m_evaluate->setToolTip(tr("A folder with one subfolder of images per class, named after the class"));
    connect(m_evaluate, &QPushButton::clicked, this, [this] {
        const QString folder =
            ui::FileDialog::getExistingDirectory(this, tr("Evaluate on a folder of class subfolders"));
        if (!folder.isEmpty())
            evaluateFolder(folder);
    });

    auto* top = new QHBoxLayout;
    top->addWidget(m_modelLabel, 1);
    top->addWidget(m_openModel);
    top->addWidget(m_useBuilt);
    auto* second = new QHBoxLayout;
    second->addWidget(m_engineBar);
    second->addSpacing(12);
    second->addWidget(new QLabel(tr("Top k:"), box));
    second->addWidget(m_topK);
    second->addWidget(new QLabel(tr("Batch:"), box));
    second->addWidget(m_batchSize);
    second->addStretch(1);
    second->addWidget(m_addImages);
    second->addWidget(m_evaluate);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addLayout(second);
    return box;
}

QWidget* ClassifyPanel::createResultsView()
{
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("classifyResults"));
    m_table->setModel(m_results);
    // Fixed sizes: a header that measured its contents would visit every one of 50,000 rows.
    m_table->horizontalHeader()->setSectionResizeMode(ClassifyResultsModel::ImageColumn,
                                                      QHeaderView::Stretch);
    m_table->horizontalHeader()->resizeSection(ClassifyResultsModel::TopLabelColumn, 110);
    m_table->horizontalHeader()->resizeSection(ClassifyResultsModel::ScoreColumn, 56);
    m_table->horizontalHeader()->resizeSection(ClassifyResultsModel::StatusColumn, 70);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(kThumbnailSize + 4);
    m_table->setIconSize(QSize(kThumbnailSize, kThumbnailSize));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showDetails(current.isValid() ? current.row() : -1); });
    // A row of the selection that gets its result shows it.
    connect(m_results, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& first, const QModelIndex& last) {
                const int row = m_table->currentIndex().row();
                if (row >= first.row() && row <= last.row() &&
                    first.column() <= ClassifyResultsModel::StatusColumn &&
                    last.column() >= ClassifyResultsModel::TopLabelColumn)
                    showDetails(row);
            });

    auto* tableBox = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(m_table, 1);

    // The details of the selected row: what the model sees (with the heat map) and, beside it, the
    // image as it came with its name and predictions, then the heat-map controls; side by side so
    // the whole tab fits a 700-pixel-high screen.
    auto* side = new QWidget(this);
    m_previewTitle = new QLabel(side);
    m_previewTitle->setObjectName(QStringLiteral("classifyPreviewTitle"));
    m_previewTitle->setWordWrap(true);
    // A long path wraps (or is cut) instead of widening the details.
    m_previewTitle->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_previewTitle->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_preview = new QLabel(side);
    m_preview->setObjectName(QStringLiteral("classifyPreview"));
    m_preview->setAlignment(Qt::AlignCenter);
    m_preview->setFixedSize(kPreviewSize, kPreviewSize);
    m_preview->setToolTip(tr("The image as it came"));
    m_bars = new PredictionBars(side);
    m_bars->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    auto* barsRow = new QHBoxLayout;
    barsRow->addWidget(m_preview, 0, Qt::AlignTop);
    barsRow->addWidget(m_bars, 1);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_previewTitle);
    sideLayout->addLayout(barsRow);
    m_modelInput = new ModelInputView(this);
    m_modelInput->setSideWidget(side);
    connect(m_modelInput, &ModelInputView::heatMapRequested, this, &ClassifyPanel::requestDetails);
    auto* details = new QWidget(this);
    auto* form = new QVBoxLayout(details);
    form->setContentsMargins(4, 0, 0, 0);
    form->addWidget(m_modelInput, 1);

    auto* splitter = new QSplitter(this);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(tableBox);
    splitter->addWidget(details);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 0);
    return splitter;
}

void ClassifyPanel::setStatus(const QString& message, bool error)
{
    m_status->setText(message);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
    Q_EMIT statusMessage(message);
}

bool ClassifyPanel::isBusy() const
{
    return m_runner->isBusy() || !m_loading.isEmpty();
}

void ClassifyPanel::updateButtons()
{
    const bool running = m_runner->isBusy();
    const bool ready = !isBusy() && m_classifier;
    m_cancel->setEnabled(running);
    m_useBuilt->setEnabled(!running);
    m_openModel->setEnabled(!running);
    m_engineBar->setEnabled(!running);
    m_addImages->setEnabled(ready);
    m_evaluate->setEnabled(ready);
    m_samples->setEnabled(ready);
    m_clear->setEnabled(!running && m_results->size() > 0);
    m_exportCsv->setEnabled(!running && m_results->finishedCount() > 0);
    m_exportJson->setEnabled(!running && m_results->finishedCount() > 0);
    m_dropZone->setEnabled(ready);
}

// Next to the results: the engine that computed them (more than one when the settings changed
// between runs), and the one the next run will use when it differs.
void ClassifyPanel::updateEngineLabel()
{
    const QString current =
        m_classifier
            ? engineDescription({m_classifier->engine().precision(), m_classifier->engine().threads()})
            : engineDescription(m_engine);
    if (m_resultEngines.isEmpty() || m_results->size() == 0)
        m_engineLabel->setText(tr("Engine: %1").arg(current));
    else if (m_resultEngines == QStringList{current})
        m_engineLabel->setText(tr("Computed with: %1").arg(current));
    else
        m_engineLabel->setText(
            tr("Computed with: %1 (next run: %2)").arg(m_resultEngines.join(QStringLiteral("; ")), current));
    m_engineLabel->setToolTip(m_classifier ? fromStd(m_classifier->engine().description()) : QString());
}

void ClassifyPanel::startLoad(const QString& what, std::function<Result<Loaded>(JobContext&)> work)
{
    delete m_loadJob; // a model still being opened is replaced: its result is dropped
    m_loading = what;
    setStatus(what);
    auto* job = new Job<Loaded>(std::move(work), this);
    m_loadJob = job;
    job->onFinished([this](Result<Loaded> loaded) {
        m_loadJob->deleteLater();
        m_loadJob = nullptr;
        m_loading.clear();
        if (!loaded) {
            setStatus(fromStd(loaded.error().message), true);
            updateButtons();
            return;
        }
        setClassifier(std::move(*loaded));
    });
    job->start(m_modelJobs);
    updateButtons();
}

void ClassifyPanel::openBuiltinModel()
{
    if (!builtinModelFolder(kDefaultBuiltinModel))
        return; // not installed: the label says "No model"
    const std::string spec = std::string(kBuiltinPrefix) + kDefaultBuiltinModel;
    const EngineOptions engine = m_engine;
    startLoad(tr("Opening the built-in model %1...").arg(fromStd(spec)),
              [spec, engine](JobContext& context) -> Result<Loaded> {
                  auto opened = openModel(spec);
                  if (!opened)
                      return std::unexpected(opened.error());
                  if (context.isCancelled())
                      return std::unexpected(JobContext::cancelledError());
                  auto classifier = Classifier::create(opened->model, opened->recipe, engine);
                  if (!classifier)
                      return std::unexpected(classifier.error());
                  return Loaded{std::move(*classifier), fromStd(spec), true};
              });
}

void ClassifyPanel::openModelFolder(const QString& folder)
{
    if (m_runner->isBusy())
        return;
    const EngineOptions engine = m_engine;
    startLoad(tr("Loading %1...").arg(folder), [folder, engine](JobContext&) -> Result<Loaded> {
        auto classifier = Classifier::fromPretrained(folder.toStdString(), engine);
        if (!classifier)
            return std::unexpected(classifier.error());
        return Loaded{std::move(*classifier), QFileInfo(folder).fileName(), false};
    });
}

QString ClassifyPanel::useOpenedModel(std::shared_ptr<const Model> model,
                                      PreprocessRecipe recipe,
                                      const QString& description)
{
    if (m_runner->isBusy())
        return tr("The Classify tab is busy; try again when it is done.");
    if (!model || model->config().value("num_classes", 0) <= 0)
        return tr("The model has no classifier (num_classes is 0): it outputs pooled features, not class "
                  "scores.");
    const EngineOptions engine = m_engine;
    startLoad(tr("Preparing %1...").arg(description),
              [model, recipe, description, engine](JobContext&) -> Result<Loaded> {
                  auto classifier = Classifier::create(model, recipe, engine);
                  if (!classifier)
                      return std::unexpected(classifier.error());
                  return Loaded{std::move(*classifier), description, false};
              });
    return {};
}

void ClassifyPanel::useBuiltModel()
{
    if (m_runner->isBusy())
        return;
    std::shared_ptr<Model> model = m_builtModel ? m_builtModel() : nullptr;
    if (!model) {
        setStatus(tr("No model has been built yet: build one in the Model tab, or open a pretrained folder."),
                  true);
        return;
    }
    auto recipe = preprocessRecipeFromJson(nullptr, &model->config());
    if (!recipe) {
        setStatus(fromStd(recipe.error().message), true);
        return;
    }
    const EngineOptions engine = m_engine;
    const QString description = tr("built model (%1)").arg(fromStd(model->className()));
    startLoad(tr("Preparing the model built in the Model tab..."),
              [model = std::shared_ptr<const Model>(model), recipe = std::move(*recipe), description,
               engine](JobContext&) -> Result<Loaded> {
                  auto classifier = Classifier::create(model, recipe, engine);
                  if (!classifier)
                      return std::unexpected(classifier.error());
                  return Loaded{std::move(*classifier), description, false};
              });
}

void ClassifyPanel::rebuildEngine(const EngineOptions& options)
{
    m_engine = options;
    if (!m_classifier) {
        updateEngineLabel();
        return;
    }
    if (m_loadJob) // the model being opened is rebuilt with these options when it is ready
        return;
    auto model = m_classifier->sharedModel();
    PreprocessRecipe recipe = m_classifier->recipe();
    const QString description = m_description;
    const bool builtin = m_builtin;
    startLoad(tr("Building the engine: %1...").arg(engineDescription(options)),
              [model, recipe, description, builtin, options](JobContext&) -> Result<Loaded> {
                  auto classifier = Classifier::create(model, recipe, options);
                  if (!classifier)
                      return std::unexpected(classifier.error());
                  return Loaded{std::move(*classifier), description, builtin};
              });
}

void ClassifyPanel::setClassifier(Loaded loaded)
{
    const bool sameModel = m_classifier && m_classifier->sharedModel() == loaded.classifier.sharedModel();
    m_classifier = std::move(loaded.classifier);
    const InferenceEngine& engine = m_classifier->engine();
    const bool stale = engine.precision() != m_engine.precision || engine.threads() != m_engine.threads;
    m_description = loaded.description;
    m_builtin = loaded.builtin;
    // One line; the preprocessing recipe is in the tooltip.
    m_modelLabel->setText(
        tr("%1 \u2014 %2").arg(m_description, classCount(static_cast<int>(m_classifier->labels().size()))));
    m_modelLabel->setToolTip(tr("Preprocessing: %1").arg(fromStd(m_classifier->recipe().summary())));
    if (m_builtin)
        m_samples->setSamples(builtinModelSamples(kDefaultBuiltinModel));
    m_samples->setVisible(m_builtin && m_samples->sampleCount() > 0);
    updateEngineLabel();
    if (sameModel)
        setStatus(
            tr("The engine is ready: %1.").arg(engineDescription({engine.precision(), engine.threads()})));
    else if (m_builtin)
        setStatus(
            tr("Using the built-in Fashion-MNIST model. Drop images of clothes or shoes, or try a sample."));
    else
        setStatus(tr("Using %1. Drop images to classify them.").arg(m_description));
    updateButtons();
    Q_EMIT classifierChanged();
    if (stale) // the settings changed while this classifier was being made
        rebuildEngine(m_engine);
}

ClassifyOptions ClassifyPanel::runOptions() const
{
    return ClassifyOptions{.topK = m_topK->value(), .batchSize = m_batchSize->value()};
}

bool ClassifyPanel::readyToRun()
{
    if (m_classifier && !isBusy())
        return true;
    setStatus(!m_loading.isEmpty() ? tr("Wait until the model is ready: %1").arg(m_loading)
              : m_classifier       ? tr("Busy: cancel the current batch first.")
                                   : tr("Open a model first."),
              true);
    return false;
}

void ClassifyPanel::classifyPaths(const QStringList& paths)
{
    if (!readyToRun())
        return;
    setStatus(tr("Looking for images..."));
    m_runner->classifyPaths(*m_classifier, paths, runOptions());
    updateButtons();
}

void ClassifyPanel::classifyEncodedImage(const QString& name, const QByteArray& bytes)
{
    if (!readyToRun())
        return;
    m_runner->classifySources(
        *m_classifier,
        {ImageSource::encoded(name.toStdString(), std::vector<std::uint8_t>(bytes.begin(), bytes.end()))},
        runOptions());
}

void ClassifyPanel::evaluateFolder(const QString& folder)
{
    if (!readyToRun())
        return;
    setStatus(tr("Reading %1...").arg(folder));
    m_runner->evaluateFolder(*m_classifier, folder, runOptions());
    updateButtons();
}

void ClassifyPanel::onRunStarted(int imageCount, bool evaluation)
{
    m_progress->setTextVisible(true);
    const QString engine =
        engineDescription({m_classifier->engine().precision(), m_classifier->engine().threads()});
    if (!m_resultEngines.contains(engine))
        m_resultEngines << engine;
    updateEngineLabel();
    m_progress->setRange(0, imageCount);
    m_progress->setValue(0);
    m_views->setCurrentIndex(evaluation ? 1 : 0);
    if (evaluation)
        m_evaluationView->clear();
    // The first image of the run is selected so its details show as soon as it is done.
    m_table->setCurrentIndex(m_results->index(m_runner->runFirstRow(), ClassifyResultsModel::ImageColumn));
    m_table->scrollTo(m_table->currentIndex());
    setStatus(tr("Classifying %n image(s) with %1...", "", imageCount).arg(engine));
    updateButtons();
}

void ClassifyPanel::onRunProgress(int done, int total)
{
    m_progress->setRange(0, total);
    m_progress->setValue(done);
}

void ClassifyPanel::finishRun(bool cancelled)
{
    const int first = m_runner->runFirstRow();
    const int count = m_runner->runImageCount();
    if (count == 0) { // cancelled while looking for images
        setStatus(tr("Cancelled before any image was classified."));
        updateButtons();
        Q_EMIT runFinished(cancelled);
        return;
    }
    const std::vector<ClassifyResult> run = m_results->results(first, first + count);
    const auto handled = static_cast<int>(run.size());
    const auto failed = std::ranges::count_if(run, [](const ClassifyResult& r) { return !r.ok(); });
    QString message = cancelled ? tr("Cancelled after %1 of %2 images.").arg(handled).arg(count)
                                : tr("Classified %n image(s)", "", handled) +
                                      tr(" with %1.")
                                          .arg(engineDescription({m_classifier->engine().precision(),
                                                                  m_classifier->engine().threads()}));
    if (failed > 0)
        message += QLatin1Char(' ') +
                   tr("%n image(s) could not be read; see the Status column.", "", static_cast<int>(failed));
    if (const auto& folder = m_runner->evaluationFolder()) {
        Evaluation evaluation = evaluate(*folder, run, m_classifier->labels());
        message += QLatin1Char(' ') + tr("Accuracy %1%.").arg(evaluation.accuracy * 100, 0, 'f', 1);
        m_evaluationView->showEvaluation(*folder, run, std::move(evaluation));
    }
    setStatus(message, failed > 0);
    updateButtons();
    Q_EMIT runFinished(cancelled);
}

void ClassifyPanel::showDetails(int row)
{
    if (row < 0 || row >= m_results->size()) {
        m_previewTitle->clear();
        m_preview->clear();
        m_bars->setPredictions({});
        m_modelInput->setPredictions({});
        m_modelInput->showMessage(tr("Select a result to see the pixels the model was given and, with the "
                                     "heat map, which of them made it choose."));
        return;
    }
    const ClassifyResultsModel::Row& shown = m_results->row(row);
    m_previewTitle->setText(fromStd(shown.result.image));
    switch (shown.state) {
    case ClassifyResultsModel::RowState::Waiting:
        m_bars->setMessage(tr("Not classified yet."));
        break;
    case ClassifyResultsModel::RowState::Cancelled:
        m_bars->setMessage(tr("Not classified: the run was cancelled."));
        break;
    case ClassifyResultsModel::RowState::Failed:
        m_bars->setMessage(fromStd(shown.result.error ? shown.result.error->message : std::string()));
        break;
    case ClassifyResultsModel::RowState::Done:
        m_bars->setPredictions(shown.result.predictions);
        break;
    }
    m_modelInput->setPredictions(shown.state == ClassifyResultsModel::RowState::Done
                                     ? shown.result.predictions
                                     : std::vector<Prediction>{});
    // Never a blank square without a word: say why there is nothing to see yet.
    switch (shown.state) {
    case ClassifyResultsModel::RowState::Waiting:
        m_modelInput->showMessage(tr("Shown once this image is classified."));
        break;
    case ClassifyResultsModel::RowState::Cancelled:
        m_modelInput->showMessage(tr("Not classified: the run was cancelled before this image."));
        break;
    case ClassifyResultsModel::RowState::Failed:
        m_modelInput->showMessage(tr("The image could not be read, so the model saw nothing."));
        break;
    case ClassifyResultsModel::RowState::Done:
        m_modelInput->showMessage(tr("Preparing the view..."));
        break;
    }
    requestDetails();
}

// Decodes the preview and what the model sees (and the heat map when asked for) of the current row
// on a job. One job at a time: a request made while one runs is served when it ends, for whatever
// row is current then.
void ClassifyPanel::requestDetails()
{
    const int row = m_table->currentIndex().row();
    if (row < 0 || row >= m_results->size() || !m_classifier)
        return;
    ++m_detailRequest;
    if (m_detailRunning) {
        m_detailPending = true;
        return;
    }
    m_detailRunning = true;
    m_detailPending = false;
    const ClassifyResultsModel::Row& shown = m_results->row(row);
    const bool classified = shown.state == ClassifyResultsModel::RowState::Done;
    const bool withHeat = classified && m_modelInput->heatMapWanted();
    GradCamOptions camOptions;
    camOptions.classIndex = m_modelInput->heatMapClass();
    auto model = m_classifier->sharedModel();
    PreprocessRecipe recipe = m_classifier->recipe();
    ImageSource source = m_results->source(row);
    const unsigned request = m_detailRequest;
    startJob<Details>(
        m_detailJobs, this,
        [request, row, classified, withHeat, camOptions, model, recipe,
         source](JobContext&) -> Result<Details> {
            Details details;
            details.request = request;
            details.row = row;
            const QByteArray bytes(reinterpret_cast<const char*>(source.bytes.data()),
                                   static_cast<qsizetype>(source.bytes.size()));
            details.preview = decodeScaledImage(source.path, bytes, kPreviewSize);
            if (!classified)
                return details;
            auto input = source.bytes.empty() ? preprocessImageFile(source.path, recipe)
                                              : preprocessImageBytes(source.bytes, source.name, recipe);
            if (!input) {
                details.inputError = fromStd(input.error().message);
                return details;
            }
            if (withHeat) {
                // Grad-CAM runs in float32 with autograd on the model's own modules, whatever precision
                // the engine uses.
                auto cam = gradCam(*model, *input, camOptions);
                if (cam)
                    details.cam = std::move(*cam);
                else
                    details.camError = fromStd(cam.error().message);
            }
            details.modelInput = std::move(input->modelInput);
            return details;
        },
        [this](Result<Details> details) {
            m_detailRunning = false;
            if (details && details->request == m_detailRequest)
                applyDetails(std::move(*details));
            if (m_detailPending)
                requestDetails();
        });
}

void ClassifyPanel::applyDetails(Details details)
{
    if (details.row != m_table->currentIndex().row())
        return;
    QImage preview = details.preview;
    if (!preview.isNull() && preview.width() < kPreviewSize && preview.height() < kPreviewSize)
        preview = preview.scaled(kPreviewSize, kPreviewSize, Qt::KeepAspectRatio, Qt::FastTransformation);
    m_preview->setPixmap(preview.isNull() ? QPixmap() : QPixmap::fromImage(preview));
    const ClassifyResultsModel::Row& shown = m_results->row(details.row);
    if (shown.state != ClassifyResultsModel::RowState::Done) {
        Q_EMIT detailsShown(details.row);
        return;
    }
    if (!details.inputError.isEmpty()) {
        m_modelInput->showMessage(details.inputError);
        Q_EMIT detailsShown(details.row);
        return;
    }
    m_modelInput->setModelInput(std::move(details.modelInput));
    if (details.cam) {
        const auto index = static_cast<std::size_t>(details.cam->classIndex);
        const QString label = index < m_classifier->labels().size()
                                  ? fromStd(m_classifier->labels()[index])
                                  : QString::number(details.cam->classIndex);
        m_modelInput->setHeatMap(std::move(*details.cam), label);
    } else if (!details.camError.isEmpty()) {
        m_modelInput->setHeatMapError(details.camError);
    }
    Q_EMIT detailsShown(details.row);
}

void ClassifyPanel::cancel()
{
    if (m_runner->isBusy()) {
        m_runner->cancel();
        setStatus(tr("Cancelling after the current batch..."));
    }
}

void ClassifyPanel::clearResults()
{
    if (m_runner->isBusy())
        return;
    m_results->clear();
    m_resultEngines.clear();
    updateEngineLabel();
    m_evaluationView->clear();
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    showDetails(-1);
    setStatus(tr("Cleared the results."));
    updateButtons();
}

std::vector<ClassifyResult> ClassifyPanel::results() const
{
    return m_results->results();
}

bool ClassifyPanel::exportCsv(const QString& path)
{
    const std::vector<ClassifyResult> all = results();
    if (auto written = writeResultsCsv(path, all); !written) {
        setStatus(fromStd(written.error().message), true);
        return false;
    }
    setStatus(tr("Exported %n result(s) to %1", "", static_cast<int>(all.size())).arg(path));
    return true;
}

bool ClassifyPanel::exportJson(const QString& path)
{
    const std::vector<ClassifyResult> all = results();
    if (auto written = writeResultsJson(path, all); !written) {
        setStatus(fromStd(written.error().message), true);
        return false;
    }
    setStatus(tr("Exported %n result(s) to %1", "", static_cast<int>(all.size())).arg(path));
    return true;
}

void ClassifyPanel::exportWithDialog(bool json)
{
    const QString path = ui::FileDialog::getSaveFileName(
        this, json ? tr("Export results as JSON") : tr("Export results as CSV"),
        json ? QStringLiteral("predictions.json") : QStringLiteral("predictions.csv"),
        json ? tr("JSON (*.json)") : tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    json ? exportJson(path) : exportCsv(path);
}

} // namespace mwb
